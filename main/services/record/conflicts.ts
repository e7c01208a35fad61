// Disagreements between sources a clinician must see: the merge never silently picks a side on these.
import type { RecordConflict } from '../../../common/record';
import { cprStatusOf, isRespectForm } from '../../../common/resuscitation';
import { isIssueRecord } from '../../../common/summary/medications';
import { isInactiveStatus, NO_KNOWN_ALLERGY_CODES, NO_KNOWN_ALLERGY_TEXT } from './clinical-codes';
import { conceptCodes, conceptDisplay, type Json, mainConcept } from './fhir-read';
import type { EntryCopy, MergedEntry } from './merge';
import { factsOf } from './resource-facts';

export interface ConflictResult {
  conflicts: RecordConflict[];
  /** Entry key → the text shown on that item. */
  byEntry: Map<string, string>;
}

const names = (sources: Iterable<string>) => [...new Set(sources)].sort().join(' and ');
const sourcesOf = (entries: MergedEntry[]) =>
  entries.flatMap((e) => e.copies.map((c) => c.provenance.sourceName));
const isActive = (copy: EntryCopy) => !isInactiveStatus(factsOf(copy.resource).status);

function note(byEntry: Map<string, string>, key: string, text: string): void {
  const existing = byEntry.get(key);
  byEntry.set(key, existing ? `${existing}; ${text}` : text);
}

export function isNoKnownAllergy(resource: Json): boolean {
  const concept = mainConcept(resource);
  if (conceptCodes(concept).some((c) => NO_KNOWN_ALLERGY_CODES.has(c))) return true;
  const text = conceptDisplay(concept);
  return text !== undefined && NO_KNOWN_ALLERGY_TEXT.test(text);
}

function allergyConflicts(entries: readonly MergedEntry[], out: ConflictResult): void {
  const allergies = entries.filter((e) => e.resourceType === 'AllergyIntolerance');
  const none = allergies.filter((e) => e.copies.some((c) => isNoKnownAllergy(c.resource) && isActive(c)));
  const some = allergies.filter((e) => e.copies.some((c) => !isNoKnownAllergy(c.resource) && isActive(c)));
  if (none.length === 0 || some.length === 0) return;
  const substances = some.map((e) => factsOf(e.copies[0]!.resource).display).join(', ');
  const message = `No known allergies according to ${names(sourcesOf(none))}, but ${names(sourcesOf(some))} records: ${substances}`;
  out.conflicts.push({
    kind: 'allergy-vs-no-known-allergies',
    message,
    itemKeys: [...none, ...some].map((e) => e.key),
  });
  for (const e of none)
    note(out.byEntry, e.key, `Contradicted: ${names(sourcesOf(some))} records allergies (${substances})`);
  for (const e of some) note(out.byEntry, e.key, `${names(sourcesOf(none))} says no known allergies`);
}

function medicationKey(entry: MergedEntry): string | undefined {
  const resource = entry.copies[0]!.resource;
  const codes = conceptCodes(resource.medicationCodeableConcept);
  if (codes[0]) return codes[0];
  return factsOf(resource).display.toLowerCase();
}

function medicationConflicts(entries: readonly MergedEntry[], out: ConflictResult): void {
  const groups = new Map<string, MergedEntry[]>();
  for (const e of entries) {
    if (e.section !== 'medications') continue;
    const key = medicationKey(e);
    if (!key) continue;
    const group = groups.get(key) ?? [];
    group.push(e);
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    const copies = group.flatMap((e) => e.copies).filter((c) => !isIssueRecord(c.resource));
    const activeIn = new Set(copies.filter(isActive).map((c) => c.provenance.sourceName));
    const stoppedIn = new Set(
      copies
        .filter((c) => !isActive(c) && !activeIn.has(c.provenance.sourceName))
        .map((c) => c.provenance.sourceName),
    );
    if (activeIn.size === 0 || stoppedIn.size === 0) continue;
    const stoppedCopy = copies.find((c) => stoppedIn.has(c.provenance.sourceName))!;
    const drug = factsOf(group[0]!.copies[0]!.resource).display;
    const stoppedWord = factsOf(stoppedCopy.resource).status ?? 'stopped';
    const message = `${drug}: active in ${names(activeIn)}, ${stoppedWord} in ${names(stoppedIn)}`;
    out.conflicts.push({ kind: 'medication-status', message, itemKeys: group.map((e) => e.key) });
    for (const e of group) note(out.byEntry, e.key, message);
  }
}

type CprDecision = 'not-for-cpr' | 'for-cpr';

/** For or against CPR: a patient's refusal counts as against. */
function cprDecision(resource: Json): CprDecision | undefined {
  const status = cprStatusOf(resource);
  return status === 'declines-cpr' ? 'not-for-cpr' : status;
}

const isRespect = isRespectForm;
const decisionWords = (d: CprDecision) => (d === 'not-for-cpr' ? 'not for CPR (DNACPR)' : 'for CPR');

function resuscitationConflicts(entries: readonly MergedEntry[], out: ConflictResult): void {
  const relevant = entries.filter(
    (e) =>
      e.section === 'advanceCare' && e.copies.some((c) => cprDecision(c.resource) || isRespect(c.resource)),
  );
  const activeDecisions = new Map<CprDecision, Set<string>>();
  const decisionKeys = new Set<string>();
  const keys = new Set<string>();
  const messages: string[] = [];
  for (const e of relevant) {
    for (const c of e.copies) {
      const d = cprDecision(c.resource);
      if (d && isActive(c)) {
        const set = activeDecisions.get(d) ?? new Set<string>();
        set.add(c.provenance.sourceName);
        activeDecisions.set(d, set);
        decisionKeys.add(e.key);
      }
    }
    // The same decision or ReSPECT form, current in one source and withdrawn in another.
    const active = e.copies.filter(isActive).map((c) => c.provenance.sourceName);
    const inactive = e.copies.filter((c) => !isActive(c)).map((c) => c.provenance.sourceName);
    if (active.length && inactive.length) {
      const what = factsOf(e.copies[0]!.resource).display;
      const word = factsOf(e.copies.find((c) => !isActive(c))!.resource).status ?? 'inactive';
      messages.push(`${what}: current in ${names(active)}, ${word} in ${names(inactive)}`);
      keys.add(e.key);
    }
  }
  const notFor = activeDecisions.get('not-for-cpr');
  const forCpr = activeDecisions.get('for-cpr');
  if (notFor && forCpr) {
    for (const k of decisionKeys) keys.add(k);
    messages.unshift(
      `Resuscitation status differs: ${names(notFor)} says ${decisionWords('not-for-cpr')}; ${names(forCpr)} says ${decisionWords('for-cpr')}`,
    );
  }
  if (messages.length === 0) return;
  const message = messages.join('. ');
  out.conflicts.push({ kind: 'resuscitation-status', message, itemKeys: [...keys] });
  for (const k of keys) note(out.byEntry, k, message);
}

export function detectConflicts(entries: readonly MergedEntry[]): ConflictResult {
  const out: ConflictResult = { conflicts: [], byEntry: new Map() };
  allergyConflicts(entries, out);
  medicationConflicts(entries, out);
  resuscitationConflicts(entries, out);
  return out;
}
