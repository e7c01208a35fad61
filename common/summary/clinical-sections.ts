// Advance care decisions, alerts, allergies, problems and contacts as the urgent-care summary shows them.
import type { AllergyIntolerance, Condition, Flag } from '../fhir';
import { humanName } from '../human-name';
import { asArray, isObject, lookup, objectsIn, str, type JsonObject } from '../json';
import { pointersApart, type RecordItem, type RecordPointer, type WessexRecord } from '../record';
import { CPR_STATUS_LABEL, cprStatusFrom, cprStatusOf, type CprStatus } from '../resuscitation';
import { conceptCodes, conceptWords, firstCoding, referenceDisplay } from './concepts';
import { formatDate } from './dates';
import { holderNames, newestFirst, sourceNames } from './provenance';

// ---- Advance care decisions -------------------------------------------------------------------------

export type AdvanceCareKind =
  'ReSPECT' | 'DNACPR' | 'ADRT' | 'End of life care plan' | 'Crisis plan' | 'Other';

export interface AdvanceCareEntry {
  key: string;
  kind: AdvanceCareKind;
  title: string;
  date?: string;
  status?: string;
  sources: string[];
  /** "Document held at …" for locator pointers. */
  heldAt?: string;
  pointer?: RecordPointer;
  item?: RecordItem;
  conflict?: string;
}

const ADVANCE_CARE_CODES: Record<string, AdvanceCareKind> = {
  '1382601000000107': 'ReSPECT',
  '304253006': 'DNACPR',
  '450476008': 'DNACPR',
  '816301000000100': 'ADRT',
  '736373009': 'End of life care plan',
  '736253002': 'Crisis plan',
};

export function advanceCareKind(code: string | undefined, text: string): AdvanceCareKind {
  const byCode = code ? lookup(ADVANCE_CARE_CODES, code) : undefined;
  if (byCode) return byCode;
  if (/respect/i.test(text)) return 'ReSPECT';
  if (
    /dnacpr|do not attempt|not for (cardiopulmonary )?resus|dnar|refuses? (cardiopulmonary )?resus/i.test(
      text,
    )
  )
    return 'DNACPR';
  if (/advance decision|adrt|refuse treatment/i.test(text)) return 'ADRT';
  if (/end of life|eol|palliative/i.test(text)) return 'End of life care plan';
  if (/crisis|mental health plan/i.test(text)) return 'Crisis plan';
  return 'Other';
}

const ADVANCE_ORDER: AdvanceCareKind[] = [
  'ReSPECT',
  'DNACPR',
  'ADRT',
  'End of life care plan',
  'Crisis plan',
  'Other',
];

export function advanceCareEntries(items: RecordItem[], pointers: RecordPointer[]): AdvanceCareEntry[] {
  const fromItems: AdvanceCareEntry[] = items.map((item) => ({
    key: item.key,
    kind: advanceCareKind(item.code?.code, item.display),
    title: item.display,
    date: item.date,
    status: item.status,
    sources: sourceNames(item),
    item,
    conflict: item.conflict,
  }));
  // A pointer to one of these entries' documents is that entry ("… also listed in Record locator").
  const fromPointers: AdvanceCareEntry[] = pointersApart(pointers, items).map((pointer) => {
    const title = pointer.type.display ?? pointer.type.code ?? 'Care document';
    return {
      key: `pointer:${pointer.id}`,
      kind: advanceCareKind(pointer.type.code, title),
      title,
      date: pointer.date,
      sources: ['Record locator'],
      heldAt: pointer.custodian ?? pointer.author ?? 'an organisation that did not give its name',
      pointer,
    };
  });
  return [...fromItems, ...fromPointers].sort(
    (a, b) => ADVANCE_ORDER.indexOf(a.kind) - ADVANCE_ORDER.indexOf(b.kind) || newestFirst(a, b),
  );
}

// ---- Resuscitation status ---------------------------------------------------------------------------

