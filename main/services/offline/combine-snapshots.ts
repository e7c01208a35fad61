// Folding a fetch into the saved copy, source by source. A source that answered in full replaces its saved
// resources (a full fetch) or updates them (an incremental one: only what changed came back); a source that
// answered in part updates what came and keeps the rest as a saved copy; a source that did not answer keeps
// its saved resources, labelled as a saved copy. The merged record is then rebuilt from the result, so it is
// the same record a clean fetch of the same server data gives.
import type { SourceStatus } from '../../../common/record';
import type { SourceRowsWrite } from '../cache/offline-cache';
import { str, type Json } from '../record/fhir-read';
import {
  copyKey,
  NOTHING_WITHHELD,
  totalWithheld,
  type RecordSnapshot,
  type SourceSnapshot,
  withheldCopyKey,
} from '../record/snapshot';

export type RefreshMode = 'full' | 'incremental';

/** How the offline store updates one source's rows. */
export type SourceWrite = SourceRowsWrite;

interface CombinedSnapshot {
  snapshot: RecordSnapshot;
  writes: SourceWrite[];
}

const answeredInFull = (s: SourceStatus) => s.state === 'complete';
const answeredInPart = (s: SourceStatus) => s.state === 'partial';

/** The saved copy's resources with `changes` laid over them (same source, type and id → replaced). */
function upsert(
  sourceId: string,
  saved: readonly Json[],
  changes: readonly Json[],
): { resources: Json[]; stale: string[] } {
  const changed = new Set(changes.map((r) => copyKey(sourceId, r)));
  const kept = saved.filter((r) => !changed.has(copyKey(sourceId, r)));
  return {
    resources: [...kept, ...changes],
    stale: kept.map((r) => copyKey(sourceId, r)),
  };
}

// Each live resource's withheldCopyKey, hashed once: progress folds the same resources again and again.
const copyHashes = new WeakMap<Json, string>();

function copyHashOf(sourceId: string, resource: Json): string {
  let hash = copyHashes.get(resource);
  if (hash === undefined) copyHashes.set(resource, (hash = withheldCopyKey(sourceId, resource)));
  return hash;
}

/**
 * The saved copy's withholding, less what the source sent again (the live copy is governed with the rest, and
 * counted then if still withheld); its reasons stay while anything it withheld still is. Only live resources of
 * a type the saved copy withheld are hashed to be compared.
 */
function withheldAfterRefresh(
  saved: SourceSnapshot,
  live: SourceSnapshot,
): Pick<SourceSnapshot, 'withheld' | 'withheldCopies'> {
  const before = saved.withheldCopies ?? [];
  const types = new Set(before.map((c) => c.type));
  const resent = new Set<string>();
  for (const r of live.resources)
    if (types.has(String(r.resourceType))) resent.add(copyHashOf(live.status.id, r));
  const kept = before.filter((c) => !resent.has(c.copy));
  const savedCount = Math.max(
    0,
    (saved.withheld?.count ?? 0) - before.filter((c) => c.counted && resent.has(c.copy)).length,
  );
  const savedLeft = { ...saved, withheld: { ...(saved.withheld ?? NOTHING_WITHHELD), count: savedCount } };
  const stillWithholds = savedCount > 0 || kept.length > 0;
  return {
    withheld: totalWithheld(stillWithholds ? [savedLeft, live] : [live]),
    ...(kept.length ? { withheldCopies: kept } : {}),
  };
}

function savedAsOf(saved: SourceSnapshot): string {
  return saved.status.savedCopy?.asOf ?? saved.status.fetchedAt ?? '';
}

function combineSource(
  live: SourceSnapshot,
  saved: SourceSnapshot | undefined,
  mode: RefreshMode,
): { source: SourceSnapshot; write: SourceWrite } {
  const id = live.status.id;
  // The source no longer knows this patient, or knows them as another Patient: nothing saved still applies.
  const samePatient = !!live.patient && str(live.patient.id) === str(saved?.patient?.id);
  // A full refresh replaces the saved copy once the source has sent everything again; in its progress (settledOnly:
  // still reading), what it has not yet sent again stays, labelled as the saved copy.
  const resending = mode === 'full' && !!live.settledOnly;
  if (answeredInFull(live.status) && ((mode === 'full' && !resending) || !saved || !samePatient)) {
    return { source: live, write: { sourceId: id, mode: 'replace', resources: live.resources } };
  }
  if (!saved) {
    return { source: live, write: { sourceId: id, mode: 'replace', resources: live.resources } };
  }
  if (answeredInFull(live.status) || answeredInPart(live.status)) {
    const { resources, stale } = upsert(id, saved.resources, live.resources);
    const partial = answeredInPart(live.status);
    const source: SourceSnapshot = {
      ...live,
      resources,
      pointers: live.pointers.length || !partial ? live.pointers : saved.pointers,
      ...(live.patient || saved.patient ? { patient: live.patient ?? saved.patient } : {}),
      ...withheldAfterRefresh(saved, live),
    };
    if ((partial || resending) && stale.length) {
      source.status = { ...live.status, savedCopy: { asOf: savedAsOf(saved) } };
      source.savedCopyKeys = stale;
    }
    return { source, write: { sourceId: id, mode: 'upsert', resources: live.resources } };
  }
  // Did not answer: its saved entries stay, labelled, and the status (and any new identity warning, such as
  // two patients now sharing the number) says why it is not live.
  const { savedCopyKeys: _ignored, ...rest } = saved;
  return {
    source: {
      ...rest,
      status: { ...live.status, savedCopy: { asOf: savedAsOf(saved) } },
      identityWarnings: live.identityWarnings,
    },
    write: { sourceId: id, mode: 'keep' },
  };
}

export function combineSnapshots(
  saved: RecordSnapshot | undefined,
  live: RecordSnapshot,
  mode: RefreshMode,
): CombinedSnapshot {
  const savedById = new Map(saved?.sources.map((s) => [s.status.id, s]) ?? []);
  const combined = live.sources.map((s) => combineSource(s, savedById.get(s.status.id), mode));
  const sources = combined.map((c) => c.source);
  return {
    snapshot: {
      ...live,
      sources,
      withheld: totalWithheld(sources),
      ...(saved?.patientFallback && !sources.some((s) => s.patient)
        ? { patientFallback: saved.patientFallback }
        : {}),
    },
    writes: combined.map((c) => c.write),
  };
}

/** Per-source "as of" for the next incremental refresh: advanced only for sources that answered in full. */
export function nextSourcesAsOf(
  previous: Record<string, string>,
  live: RecordSnapshot,
): Record<string, string> {
  const next = { ...previous };
  for (const s of live.sources)
    if (answeredInFull(s.status) && s.status.fetchedAt) next[s.status.id] = s.status.fetchedAt;
  return next;
}
