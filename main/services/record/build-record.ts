// The one way a snapshot becomes the merged record: sources in configured order, each source's resources in
// canonical order, so a clean fetch, a re-open and any refresh of the same server data give the same items,
// provenance and conflicts. Pure: no I/O, no clock except `now` for wording.
import {
  SECTION_ORDER,
  recountSources,
  type HeldApartRecord,
  type IdentityDecision,
  type PatientSummary,
  type Provenance,
  type RecordItem,
  type RecordPointer,
  type SectionId,
  type SourceStatus,
  type WessexRecord,
} from '../../../common/record';
import { isoNewestFirst } from '../../../common/summary/dates';
import { sectionCompleteness } from './completeness';
import { detectConflicts } from './conflicts';
import { isObject, type Json } from './fhir-read';
import { agreeIdentity, identityReference, patientKey } from './identity-agreement';
import { RecordMerger } from './merge';
import { linkPointers, type PointerSource } from './pointer-links';
import { patientSummary } from './patient-identity';
import { outsideReference, type RecordIdentity } from './record-identity';
import { factsOf } from './resource-facts';
import { SUPPORTING_TYPES } from './sections';
import { canonicalOrder, type RecordSnapshot, type SourceSnapshot } from './snapshot';

export interface BuildOptions {
  identity: RecordIdentity;
  /** The clinician's decisions on held-apart sources (this session). */
  decisions?: readonly IdentityDecision[];
  /** Only these sections (progressive paint of the urgent-care sections); default all. */
  sections?: readonly SectionId[];
  now?: Date;
}

const sectionRank = new Map<SectionId, number>(SECTION_ORDER.map((s, i) => [s, i]));

function refOf(source: SourceSnapshot) {
  return { id: source.status.id, name: source.status.name, server: source.status.baseUrl };
}

function inSections(sections: ReadonlySet<SectionId> | undefined) {
  return (resource: Json): boolean =>
    !sections ||
    SUPPORTING_TYPES.has(String(resource.resourceType)) ||
    sections.has(factsOf(resource).section);
}

/**
 * Merges sources' resources into items: deterministic for the same sources in the same order. A pointer to a
 * document one of the items already is joins that item's provenance (pointer-links.ts).
 */
function mergeSources(
  sources: readonly SourceSnapshot[],
  keep: (resource: Json) => boolean,
  pointers: readonly RecordPointer[] = [],
): { items: RecordItem[]; conflicts: WessexRecord['conflicts'] } {
  const merger = new RecordMerger();
  for (const source of sources) {
    merger.add(refOf(source), canonicalOrder(source.resources.filter((r) => isObject(r) && keep(r))));
  }
  const entries = merger.entries();
  const { conflicts, byEntry } = detectConflicts(entries);
  const saved = new Map(sources.filter((s) => s.status.savedCopy).map((s) => [s.status.id, savedCopyOf(s)]));
  const listers = new Map<string, PointerSource>(sources.map((s) => [s.status.id, refOf(s)]));
  const linked = linkPointers(
    entries.map((e) => merger.toItem(e, byEntry.get(e.key))),
    pointers,
    listers,
  );
  // Urgent-care order: section by section, newest first within each.
  const bySection = SECTION_ORDER.map((): RecordItem[] => []);
  for (const entry of linked) {
    const item = labelSavedCopies(entry, saved);
    bySection[sectionRank.get(item.section)!]!.push(item);
  }
  const items: RecordItem[] = [];
  for (const section of bySection) {
    section.sort((a, b) => isoNewestFirst(a.date, b.date));
    for (const item of section) items.push(item);
  }
  return { items, conflicts };
}

interface SavedCopy {
  asOf: string;
  /** Only these copies (source|type|id) are from the saved copy; undefined: all of the source's. */
  only?: ReadonlySet<string>;
}

function savedCopyOf(source: SourceSnapshot): SavedCopy {
  const asOf = source.status.savedCopy!.asOf;
  return source.savedCopyKeys ? { asOf, only: new Set(source.savedCopyKeys) } : { asOf };
}

function labelSavedCopies(item: RecordItem, saved: ReadonlyMap<string, SavedCopy>): RecordItem {
  if (saved.size === 0) return item;
  const isSaved = (p: Provenance) => {
    const copy = saved.get(p.sourceId);
    return !!copy && (!copy.only || copy.only.has(`${p.sourceId}|${p.resourceType}|${p.resourceId}`));
  };
  if (!item.provenance.some(isSaved)) return item;
  const provenance = item.provenance.map((p) =>
    isSaved(p) ? { ...p, savedCopy: { asOf: saved.get(p.sourceId)!.asOf } } : p,
  );
  return { ...item, provenance };
}