/** One decision about CPR, however many sources and entries record it. */
export interface CprDecisionLine {
  key: string;
  status: CprStatus;
  label: string;
  date?: string;
  author?: string;
  sources: string[];
  /** Not withdrawn (entered in error, cancelled, inactive) by the sources that hold it. */
  current: boolean;
  entries: AdvanceCareEntry[];
}

export interface ResuscitationCard {
  /** The newest current decision. */
  decision?: CprDecisionLine;
  /** Older, withdrawn or disagreeing decisions, each once. */
  earlier: CprDecisionLine[];
  /** One line when current decisions disagree. */
  conflict?: string;
  /** The newest ReSPECT form (a record entry or a locator pointer), to open in one click. */
  respect?: AdvanceCareEntry;
  /** The advance care entries the card does not show (end of life and crisis plans, ADRTs …), listed apart. */
  plans: AdvanceCareEntry[];
}

/** For the same day, the clinical decision heads the card, then the patient's own refusal. */
const STATUS_RANK: CprStatus[] = ['not-for-cpr', 'declines-cpr', 'for-cpr'];

const WITHDRAWN = /entered in error|inactive|cancelled|revoked|refuted|superseded|rejected/i;

function authorOf(item: RecordItem | undefined): string | undefined {
  const r = item?.resource as Record<string, unknown> | undefined;
  if (!r) return undefined;
  const candidates = [r.author, r.recorder, r.asserter, r.performer, r.organization].flatMap((v) =>
    Array.isArray(v) ? v : [v],
  );
  for (const c of candidates) {
    const display = str((c as { display?: unknown } | undefined)?.display);
    if (display) return display;
  }
  return undefined;
}

const lineText = (line: CprDecisionLine) =>
  `${line.sources.join(' and ')} ${line.sources.length > 1 ? 'record' : 'records'} ${line.label}${line.date ? ` (${formatDate(line.date)})` : ''}`;

export function resuscitationCard(entries: AdvanceCareEntry[]): ResuscitationCard {
  const lines = new Map<string, CprDecisionLine>();
  for (const entry of entries) {
    // The resource's own codes and words, else the item's (as the merge summarised it).
    const status = entry.item
      ? (cprStatusOf(entry.item.resource as unknown as Record<string, unknown>) ??
        cprStatusFrom(entry.item.code?.code ? [entry.item.code.code] : [], entry.item.display))
      : undefined;

    if (!status) continue;
    // The sources that record the decision: a locator that only lists the form records none.
    const sources = holderNames(entry.item!);
    const current = !WITHDRAWN.test(entry.status ?? '');
    const key = `${status}|${entry.date?.slice(0, 10) ?? ''}|${current}`;
    const line = lines.get(key);
    if (line) {
      line.entries.push(entry);
      for (const s of sources) if (!line.sources.includes(s)) line.sources.push(s);
      line.author ??= authorOf(entry.item);
      continue;
    }
    lines.set(key, {
      key,
      status,
      label: CPR_STATUS_LABEL[status],
      date: entry.date,
      author: authorOf(entry.item),
      sources,
      current,
      entries: [entry],
    });
  }
  const sorted = [...lines.values()].sort(
    (a, b) =>
      Number(b.current) - Number(a.current) ||
      newestFirst(a, b) ||
      STATUS_RANK.indexOf(a.status) - STATUS_RANK.indexOf(b.status),
  );
  const decision = sorted.find((l) => l.current);
  const respects = entries.filter((e) => e.kind === 'ReSPECT').sort(newestFirst);
  // Only the form the card links to leaves the list: another ReSPECT form (an older one, a copy held
  // elsewhere) stays listed below it.
  const shown = new Set([...sorted.flatMap((l) => l.entries), ...respects.slice(0, 1)]);
  const currentLines = sorted.filter((l) => l.current);
  // A patient's refusal and a DNACPR decision agree; only "for CPR" against either is a disagreement.
  const disagree =
    currentLines.some((l) => l.status === 'for-cpr') && currentLines.some((l) => l.status !== 'for-cpr');
  return {
    ...(decision ? { decision } : {}),
    earlier: sorted.filter((l) => l !== decision),
    ...(disagree ? { conflict: currentLines.map(lineText).join('; ') } : {}),
    ...(respects[0] ? { respect: respects[0] } : {}),
    plans: entries.filter((e) => !shown.has(e)),
  };
}

