// Patient-level governance: what nobody on this computer may see, applied to the sources' snapshot before
// it is merged, kept offline or shown. Patient dissent is recorded per source (a regional record's own
// privacy Consent declines sharing that record; dissent known outside the sources declines them all) and
// withheld for each user (govern-record.ts); such a snapshot is never kept. Then sensitive codes,
// confidentiality labels and codes the patient asked not to share, on resources and on locator pointers →
// anything that references what was withheld, in the same source → other sources' copies of a withheld entry
// → a withheld document's pointers, and a withheld pointer's document in every source (one document). Withheld
// data is only counted, once per entry (a document the locator lists, once as its pointer), and the sections it
// would have been shown in say that something is withheld and why, never "None recorded".
import type { Consent, Resource } from '../../../common/fhir';
import type { RecordPointer, SectionId, WithheldSummary } from '../../../common/record';
import type { Json } from '../record/fhir-read';
import { documentKeysOf } from '../record/pointer-links';
import { factsOf } from '../record/resource-facts';
import { LOCATOR_SECTIONS, sectionsShowing, SUPPORTING_TYPES } from '../record/sections';
import {
  copyKey,
  totalWithheld,
  type RecordSnapshot,
  type SourceSnapshot,
  type WithheldCopy,
  withheldCopyKey,
  withheldHash,
} from '../record/snapshot';
import { applyRemembered, hashedEntryKeys } from './remembered-withholding';
import { findDissent, type DissentFinding } from './dissent';
import type { SensitiveCodes } from './sensitive-codes';
import {
  hasCodingIn,
  pointerWithholdCause,
  resourceWithholdCause,
  someReference,
  WITHHELD_REASON,
  referenceTarget,
  type WithholdingCause,
} from './sensitive-filter';

export interface PatientGovernance {
  /** From loadSensitiveCodes(policy.sensitiveCodeListPath). */
  sensitive: SensitiveCodes;
  /** Dissent known outside the record (record locator, the sandbox's dissent flag). */
  dissent?: boolean;
  /** Consent resources known outside the sources' answers. */
  consents?: Consent[];
  now?: Date;
  /**
   * The resources a refresh brought, folded into a saved copy that was governed before: only they are checked
   * against the withholding the saved copy remembers (what it kept was checked when it was kept). All when not
   * given.
   */
  fresh?: ReadonlySet<Json>;
}

type Cause = WithholdingCause;

function deniedMatcher(finding: DissentFinding): (value: unknown) => boolean {
  const denied = new Set(finding.deniedCodes.map((c) => `${c.system}|${c.code}`));
  return (value) => denied.size > 0 && hasCodingIn(value, (system, code) => denied.has(`${system}|${code}`));
}

/** Keys that identify one clinical entry across sources (as the merge would). */
const entryKeys = (resource: Json) => factsOf(resource).matchKeys;

const isPatient = (resource: Json) => resource.resourceType === 'Patient';

/**
 * Why patient-level governance withholds one resource on its own account (not for another's sake: what it
 * references, or another source's copy), as governSnapshot decides for every resource of a record; undefined
 * when it does not: a confidentiality label of R or V, a sensitive code anywhere in it, or a code the patient
 * asked not to share (`dissent`, from their Consents). The patient themself is never withheld. For what tells of
 * a single resource outside a record (a caseload alert), so that it withholds exactly what the record would.
 */
export function withholdCauseOf(
  resource: Json,
  sensitive: SensitiveCodes,
  dissent?: DissentFinding,
): Cause | undefined {
  if (isPatient(resource)) return undefined;
  return ownWithholdCause(resource, sensitive, dissent ? deniedMatcher(dissent) : () => false);
}

