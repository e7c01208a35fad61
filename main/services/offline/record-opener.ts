// Opening a patient's record with the offline cache behind it: live when the sources answer (incrementally
// when a recent cached copy exists, fully at least every `fullRefreshHours`), the cached copy with an as-of
// banner when they cannot be reached.
import { offlineBanner, type OfflineBannerModel } from '../../../common/offline-banner';
import { normaliseNhsNumber } from '../../../common/nhs-number';
import { recountSources, type WessexRecord } from '../../../common/record';
import type { LoadOptions, OfflineCache } from '../cache/offline-cache';
import { isNetworkError, sourcesUnreachable } from './reachability';
import { mergeFull, mergeIncremental, nextSourcesAsOf } from './refresh-merge';

/** Fetches (and governs) the live record; with `since`, only entries changed after each source's instant. */
export type LiveFetch = (
  nhsNumber: string,
  options: { since?: Record<string, string> },
) => Promise<WessexRecord>;

export interface RecordOpenerOptions {
  cache: OfflineCache;
  fetchLive: LiveFetch;
  clock?: () => Date;
  /** A full refresh at least this often, so server-side deletions disappear. Default 24. */
  fullRefreshHours?: number;
  /** Asked for changes since a little before the last fetch, in case the server's clock is behind ours. */
  sinceMarginMs?: number;
}

export interface OpenedRecord {
  record: WessexRecord;
  /** live: a full fetch; refreshed: cached copy + incremental changes; offline: the cached copy alone. */
  from: 'live' | 'refreshed' | 'offline';
  banner?: OfflineBannerModel;
  /** Set when only part of the results history was read: how many results the cached record holds. */
  resultsTotal?: number;
}

export class OfflineUnavailableError extends Error {
  constructor() {
    super(
      'The record sources cannot be reached and there is no offline copy of this patient’s record on this ' +
        'computer. Try again when you have a connection.',
    );
  }
}

const HOUR = 3_600_000;

export class RecordOpener {
  private readonly clock: () => Date;

  constructor(private readonly options: RecordOpenerOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * The cached copy marked offline, with its banner; undefined when this patient is not cached. With
   * `recentResults`, only the newest results are read (fast first paint of a very long record) and
   * `resultsTotal` says how many there are.
   */
  async openOffline(nhsNumber: string, options: LoadOptions = {}): Promise<OpenedRecord | undefined> {
    const { cache } = this.options;
    const [record, meta] = await Promise.all([cache.loadRecord(nhsNumber, options), cache.meta(nhsNumber)]);
    if (!record || !meta) return undefined;
    const offline = { ...record, offline: { asOf: meta.fetchedAt } };
    const opened: OpenedRecord = {
      record: offline,
      from: 'offline',
      banner: offlineBanner(offline, this.clock()),
    };
    if (options.recentResults !== undefined || options.sections) {
      opened.resultsTotal = (await cache.sectionCounts(nhsNumber)).results ?? 0;
    }
    return opened;
  }

  async open(
    nhsNumber: string,
    options: { preferOffline?: boolean; pin?: boolean } = {},
  ): Promise<OpenedRecord> {
    const { cache } = this.options;
    const nhs = normaliseNhsNumber(nhsNumber);
    if (options.preferOffline) {
      const cached = await this.openOffline(nhs);
      if (cached) return cached;
    }
    const meta = await cache.meta(nhs);
    const cached = meta ? await cache.loadRecord(nhs) : undefined;
    const fullDue =
      !meta?.fullRefreshedAt ||
      this.clock().getTime() - Date.parse(meta.fullRefreshedAt) >=
        (this.options.fullRefreshHours ?? 24) * HOUR;
    const incremental = cached !== undefined && meta !== undefined && !fullDue;

    let live: WessexRecord;
    try {
      live = await this.options.fetchLive(nhs, incremental ? { since: this.since(meta.sourcesAsOf) } : {});
    } catch (error) {
      if (!isNetworkError(error)) throw error;
      return this.fallBack(nhs);
    }
    if (sourcesUnreachable(live)) {
      const offline = await this.openOffline(nhs);
      return offline ?? { record: live, from: 'live' };
    }
    // Nothing answered (identity not safe to search, for example), or every source answered that it does
    // not know this NHS number: nothing worth keeping offline.
    if (
      !live.sources.some((s) => s.state === 'complete' || s.state === 'partial') ||
      notFoundAnywhere(live)
    ) {
      return { record: live, from: 'live' };
    }
    if (!cached || !meta) {
      await cache.saveRecord(live, { pinned: options.pin });
      return { record: live, from: 'live' };
    }
    const merged = incremental ? mergeIncremental(cached, live) : mergeFull(cached, live);
    await cache.saveRecord(merged, {
      pinned: options.pin,
      fullRefresh: !incremental,
      sourcesAsOf: nextSourcesAsOf(meta.sourcesAsOf, live),
    });
    // What the clinician sees says which sources answered just now, even where the cache kept older data.
    const shown = incremental
      ? { ...merged, sources: recountSources(live.sources, merged.items, merged.pointers) }
      : live;
    return { record: shown, from: incremental ? 'refreshed' : 'live' };
  }

  private since(asOf: Record<string, string>): Record<string, string> {
    const margin = this.options.sinceMarginMs ?? 5 * 60_000;
    return Object.fromEntries(
      Object.entries(asOf).map(([id, at]) => [id, new Date(Date.parse(at) - margin).toISOString()]),
    );
  }

  private async fallBack(nhs: string): Promise<OpenedRecord> {
    const offline = await this.openOffline(nhs);
    if (!offline) throw new OfflineUnavailableError();
    return offline;
  }
}

/** The engine's verdict that no Wessex source holds this NHS number (all reached, none found it). */
export function notFoundAnywhere(record: WessexRecord): boolean {
  return record.identityWarnings.some((w) => w.kind === 'not-found');
}