// ---- Alerts -----------------------------------------------------------------------------------------

export type AlertKind =
  | 'Safeguarding'
  | 'Risk to staff'
  | 'Scene safety'
  | 'Reasonable adjustment'
  | 'Communication needs'
  | 'Alert';

export interface AlertEntry {
  item: RecordItem;
  kind: AlertKind;
  text: string;
  sources: string[];
}

export function alertKind(item: RecordItem): AlertKind {
  const flag = item.resource.resourceType === 'Flag' ? (item.resource as Flag) : undefined;
  const category = asArray(flag?.category)
    .map((c) => `${isObject(c) ? (str(c.text) ?? '') : ''} ${str(firstCoding(c)?.display) ?? ''}`)
    .join(' ');
  const text = `${category} ${item.display}`;
  if (/safeguard|child protection|vulnerable adult/i.test(text)) return 'Safeguarding';
  if (/scene|dog|weapon|access to property|oxygen.*(smok|fire)/i.test(text)) return 'Scene safety';
  if (/risk to staff|violent|aggress|abusive|lone work/i.test(text)) return 'Risk to staff';
  if (/communicat|interpreter|deaf|sign language|braille|easy read/i.test(text)) return 'Communication needs';
  if (/reasonable adjust|learning disab|autis|dementia|wheelchair/i.test(text))
    return 'Reasonable adjustment';
  return 'Alert';
}

const ALERT_ORDER: AlertKind[] = [
  'Scene safety',
  'Risk to staff',
  'Safeguarding',
  'Reasonable adjustment',
  'Communication needs',
  'Alert',
];

export function alertEntries(items: RecordItem[]): AlertEntry[] {
  return items
    .filter((item) => !/inactive|entered in error|entered-in-error/i.test(item.status ?? ''))
    .map((item) => ({ item, kind: alertKind(item), text: item.display, sources: sourceNames(item) }))
    .sort((a, b) => ALERT_ORDER.indexOf(a.kind) - ALERT_ORDER.indexOf(b.kind));
}

// ---- Allergies --------------------------------------------------------------------------------------

const NO_KNOWN_ALLERGY_CODES = new Set(['716186003', '409137002', '428607008', '429625007', '428197003']);

export function isNoKnownAllergy(item: RecordItem): boolean {
  const codes = [item.code?.code, ...conceptCodes((item.resource as AllergyIntolerance).code)];
  if (codes.some((c) => c && NO_KNOWN_ALLERGY_CODES.has(c))) return true;
  return /^no known (drug )?allerg/i.test(item.display.trim());
}

export interface AllergyEntry {
  item: RecordItem;
  substance: string;
  reaction?: string;
  severity?: string;
  sources: string[];
  conflict?: string;
}

export interface AllergySummary {
  allergies: AllergyEntry[];
  /** "No known allergies" statements, kept apart: they are meaningful, but conflict with any real allergy. */
  noKnownAllergies: AllergyEntry[];
  conflicts: string[];
}

function allergyEntry(item: RecordItem): AllergyEntry {
  const resource = item.resource as AllergyIntolerance;
  const reactions = objectsIn(resource.reaction);
  const reaction = reactions
    .flatMap((r) => asArray(r.manifestation))
    .map((m) => (isObject(m) ? (str(m.text) ?? str(firstCoding(m)?.display)) : undefined))
    .filter(Boolean)
    .join(', ');
  const severity = reactions.map((r) => str(r.severity)).find(Boolean) ?? str(resource.criticality);
  return {
    item,
    substance: item.display,
    reaction: reaction || undefined,
    severity,
    sources: sourceNames(item),
    conflict: item.conflict,
  };
}

