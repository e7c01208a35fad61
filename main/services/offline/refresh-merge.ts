// Folding a refresh into the cached record. An incremental refresh (`_lastUpdated` per source) returns only
// what changed; items are matched on their source copies (source + type + id), not on the merged key, because
// a changed resource can change its fingerprint. Deletions never show up incrementally: a full refresh
// replaces every answering source's items.
import {
  recountSources,
  type RecordItem,
  type SourceStatus,
  type WessexRecord,
} from '../../../common/record';

function copyIds(item: RecordItem): string[] {
  return item.provenance.map((p) => `${p.sourceId}|${p.resourceType}|${p.resourceId}`);
}

function answered(status: SourceStatus): boolean {
  return status.state === 'complete' || status.state === 'partial';
}

/** Sources from the refresh where they answered; the cached status (and data) where they did not. */
function mergedSources(cached: WessexRecord, live: WessexRecord): SourceStatus[] {
  const cachedById = new Map(cached.sources.map((s) => [s.id, s]));
  return live.sources.map((s) => (answered(s) ? s : (cachedById.get(s.id) ?? s)));
}

function keepConflicts(record: WessexRecord, items: RecordItem[]): WessexRecord['conflicts'] {
  const keys = new Set(items.map((i) => i.key));
  return record.conflicts.filter((c) => c.itemKeys.every((k) => keys.has(k)));
}

function combine(cached: WessexRecord, live: WessexRecord, kept: RecordItem[]): WessexRecord {
  const liveKeys = new Set(live.items.map((i) => i.key));
  const items = [...kept.filter((i) => !liveKeys.has(i.key)), ...live.items];
  const pointerIds = new Set(live.pointers.map((p) => p.id));
  return {
    ...live,
    patient: live.patient.name ? live.patient : cached.patient,
    sources: recountSources(mergedSources(cached, live), items, live.pointers),
    items,
    conflicts: [
      ...keepConflicts(cached, items).filter((c) => !live.conflicts.some((l) => l.kind === c.kind)),
      ...live.conflicts,
    ],
    pointers: [...cached.pointers.filter((p) => !pointerIds.has(p.id)), ...live.pointers],
    withheld: live.withheld.count >= cached.withheld.count ? live.withheld : cached.withheld,
    offline: undefined,
  };
}

/** Cached record + only-what-changed → the current record. */
export function mergeIncremental(cached: WessexRecord, changes: WessexRecord): WessexRecord {
  const changed = new Set(changes.items.flatMap(copyIds));
  return combine(
    cached,
    changes,
    cached.items.filter((i) => !copyIds(i).some((id) => changed.has(id))),
  );
}

/**
 * A full refresh replaces the items of every source that answered (so server-side deletions disappear) and
 * keeps the cached items of sources that could not be reached this time.
 */
export function mergeFull(cached: WessexRecord, live: WessexRecord): WessexRecord {
  const fresh = new Set(live.sources.filter(answered).map((s) => s.id));
  if (live.sources.every((s) => fresh.has(s.id) || s.state === 'not-reached'))
    return { ...live, offline: undefined };
  return combine(
    cached,
    live,
    cached.items.filter((i) => i.provenance.every((p) => !fresh.has(p.sourceId))),
  );
}

/** Per-source "as of" for the next incremental refresh: advanced only for sources that answered. */
export function nextSourcesAsOf(
  previous: Record<string, string>,
  live: WessexRecord,
): Record<string, string> {
  const next = { ...previous };
  for (const s of live.sources) if (answered(s) && s.fetchedAt) next[s.id] = s.fetchedAt;
  return next;
}