/** The banner: the EPR's patient, else the agreed regional patient; died if anyone merged says so. */
function bannerPatient(
  snapshot: RecordSnapshot,
  identity: RecordIdentity,
  merged: readonly SourceSnapshot[],
): PatientSummary {
  const located = merged.filter((s) => s.patient);
  const reference = identityReference(undefined, located);
  const referencePatient = located.find((s) => s.status.id === reference?.sourceId)?.patient;
  const patient = (identity.eprPatient as unknown as Json | undefined) ?? referencePatient;
  const summary: PatientSummary = patient
    ? patientSummary(patient)
    : (snapshot.patientFallback ?? {
        name: 'Name not known',
        verification: identity.verification ?? 'unknown',
      });
  summary.nhsNumber = summary.nhsNumber ?? snapshot.nhsNumber;
  if (identity.verification) summary.verification = identity.verification;
  if (!summary.deceased) {
    const deceased = located.map((s) => patientSummary(s.patient!).deceased).find(Boolean);
    if (deceased) summary.deceased = deceased;
  }
  return summary;
}

function pointersOf(
  sources: readonly SourceSnapshot[],
  keep: (section: SectionId) => boolean,
): RecordPointer[] {
  if (!keep('documents') && !keep('advanceCare')) return [];
  return sources
    .flatMap((s) => s.pointers)
    .slice()
    .sort((a, b) =>
      a.sourceId + a.id < b.sourceId + b.id ? -1 : a.sourceId + a.id > b.sourceId + b.id ? 1 : 0,
    );
}

export function buildRecord(snapshot: RecordSnapshot, options: BuildOptions): WessexRecord {
  const now = options.now ?? new Date();
  const sections = options.sections ? new Set(options.sections) : undefined;
  const keep = inSections(sections);
  const regional = snapshot.sources.filter((s) => s.status.kind === 'regional');
  const verdict = agreeIdentity(regional, outsideReference(options.identity), options.decisions);
  const mergedIds = new Set(verdict.merged.map((s) => s.status.id));
  const merged = snapshot.sources.filter((s) => s.status.kind !== 'regional' || mergedIds.has(s.status.id));
  const pointers = pointersOf(merged, (s) => !sections || sections.has(s));
  const { items, conflicts } = mergeSources(merged, keep, pointers);
  const heldApart: HeldApartRecord[] = verdict.apart.map(({ source, differences }) => ({
    sourceId: source.status.id,
    sourceName: source.status.name,
    patient: patientSummary(source.patient!),
    differences,
    patientKey: patientKey(source.patient!),
    items: mergeSources([source], keep).items,
  }));
  const statuses: SourceStatus[] = snapshot.sources.map((s) => s.status);
  return {
    patient: bannerPatient(snapshot, options.identity, verdict.merged),
    sources: recountSources(statuses, [...items, ...heldApart.flatMap((h) => h.items)], pointers),
    items,
    conflicts,
    identityWarnings: [
      ...snapshot.identityWarnings,
      ...snapshot.sources.flatMap((s) => s.identityWarnings),
      ...verdict.warnings,
    ],
    pointers,
    withheld: snapshot.withheld,
    dissent: snapshot.dissent,
    assembledAt: snapshot.assembledAt,
    ungrantedScopes: [],
    completeness: sectionCompleteness({
      sources: statuses,
      // A source the clinician has said is someone else is no gap in this patient's record.
      heldApart: heldApart
        .filter(
          (h) =>
            !options.decisions?.some((d) => d.sourceId === h.sourceId && d.decision === 'different-person'),
        )
        .map((h) => ({ sourceId: h.sourceId, sourceName: h.sourceName })),
      ...(snapshot.notRequested ? { notRequested: snapshot.notRequested } : {}),
      ...(snapshot.withheld.sections ? { withheld: snapshot.withheld.sections } : {}),
      settledOnly: new Map(
        snapshot.sources.flatMap((s) => (s.settledOnly ? [[s.status.id, s.settledOnly]] : [])),
      ),
      now,
    }),
    heldApart,
    ...(options.decisions?.length ? { identityDecisions: [...options.decisions] } : {}),
    ...(options.identity.confirmation ? { identityConfirmation: options.identity.confirmation } : {}),
  };
}