export function allergySummary(items: RecordItem[], record: Pick<WessexRecord, 'conflicts'>): AllergySummary {
  const current = items.filter(
    (i) => !/entered in error|entered-in-error|refuted|resolved/i.test(i.status ?? ''),
  );
  const allergies = current.filter((i) => !isNoKnownAllergy(i)).map(allergyEntry);
  const noKnownAllergies = current.filter(isNoKnownAllergy).map(allergyEntry);
  const conflicts = record.conflicts
    .filter((c) => c.kind === 'allergy-vs-no-known-allergies')
    .map((c) => c.message);
  if (!conflicts.length && allergies.length && noKnownAllergies.length) {
    const nka = noKnownAllergies.flatMap((e) => e.sources).join(', ');
    conflicts.push(
      `${nka} records "no known allergies", but allergies are recorded elsewhere. Check with the patient.`,
    );
  }
  return { allergies, noKnownAllergies, conflicts };
}

// ---- Problems ---------------------------------------------------------------------------------------

export function isActiveProblem(item: RecordItem): boolean {
  const condition = item.resource.resourceType === 'Condition' ? (item.resource as Condition) : undefined;
  const clinical = condition?.clinicalStatus?.coding?.[0]?.code ?? item.status ?? 'active';
  const verification = condition?.verificationStatus?.coding?.[0]?.code;
  if (verification === 'entered-in-error' || verification === 'refuted') return false;
  return /active|recurrence|relapse/i.test(clinical) && !/inactive/i.test(clinical);
}

export function splitProblems(items: RecordItem[]): { active: RecordItem[]; past: RecordItem[] } {
  const sorted = [...items].sort(newestFirst);
  return { active: sorted.filter(isActiveProblem), past: sorted.filter((i) => !isActiveProblem(i)) };
}

// ---- Contacts and care team -------------------------------------------------------------------------

export type ContactRole = 'Next of kin' | 'Contact' | 'Care team' | 'Social care';

export interface ContactPhone {
  /** As recorded ("01929 557 100"). */
  value: string;
  /** For a tel: link: digits and a leading +. */
  dial: string;
  use?: string;
}

/** A member of a care team: who, in what role, and how to reach them when the record says. */
export interface ContactMember {
  name: string;
  role?: string;
  phones: ContactPhone[];
}

export interface ContactEntry {
  item: RecordItem;
  role: ContactRole;
  /** The person's or team's name, with no role or relationship words added. */
  name: string;
  /** "Natural daughter" (the next-of-kin coding itself is the role, not repeated here). */
  relationship?: string;
  organisation?: string;
  phones: ContactPhone[];
  members: ContactMember[];
  sources: string[];
}

const SOCIAL_CARE = /social (care|services|worker)|adult services|children'?s services/i;
const NEXT_OF_KIN = /next[- ]of[- ]kin|\bNOK\b/i;
// The same words as a prefix to take off a relationship ("Next of kin: daughter" → "daughter").
const NOT_RELATIONSHIP = new RegExp(`(${NEXT_OF_KIN.source})\\s*[:,–-]?\\s*`, 'gi');
// UK numbers as people write them ("01929 557 100", "+44 7700 900412"), also inside a display text.
const UK_PHONE = /(?:\+44\s?|\b0)\d(?:[\s-]?\d){8,9}\b/g;

const dial = (value: string) => value.replace(/[^\d+]/g, '');
const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
function phonesOf(telecom: unknown): ContactPhone[] {
  return objectsIn(telecom).flatMap((t) => {
    const value = str(t.value);
    const system = str(t.system);
    if (!value || (system && system !== 'phone' && system !== 'sms')) return [];
    const use = str(t.use);
    return [{ value, dial: dial(value), ...(use ? { use } : {}) }];
  });
}

/** Numbers written into a display text ("Jo Samways, Purbeck community nursing, 01929 557 100"). */
function phonesIn(text: string): ContactPhone[] {
  return [...text.matchAll(UK_PHONE)].map((m) => ({ value: m[0], dial: dial(m[0]) }));
}

