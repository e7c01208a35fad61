// Patient-level governance: what nobody on this computer may see, applied to the sources' snapshot before
// it is merged, kept offline or shown. Patient dissent is recorded per source (a regional record's own
// privacy Consent declines sharing that record; dissent known outside the sources declines them all) and
// withheld for each user (govern-record.ts); such a snapshot is never kept. Then sensitive codes,
// confidentiality labels and codes the patient asked not to share, on resources and on locator pointers →
// anything that references what was withheld, in the same source → other sources' copies of a withheld entry.
// Withheld data is only counted, and the sections it would have been shown in say that something is withheld
// and why, never "None recorded".
import type { Consent, Resource } from '../../../common/fhir';
import type { RecordPointer, SectionId, WithheldSummary } from '../../../common/record';
import type { Json } from '../record/fhir-read';
import { factsOf } from '../record/resource-facts';
import { LOCATOR_SECTIONS, sectionsShowing, SUPPORTING_TYPES } from '../record/sections';
import { copyKey, totalWithheld, type RecordSnapshot, type SourceSnapshot } from '../record/snapshot';
import { findDissent, type DissentFinding } from './dissent';
import type { SensitiveCodes } from './sensitive-codes';
import {
  hasCodingIn,
  pointerWithholdCause,
  resourceWithholdCause,
  someReference,
  WITHHELD_REASON,
  type WithholdCause,
} from './sensitive-filter';

export interface PatientGovernance {
  /** From loadSensitiveCodes(policy.sensitiveCodeListPath). */
  sensitive: SensitiveCodes;
  /** Dissent known outside the record (record locator, the sandbox's dissent flag). */
  dissent?: boolean;
  /** Consent resources known outside the sources' answers. */
  consents?: Consent[];
  now?: Date;
}

type Cause = WithholdCause | 'consent-restriction';

function deniedMatcher(finding: DissentFinding): (value: unknown) => boolean {
  const denied = new Set(finding.deniedCodes.map((c) => `${c.system}|${c.code}`));
  return (value) => denied.size > 0 && hasCodingIn(value, (system, code) => denied.has(`${system}|${code}`));
}

/** Keys that identify one clinical entry across sources (as the merge would). */
const entryKeys = (resource: Json) => factsOf(resource).matchKeys;

const isPatient = (resource: Json) => resource.resourceType === 'Patient';

