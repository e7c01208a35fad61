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
  type WithheldCopy,
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

/**
 * The saved copy's resources with the live ones laid over them (same source, type and id → replaced); one the
 * source sent again withheld now (labelled since, say) goes, as it would had it been sent shown (`dropped`).
 */
function upsert(
  sourceId: string,
  saved: readonly Json[],
  live: SourceSnapshot,
): { resources: Json[]; stale: string[]; dropped: boolean } {
  const changed = new Set(live.resources.map((r) => copyKey(sourceId, r)));
  const withheldNow = new Set(live.withheldCopies?.map((c) => c.copy));
  let dropped = false;
  const kept = saved.filter((r) => {
    if (changed.has(copyKey(sourceId, r))) return false;
    if (withheldNow.size === 0 || !withheldNow.has(withheldCopyKey(sourceId, r))) return true;
    dropped = true;
    return false;
  });
  return {
    resources: [...kept, ...live.resources],
    stale: kept.map((r) => copyKey(sourceId, r)),
    dropped,
  };
}

/**
 * The saved copy's withholding with the refresh's laid over it: a withheld entry the source sent again (still
 * withheld, or shown now) is the refresh's to count, not counted again from the saved copy; once nothing the
 * saved copy withheld is left, its reasons go too.
 */
function withheldAfterRefresh(
  saved: SourceSnapshot,
  live: SourceSnapshot,
): Pick<SourceSnapshot, 'withheld' | 'withheldCopies'> {
  const before = saved.withheldCopies ?? [];
  const resent = new Set(live.withheldCopies?.map((c) => c.copy));
  if (before.length) for (const r of live.resources) resent.add(withheldCopyKey(live.status.id, r));
  const sentAgain = (c: WithheldCopy) => resent.has(c.copy);
  const kept = before.filter((c) => !sentAgain(c));
  const savedCount = Math.max(
    0,
    (saved.withheld?.count ?? 0) - before.filter((c) => c.counted && sentAgain(c)).length,
  );
  const savedLeft = { ...saved, withheld: { ...(saved.withheld ?? NOTHING_WITHHELD), count: savedCount } };
  const copies = [...kept, ...(live.withheldCopies ?? [])];
  // The saved copy's reasons stay while anything it withheld still is (counted here or not).
  const savedStillWithholds = savedCount > 0 || kept.length > 0;
  return {
    withheld: totalWithheld(savedStillWithholds ? [savedLeft, live] : [live]),
    ...(copies.length ? { withheldCopies: copies } : {}),
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
    const { resources, stale, dropped } = upsert(id, saved.resources, live);
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
    // A saved entry withheld now goes from the saved copy too.
    const write: SourceWrite = dropped
      ? { sourceId: id, mode: 'replace', resources }
      : { sourceId: id, mode: 'upsert', resources: live.resources };
    return { source, write };
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
      withheld: totalWithheld(sources, live.dissent ? live.withheld.reasons : []),
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