function ownWithholdCause(
  resource: Json,
  sensitive: SensitiveCodes,
  denied: (value: unknown) => boolean,
): Cause | undefined {
  return resourceWithholdCause(resource, sensitive) ?? (denied(resource) ? 'consent-restriction' : undefined);
}

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
    ownWithholdCause(resource, options.sensitive, denied);

  // Withheld per source, by index; pointers withheld, each with its cause.
  const withheld = new Map<SourceSnapshot, Set<number>>();
  for (const source of snapshot.sources) {
    const out = new Set<number>();
    source.resources.forEach((r, i) => {
      if (isPatient(r)) return;
      if (causeOf(r)) out.add(i);
    });
    withheld.set(source, out);
  }
  const withheldPointers = new Map<RecordPointer, Cause>();
  for (const source of snapshot.sources) {
    for (const pointer of source.pointers) {
      const cause = pointerCause(pointer, options.sensitive, denied);
      if (cause) withheldPointers.set(pointer, cause);
    }
  }
  // Then what references them, other sources' copies of them, and one document's pointer and copies together.
  // What the saved copy remembers withholding: copies of those entries, and what references them.
  const remembered = applyRemembered(snapshot.sources, withheld, options.fresh);
  const spread = spreadWithholding(
    snapshot.sources,
    withheld,
    withheldPointers,
    causeOf,
    remembered.inherited,
  );

  // A document the locator lists is counted as its pointer, not again as a source's entry (nor as another
  // source's copy of that entry): the locator is read whole every time, while a refresh may not send the entry
  // again, so the count stays the same after one.
  const listedKeys = new Set<string>();
  for (const resource of spread.listed) {
    const key = entryKeys(resource)[0];
    if (key !== undefined) listedKeys.add(key);
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
    const copies: WithheldCopy[] = [];
    const known = new Set(source.withheldCopies?.map((c) => c.copy));
    const pointers = source.pointers.filter((pointer) => {
      const cause = withheldPointers.get(pointer);
      if (!cause) return true;
      withheldFrom(LOCATOR_SECTIONS, cause);
      count++;
      return false;
    });
    const declinedHere = declined(source);
    if (out.size === 0 && pointers.length === source.pointers.length) {
      return declinedHere ? { ...source, declined: true } : source;
    }
    for (const i of out) {
      const resource = source.resources[i]!;
      const cause = causeOf(resource) ?? spread.inherited.get(resource) ?? 'sensitive-code';
      const copy =
        typeof resource.id === 'string' && resource.id
          ? withheldCopyKey(source.status.id, resource)
          : undefined;
      const type = String(resource.resourceType);
      const supporting = SUPPORTING_TYPES.has(type);
      const remember = (counted: boolean) => {
        if (copy === undefined || known.has(copy)) return;
        copies.push({
          copy,
          type,
          counted,
          cause,
          ...(supporting ? {} : { keys: [...hashedEntryKeys(resource)] }),
        });
      };
      if (supporting) {
        sourceCauses.add(cause);
        remember(false);
        continue;
      }
      withheldFrom(sectionsShowing(type, factsOf(resource).section), cause);
      // One that could not be checked is counted as itself: a key from its content (copyKey of a resource
      // without an id) would stringify what is too deep to walk.
      const key =
        entryKeys(resource)[0] ??
        (cause === 'could-not-check' ? undefined : copyKey(source.status.id, resource));
      let countedHere = false;
      if (spread.listed.has(resource) || (key !== undefined && listedKeys.has(key))) {
        // Counted as its pointer.
      } else if (key === undefined || !counted.has(key)) {
        if (key !== undefined) counted.add(key);
        // Counted already where the saved copy counts it (another source's copy, not sent again).
        if (key === undefined || !remembered.counted.has(withheldHash(key))) {
          count++;
          countedHere = true;
        }
      }
      remember(countedHere);
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
      ...(copies.length || source.withheldCopies
        ? { withheldCopies: [...(source.withheldCopies ?? []), ...copies] }
        : {}),
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

interface Spread {
  /** Resources withheld for another's sake (a copy of, or the same document as, one withheld), and why. */
  inherited: Map<Json, Cause>;
  /** Withheld DocumentReferences that are a withheld pointer's document (counted as the pointer). */
  listed: Set<Json>;
}

/**
 * Adds, until nothing changes: what references a withheld resource in its source (withholdLinked); other
 * sources' copies of a withheld entry (the merge's keys); the pointers to a withheld DocumentReference and the
 * DocumentReferences a withheld pointer points to (one document: pointer-links' keys, whatever the type or
 * status each gives it, since what is withheld is the document).
 */
function spreadWithholding(
  sources: readonly SourceSnapshot[],
  withheld: Map<SourceSnapshot, Set<number>>,
  pointers: Map<RecordPointer, Cause>,
  causeOf: (resource: Json) => Cause | undefined,
  alreadyInherited: ReadonlyMap<Json, Cause>,
): Spread {
  const inherited = new Map<Json, Cause>(alreadyInherited);
  const listed = new Set<Json>();
  const causeHere = (resource: Json): Cause =>
    causeOf(resource) ?? inherited.get(resource) ?? 'sensitive-code';
  const allPointers = sources.flatMap((s) => s.pointers);
  const keysOf = (source: SourceSnapshot, resource: Json) => documentKeysOf(resource, source.status.baseUrl);
  const isDocument = (r: Json) => r.resourceType === 'DocumentReference';

  const keyCauses = new Map<string, Cause>();
  let newPointers = [...pointers.keys()];
  let fresh = new Map<SourceSnapshot, number[]>(sources.map((s) => [s, [...withheld.get(s)!]]));
  for (;;) {
    // What references what was withheld.
    for (const source of sources) {
      const out = withheld.get(source)!;
      if (!fresh.get(source)!.length) continue;
      const before = new Set(out);
      withholdLinked(source, out, causeHere, inherited);
      for (const i of out) if (!before.has(i)) fresh.get(source)!.push(i);
    }
    const next = new Map<SourceSnapshot, number[]>(sources.map((s) => [s, []]));
    const withhold = (source: SourceSnapshot, i: number, cause: Cause) => {
      const out = withheld.get(source)!;
      if (out.has(i)) return;
      out.add(i);
      inherited.set(source.resources[i]!, cause);
      next.get(source)!.push(i);
    };
    // Other sources' copies of an entry withheld (its keys, new this round).
    const newKeys = new Map<string, Cause>();
    for (const source of sources) {
      for (const i of fresh.get(source)!) {
        const resource = source.resources[i]!;
        for (const k of entryKeys(resource)) {
          if (!keyCauses.has(k)) newKeys.set(k, causeHere(resource));
        }
      }
    }
    for (const [k, cause] of newKeys) keyCauses.set(k, cause);
    if (newKeys.size) {
      for (const source of sources) {
        const out = withheld.get(source)!;
        source.resources.forEach((r, i) => {
          if (out.has(i) || isPatient(r)) return;
          const key = entryKeys(r).find((k) => newKeys.has(k));
          if (key !== undefined) withhold(source, i, newKeys.get(key)!);
        });
      }
    }
    // One document as a pointer and as a source's DocumentReference.
    const addedPointers: RecordPointer[] = [];
    if (allPointers.length) {
      for (const source of sources) {
        for (const i of [...fresh.get(source)!, ...next.get(source)!]) {
          const resource = source.resources[i]!;
          if (!isDocument(resource)) continue;
          const keys = keysOf(source, resource);
          for (const pointer of allPointers) {
            if (!keys.sameAs(pointer)) continue;
            listed.add(resource);
            if (!pointers.has(pointer)) {
              pointers.set(pointer, causeHere(resource));
              addedPointers.push(pointer);
            }
          }
        }
      }
      // Pointers withheld on their own are looked for in the first round; the rest as they are added.
      const withheldNow = [...newPointers, ...addedPointers];
      newPointers = [];
      if (withheldNow.length) {
        for (const source of sources) {
          const out = withheld.get(source)!;
          source.resources.forEach((r, i) => {
            if (out.has(i) || !isDocument(r)) return;
            const pointer = withheldNow.find((p) => keysOf(source, r).sameAs(p));
            if (!pointer) return;
            listed.add(r);
            withhold(source, i, pointers.get(pointer)!);
          });
        }
      }
    }
    if (!addedPointers.length && [...next.values()].every((added) => !added.length)) break;
    fresh = next;
  }
  return { inherited, listed };
}

function pointerCause(
  pointer: RecordPointer,
  sensitive: SensitiveCodes,
  denied: (value: unknown) => boolean,
): Cause | undefined {
  return (
    pointerWithholdCause(pointer, sensitive) ??
    (denied(pointer.type) || denied(pointer.codes) || denied(pointer.document)
      ? 'consent-restriction'
      : undefined)
  );
}

/**
 * Adds to `out` every resource of the source that references a withheld one (a MedicationStatement whose
 * reasonReference is a withheld HIV Condition: the link alone would reveal it), until nothing changes.
 * Returns whether anything was added.
 */
function withholdLinked(
  source: SourceSnapshot,
  out: Set<number>,
  causeOf: (resource: Json) => Cause,
  inherited: Map<Json, Cause>,
): boolean {
  // "Type/id" of each withheld resource → why it is withheld (what references it is, for the same reason).
  const refs = new Map<string, Cause>();
  const refsOf = (i: number) => {
    const r = source.resources[i]!;
    if (typeof r.id === 'string') refs.set(`${String(r.resourceType)}/${r.id}`, causeOf(r));
  };
  for (const i of out) refsOf(i);
  let added = false;
  for (;;) {
    if (refs.size === 0) return added;
    const linked: [number, Cause][] = [];
    source.resources.forEach((r, i) => {
      if (out.has(i) || isPatient(r)) return;
      let cause: Cause | undefined;
      someReference(r, (ref) => {
        const target = referenceTarget(ref);
        cause = refs.get(ref) ?? (target ? refs.get(`${target.type}/${target.id}`) : undefined);
        return cause !== undefined;
      });
      if (cause !== undefined) linked.push([i, cause]);
    });
    if (linked.length === 0) return added;
    added = true;
    for (const [i, cause] of linked) {
      out.add(i);
      inherited.set(source.resources[i]!, cause);
      refsOf(i);
    }
  }
}