export function governSnapshot(snapshot: RecordSnapshot, options: PatientGovernance): RecordSnapshot {
  const outside = options.consents ?? [];
  const consentsOf = (source: SourceSnapshot) =>
    source.resources.filter((r) => r.resourceType === 'Consent') as unknown as Resource[];
  const everyone = !!options.dissent || findDissent(outside, options.now).full;
  // Codes the patient asked not to share are withheld wherever they are recorded.
  const finding = findDissent([...outside, ...snapshot.sources.flatMap(consentsOf)], options.now);
  // A source that refused the read because the patient dissented (the server's own check) says so too.
  const declined = (source: SourceSnapshot) =>
    everyone ||
    !!source.declined ||
    source.status.refusal === 'patient-dissent' ||
    findDissent([...outside, ...consentsOf(source)], options.now).full;
  const denied = deniedMatcher(finding);
  const causeOf = (resource: Json): Cause | undefined =>
    resourceWithholdCause(resource, options.sensitive) ??
    (denied(resource) ? 'consent-restriction' : undefined);

  // Withheld per source, by copy key; then what references them; then other sources' copies of them.
  const withheld = new Map<SourceSnapshot, Set<number>>();
  const withheldEntryKeys = new Set<string>();
  for (const source of snapshot.sources) {
    const out = new Set<number>();
    source.resources.forEach((r, i) => {
      if (isPatient(r)) return;
      if (causeOf(r)) out.add(i);
    });
    withholdLinked(source, out);
    withheld.set(source, out);
    for (const i of out) for (const k of entryKeys(source.resources[i]!)) withheldEntryKeys.add(k);
  }
  if (withheldEntryKeys.size) {
    for (const source of snapshot.sources) {
      const out = withheld.get(source)!;
      source.resources.forEach((r, i) => {
        if (!out.has(i) && !isPatient(r) && entryKeys(r).some((k) => withheldEntryKeys.has(k))) out.add(i);
      });
      withholdLinked(source, out);
    }
  }

  const counted = new Set<string>();
  const sources = snapshot.sources.map((source) => {
    const out = withheld.get(source)!;
    const sourceCauses = new Set<Cause>();
    const sections = new Map<SectionId, Set<string>>();
    const withheldFrom = (shownIn: readonly SectionId[], cause: Cause) => {
      sourceCauses.add(cause);
      for (const section of shownIn) {
        const reasons = sections.get(section) ?? new Set<string>();
        sections.set(section, reasons.add(WITHHELD_REASON[cause]));
      }
    };
    let count = 0;
    const pointers = source.pointers.filter((pointer) => {
      const cause = pointerCause(pointer, options.sensitive, denied);
      if (cause) {
        withheldFrom(LOCATOR_SECTIONS, cause);
        count++;
      }
      return !cause;
    });
    const declinedHere = declined(source);
    if (out.size === 0 && pointers.length === source.pointers.length) {
      return declinedHere ? { ...source, declined: true } : source;
    }
    for (const i of out) {
      const resource = source.resources[i]!;
      const cause = causeOf(resource) ?? 'sensitive-code';
      if (SUPPORTING_TYPES.has(String(resource.resourceType))) {
        sourceCauses.add(cause);
        continue;
      }
      withheldFrom(sectionsShowing(String(resource.resourceType), factsOf(resource).section), cause);
      // One that could not be checked is counted as itself: a key from its content (copyKey of a resource
      // without an id) would stringify what is too deep to walk.
      const key =
        entryKeys(resource)[0] ??
        (cause === 'could-not-check' ? undefined : copyKey(source.status.id, resource));
      if (key === undefined) count++;
      else if (!counted.has(key)) {
        counted.add(key);
        count++;
      }
    }
    const reasons = new Set(source.withheld?.reasons ?? []);
    for (const cause of sourceCauses) reasons.add(WITHHELD_REASON[cause]);
    return {
      ...source,
      resources: source.resources.filter((_, i) => !out.has(i)),
      pointers,
      withheld: {
        count: (source.withheld?.count ?? 0) + count,
        reasons: [...reasons],
        ...withheldSections(source.withheld?.sections, sections),
      },
      ...(declinedHere ? { declined: true } : {}),
    };
  });
  return {
    ...snapshot,
    sources,
    dissent: sources.some((s) => s.declined),
    withheld: totalWithheld(sources),
    ...(options.sensitive.fingerprint ? { governedWith: options.sensitive.fingerprint } : {}),
  };
}

/** The sections withheld from before, with those withheld from now (`sections` only when there are any). */
function withheldSections(
  before: WithheldSummary['sections'],
  now: ReadonlyMap<SectionId, ReadonlySet<string>>,
): Pick<WithheldSummary, 'sections'> {
  const merged: NonNullable<WithheldSummary['sections']> = { ...before };
  for (const [section, reasons] of now) {
    merged[section] = [...new Set([...(merged[section] ?? []), ...reasons])];
  }
  return Object.keys(merged).length ? { sections: merged } : {};
}

function pointerCause(
  pointer: RecordPointer,
  sensitive: SensitiveCodes,
  denied: (value: unknown) => boolean,
): Cause | undefined {
  return (
    pointerWithholdCause(pointer, sensitive) ??
    (denied(pointer.type) || denied(pointer.document) ? 'consent-restriction' : undefined)
  );
}

/**
 * Adds to `out` every resource of the source that references a withheld one (a MedicationStatement whose
 * reasonReference is a withheld HIV Condition: the link alone would reveal it), until nothing changes.
 * Returns whether anything was added.
 */
function withholdLinked(source: SourceSnapshot, out: Set<number>): boolean {
  const refs = new Set<string>();
  const refsOf = (i: number) => {
    const r = source.resources[i]!;
    if (typeof r.id === 'string') refs.add(`${String(r.resourceType)}/${r.id}`);
  };
  for (const i of out) refsOf(i);
  let added = false;
  for (;;) {
    if (refs.size === 0) return added;
    const linked: number[] = [];
    source.resources.forEach((r, i) => {
      if (out.has(i) || isPatient(r)) return;
      if (someReference(r, (ref) => refs.has(ref) || refs.has(ref.split('/').slice(-2).join('/'))))
        linked.push(i);
    });
    if (linked.length === 0) return added;
    added = true;
    for (const i of linked) {
      out.add(i);
      refsOf(i);
    }
  }
}