/** Each number once, whichever way it was written ("01929 557 100", "+44 1929 557100") or wherever it was found. */
function uniquePhones(phones: ContactPhone[]): ContactPhone[] {
  const seen = new Set<string>();
  return phones.filter((p) => {
    const key = p.dial.replace(/^\+44/, '0');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A display text without the numbers written into it (they are shown once, as numbers to call). */
function withoutPhones(text: string): string {
  const left = text
    .replace(UK_PHONE, '')
    .replace(/(\s*[,;·–-]\s*)+$/, '')
    .replace(/\s*,(\s*,)+/g, ',')
    .trim();
  return left || text;
}

function isNextOfKin(relationship: unknown[]): boolean {
  return relationship.some(
    (r) =>
      conceptCodes(r).some((code) => code === 'N' || code === 'NOK') ||
      NEXT_OF_KIN.test(conceptWords(r) ?? ''),
  );
}

function contactEntry(item: RecordItem): ContactEntry {
  const base = {
    item,
    sources: sourceNames(item),
    phones: [] as ContactPhone[],
    members: [] as ContactMember[],
  };
  const resource = item.resource as unknown as JsonObject;
  if (item.resourceType === 'RelatedPerson') {
    const relationship = asArray(resource.relationship);
    const words = relationship
      .map((r) => conceptWords(r))
      // "Next of kin: daughter" says two things; the role is shown apart, so only "Daughter" stays.
      .map((t) => (t ?? '').replace(NOT_RELATIONSHIP, '').trim())
      .filter(Boolean)
      .map(capitalised);
    return {
      ...base,
      role: isNextOfKin(relationship) ? 'Next of kin' : 'Contact',
      name: humanName(resource.name) ?? item.display,
      ...(words.length ? { relationship: words.join(', ') } : {}),
      phones: uniquePhones(phonesOf(resource.telecom)),
    };
  }
  if (item.resourceType === 'CareTeam') {
    const members = objectsIn(resource.participant)
      .filter((p) => referenceDisplay(p.member) || asArray(p.role).length)
      .map((p) => {
        const display = referenceDisplay(p.member) ?? 'Name not recorded';
        const role = conceptWords(asArray(p.role)[0]);
        const written = phonesIn(display);
        const phones = uniquePhones([
          ...phonesOf(isObject(p.member) ? p.member.telecom : undefined),
          ...written,
        ]);
        const name = written.length ? withoutPhones(display) : display;
        return { name, ...(role ? { role } : {}), phones };
      });
    const organisation = referenceDisplay(objectsIn(resource.managingOrganization)[0]);
    return {
      ...base,
      role: 'Care team',
      name: str(resource.name) ?? item.display,
      ...(organisation ? { organisation } : {}),
      phones: uniquePhones(phonesOf(resource.telecom)),
      members,
    };
  }
  if (item.resourceType === 'EpisodeOfCare') {
    const organisation = referenceDisplay(resource.managingOrganization);
    const type = asArray(resource.type)
      .map((t) => conceptWords(t))
      .filter(Boolean)
      .join(', ');
    const manager = referenceDisplay(resource.careManager);
    const social = SOCIAL_CARE.test(`${type} ${organisation ?? ''} ${item.display}`);
    return {
      ...base,
      role: social ? 'Social care' : 'Care team',
      name: organisation ?? item.display,
      ...(type && type !== organisation ? { relationship: type } : {}),
      members: manager ? [{ name: manager, role: 'Care manager', phones: [] }] : [],
    };
  }
  return { ...base, role: NEXT_OF_KIN.test(item.display) ? 'Next of kin' : 'Contact', name: item.display };
}

export function contactEntries(items: RecordItem[]): {
  entries: ContactEntry[];
  knownToSocialCare: string[];
} {
  const order: ContactRole[] = ['Next of kin', 'Contact', 'Care team', 'Social care'];
  const entries = items.map(contactEntry).sort((a, b) => order.indexOf(a.role) - order.indexOf(b.role));
  const social = (e: ContactEntry) =>
    e.role === 'Social care' || e.members.some((m) => SOCIAL_CARE.test(`${m.role ?? ''} ${m.name}`));
  const knownToSocialCare = [...new Set(entries.filter(social).flatMap((e) => e.sources))];
  return { entries, knownToSocialCare };
}
