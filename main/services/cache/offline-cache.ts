// The offline cache: one shared copy per patient of what the sources said (after patient-level governance,
// never filtered for one user), in the encrypted database: a row per record (statuses, pointers, what was
// withheld) and a row per source resource, plus the documents an urgent-care clinician needs offline.
// Everything a query needs to recover from a file that turns out to be unreadable mid-session goes through
// `guard`.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CachedRecordSummary } from '../../../preload/contract';
import { normaliseNhsNumber } from '../../../common/nhs-number';
import { SECTION_ORDER, type SectionId, type SourceStatus } from '../../../common/record';
import { PAGED_SECTIONS } from '../../../common/summary';
import type { Json } from '../record/fhir-read';
import { bannerName } from '../record/patient-identity';
import { factsOf } from '../record/resource-facts';
import {
  DEFAULT_CHECKPOINT_DELAY_MS,
  DEFAULT_MAX_WAL_BYTES,
  DeferredCheckpoint,
  type DeferredCheckpointOptions,
} from './deferred-checkpoint';
import { SUPPORTING_TYPES } from '../record/sections';
import { resourceKey, type RecordSnapshot, type SourceSnapshot } from '../record/snapshot';
import { AnswerFirst } from '../answer-first';
import { unreadableReason, type EncryptedDatabase, type SqliteDatabase } from './encrypted-database';
import { CaseloadEventStore } from './caseload-event-store';
import { HandoverExports, type ExportRemoval } from './handover-exports';
import { offlineQueryWhere, parseOfflineQuery } from './offline-search';

export const OFFLINE_CACHE_RESET_NOTICE =
  'The offline records on this computer could not be opened and have been cleared for safety. ' +
  'They will be fetched again when you are online.';

export interface RetentionPolicy {
  retentionHours: number;
  pinnedRetentionHours: number;
}

export interface SaveOptions {
  /** Keep for the pinned (caseload) retention. Undefined keeps the record's current pinned state. */
  pinned?: boolean;
  /** The snapshot came from a full fetch of every source (not an incremental one). Default true. */
  fullRefresh?: boolean;
  /** Per-source "as of" instants to use for the next incremental refresh; default each source's fetchedAt. */
  sourcesAsOf?: Record<string, string>;
}

type SnapshotSaveOptions = SaveOptions & { writes?: readonly SourceRowsWrite[] };

/** How one source's rows change; by default every source's rows are replaced. */
export type SourceRowsWrite =
  | { sourceId: string; mode: 'replace' | 'upsert'; resources: readonly Json[] }
  | { sourceId: string; mode: 'keep' };

export interface CachedRecordMeta {
  nhsNumber: string;
  name: string;
  birthDate?: string;
  fetchedAt: string;
  expiresAt: string;
  pinned: boolean;
  sources: SourceStatus[];
  sourcesAsOf: Record<string, string>;
  fullRefreshedAt?: string;
}

/** The record row's JSON: the snapshot without its resources. */
type SnapshotMeta = Omit<RecordSnapshot, 'sources'> & { sources: Omit<SourceSnapshot, 'resources'>[] };

interface RecordRow {
  nhs_number: string;
  name: string;
  birth_date: string | null;
  fetched_at: string;
  expires_at: string;
  pinned: number;
  sources_json: string;
  sources_as_of_json: string;
  full_refreshed_at: string | null;
}

const HOUR = 3_600_000;
/**
 * Rows a save writes between letting the event loop through (a few milliseconds of work): the save runs while
 * the clinician is already using the record, and work they wait for (a results page, the trends made ahead)
 * takes turns with it slice by slice.
 */
const ROWS_PER_SLICE = 200;
const META_COLUMNS =
  'nhs_number, name, birth_date, fetched_at, expires_at, pinned, sources_json, sources_as_of_json, full_refreshed_at';
/** Rows for resources that fill no section (Patient, Medication, Practitioner …): always read. */
const SUPPORTING_SECTION = 'supporting';

class CacheRecordError extends Error {}

function nhsKey(nhsNumber: string): string {
  return normaliseNhsNumber(nhsNumber);
}

function toMeta(row: RecordRow): CachedRecordMeta {
  return {
    nhsNumber: row.nhs_number,
    name: row.name,
    birthDate: row.birth_date ?? undefined,
    fetchedAt: row.fetched_at,
    expiresAt: row.expires_at,
    pinned: row.pinned === 1,
    sources: JSON.parse(row.sources_json) as SourceStatus[],
    sourcesAsOf: JSON.parse(row.sources_as_of_json) as Record<string, string>,
    fullRefreshedAt: row.full_refreshed_at ?? undefined,
  };
}

function toSummary(meta: CachedRecordMeta): CachedRecordSummary {
  return {
    nhsNumber: meta.nhsNumber,
    name: meta.name,
    birthDate: meta.birthDate,
    fetchedAt: meta.fetchedAt,
    expiresAt: meta.expiresAt,
    pinned: meta.pinned,
    sources: meta.sources.map((s) => ({ name: s.name, state: s.state })),
  };
}

function defaultSourcesAsOf(sources: readonly SourceSnapshot[]): Record<string, string> {
  return Object.fromEntries(
    sources.filter((s) => s.status.fetchedAt).map((s) => [s.status.id, s.status.fetchedAt as string]),
  );
}

function tryRollback(db: SqliteDatabase): void {
  try {
    db.exec('ROLLBACK');
  } catch {
    // The connection is recovered or closed by whoever handles the first error.
  }
}

function sectionColumn(resource: Json): string {
  return SUPPORTING_TYPES.has(String(resource.resourceType)) ? SUPPORTING_SECTION : factsOf(resource).section;
}

export interface LoadOptions {
  /** Only these sections' resources (the summary screen does not need 20,000 results to paint). */
  sections?: readonly SectionId[];
  /** Only the newest N results (by clinical date); the rest of the history can be loaded when asked for. */
  recentResults?: number;
  /** Only the newest N rows of each long list (results, encounters, procedures, appointments, other). */
  newestOfLongLists?: number;
  /** Stops the read between slices (no one wants it any more): it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

interface ResourceRow {
  source_id: string;
  resource_json: string;
}

/** Resource rows by source; partial loads read only the rows they need (through the section index). */
function readResources(db: SqliteDatabase, nhs: string, options: LoadOptions): ResourceRow[] {
  const select = 'SELECT source_id, resource_json FROM resources WHERE nhs_number = ?';
  const newest = options.newestOfLongLists ?? options.recentResults;
  if (!options.sections && newest === undefined) {
    return db.prepare(select).all(nhs) as ResourceRow[];
  }
  const sections = options.sections ?? SECTION_ORDER;
  const limited = new Set<SectionId>(
    options.newestOfLongLists !== undefined
      ? PAGED_SECTIONS
      : options.recentResults !== undefined
        ? ['results']
        : [],
  );
  const whole = [SUPPORTING_SECTION, ...sections.filter((s) => !limited.has(s))];
  const rows = db
    .prepare(`${select} AND section IN (${whole.map(() => '?').join(',')})`)
    .all(nhs, ...whole) as ResourceRow[];
  const newestRows = db.prepare(`${select} AND section = ? ORDER BY date DESC LIMIT ?`);
  for (const section of sections.filter((s) => limited.has(s))) {
    rows.push(...(newestRows.all(nhs, section, Math.max(0, Math.floor(newest ?? 0))) as ResourceRow[]));
  }
  return rows;
}

/** Parses rows into `into` (resources by source): one JSON.parse per source rather than one per row. */
function parseResources(rows: readonly ResourceRow[], into: Map<string, Json[]>): void {
  const bySource = new Map<string, string[]>();
  for (const row of rows) {
    const list = bySource.get(row.source_id) ?? [];
    list.push(row.resource_json);
    bySource.set(row.source_id, list);
  }
  for (const [id, json] of bySource) {
    const parsed = JSON.parse(`[${json.join(',')}]`) as Json[];
    const list = into.get(id);
    if (list) for (const resource of parsed) list.push(resource);
    else into.set(id, parsed);
  }
}

type SavedRow = RecordRow & { record_json: string };
type SavedCopy = { snapshot: RecordSnapshot; meta: CachedRecordMeta };
type Loaded = SavedCopy | 'expired' | undefined;

/** The record row, or why there is no saved copy to read (none, or past its retention). */
function savedRow(db: SqliteDatabase, nhs: string, now: Date): SavedRow | 'expired' | undefined {
  const row = db.prepare(`SELECT ${META_COLUMNS}, record_json FROM records WHERE nhs_number = ?`).get(nhs) as
    SavedRow | undefined;
  if (row !== undefined && row.expires_at <= now.toISOString()) return 'expired';
  return row;
}

function savedCopy(row: SavedRow, resources: Map<string, Json[]>): SavedCopy {
  const saved = JSON.parse(row.record_json) as SnapshotMeta;
  const snapshot: RecordSnapshot = {
    ...saved,
    sources: saved.sources.map((s) => ({ ...s, resources: resources.get(s.status.id) ?? [] })),
  };
  return { snapshot, meta: toMeta(row) };
}

/** Rows of a saved copy parsed per turn of the event loop (see parseInSlices). */
const ROWS_PER_PARSE_SLICE = 500;

/**
 * The rows' resources by source, parsed a slice per turn of the event loop: the app keeps answering through
 * the half-second that parsing 20,000 resources takes. Only the rows' text is read inside the transaction, so
 * the copy is still read whole and at once (never half old, half new).
 */
async function parseInSlices(
  rows: readonly ResourceRow[],
  signal: AbortSignal | undefined,
): Promise<Map<string, Json[]>> {
  const resources = new Map<string, Json[]>();
  for (let from = 0; from < rows.length; from += ROWS_PER_PARSE_SLICE) {
    if (from > 0) {
      await nextTurn();
      signal?.throwIfAborted();
    }
    parseResources(rows.slice(from, from + ROWS_PER_PARSE_SLICE), resources);
  }
  return resources;
}

export interface OfflineDocument {
  contentType: string;
  title: string;
  bytes: Buffer;
  fetchedAt: string;
}

/** Every removal of offline records, whoever asked: the audit log hears of each one (counts, never who). */
export interface CachePurge {
  trigger: 'user' | 'retention' | 'sign-out' | 'all' | 'dissent';
  count: number;
  nhsNumber?: string;
}

/** A change to the saved records, as the audit log hears of it before it is committed. */
export type CacheChange =
  | { kind: 'cache-write' | 'cache-document'; nhsNumber: string }
  | {
      kind: 'cache-purge' | 'export-purge';
      trigger: CachePurge['trigger'];
      count: number;
      nhsNumber?: string;
    };

/** The audit's write-ahead hook: begun (durably) before the change commits, ended after it. */
export type CacheWriteAhead = (change: CacheChange) => {
  id: string;
  done(): void;
  endedOtherwise(outcome: '4' | '8', outcomeDesc: string): void;
};

export class OfflineCache {
  /** Plain-words notices for the user (shown once by the app, printed by the CLI). */
  readonly notices: string[] = [];
  /** Saves queued by saveSnapshotSoon, in order; failures are reported to whoever queued them. */
  private queued: Promise<unknown> = Promise.resolve();
  private readonly answerFirst = new AnswerFirst();
  /** Handover PDFs: tracked here, removed with the records (each removal audited). */
  readonly exports: HandoverExports;
  /** Caseload alerts: kept for the caseload's retention, removed with the records. */
  readonly caseloadEvents: CaseloadEventStore;
  /** When a large save's log is copied into the database file. */
  private readonly checkpoints: DeferredCheckpoint;

  constructor(
    private readonly database: EncryptedDatabase,
    private retention: RetentionPolicy,
    private readonly clock: () => Date = () => new Date(),
    private readonly onPurged: (purge: CachePurge) => void = () => undefined,
    private readonly writeAhead?: CacheWriteAhead,
    checkpointTiming: CheckpointTiming = {},
  ) {
    this.checkpoints = new DeferredCheckpoint({
      walFile: `${database.path}-wal`,
      checkpoint: async () => {
        // A file found unreadable has been replaced by an empty one: nothing is left to copy then.
        await this.guard<Promise<unknown>>(
          () => this.database.checkpoint(),
          async () => undefined,
        );
      },
      delayMs: checkpointTiming.delayMs ?? DEFAULT_CHECKPOINT_DELAY_MS,
      maxWalBytes: checkpointTiming.maxWalBytes ?? DEFAULT_MAX_WAL_BYTES,
    });
    if (database.recovered) this.notices.push(OFFLINE_CACHE_RESET_NOTICE);
    this.takeUpgradeNotices();
    this.exports = new HandoverExports({
      run: (query, onReset) => this.guard(query, onReset),
      expiresAt: (nhsNumber, now) => this.exportExpiresAt(nhsNumber, now),
      ...(writeAhead ? { writeAhead } : {}),
      clock,
    });
    this.caseloadEvents = new CaseloadEventStore({
      run: (query, onReset) => this.guard(query, onReset),
      expiresAt: (now) => this.expiresAt(now, true),
      clock,
    });
  }

  /** A handover made now lasts as long as its record would if saved now (pinned: the caseload's retention). */
  private async exportExpiresAt(nhsNumber: string, now: Date): Promise<string> {
    const pinned = await this.guard(
      (db) =>
        db.prepare('SELECT pinned FROM records WHERE nhs_number = ?').pluck().get(nhsKey(nhsNumber)) === 1,
      () => false,
    );
    return this.expiresAt(now, pinned);
  }

  /** Notices an upgrade (migrations) left for the user: said once. A damaged file is recovered by `guard` later. */
  private takeUpgradeNotices(): void {
    try {
      const db = this.database.db;
      this.notices.push(...(db.prepare('SELECT text FROM notices').pluck().all() as string[]));
      db.prepare('DELETE FROM notices').run();
    } catch (error) {
      if (!unreadableReason(error)) throw error;
    }
  }

  /**
   * Runs a change to the saved records with its audit event written ahead: begun before, its write mark
   * committed with the change (`mark`), ended after. A crash between leaves an open event that the next start
   * resolves by the mark (`finishedChange`).
   */
  private async audited<T>(
    change: CacheChange,
    run: (mark: (db: SqliteDatabase) => void) => Promise<T>,
    failure: string,
  ): Promise<T> {
    const intent = this.writeAhead?.(change);
    const mark = (db: SqliteDatabase): void => {
      if (intent)
        db.prepare('INSERT OR REPLACE INTO write_marks (intent_id, at) VALUES (?, ?)').run(
          intent.id,
          this.clock().toISOString(),
        );
    };
    let result: T;
    try {
      result = await run(mark);
    } catch (error) {
      intent?.endedOtherwise('8', failure);
      throw error;
    }
    if (intent) {
      intent.done();
      this.forgetMark(intent.id);
    }
    // Not awaited: a copy due now queues behind this change.
    void this.checkpoints.afterChange();
    return result;
  }

  private forgetMark(intentId: string): void {
    try {
      this.database.db.prepare('DELETE FROM write_marks WHERE intent_id = ?').run(intentId);
    } catch {
      // A mark left behind is harmless: it only says the change was committed.
    }
  }

  /** After a crash: was the change begun under this audit event committed? (Its write mark says so.) */
  finishedChange(intentId: string): boolean {
    try {
      return (
        this.database.db.prepare('SELECT 1 FROM write_marks WHERE intent_id = ?').get(intentId) !== undefined
      );
    } catch {
      return false;
    }
  }

  /** Write marks are needed only while their action is open: the rest go (after recovery has used them). */
  forgetMarksExcept(openIntentIds: ReadonlySet<string>): void {
    try {
      const db = this.database.db;
      const ids = db.prepare('SELECT intent_id FROM write_marks').pluck().all() as string[];
      const forget = db.prepare('DELETE FROM write_marks WHERE intent_id = ?');
      for (const id of ids) if (!openIntentIds.has(id)) forget.run(id);
    } catch {
      // A mark left behind is harmless: it only says a change was committed.
    }
  }

  setRetention(retention: RetentionPolicy): void {
    this.retention = retention;
  }

  /** Every operation waits for saves queued before it (saveSnapshotSoon), so no one reads an older copy. */
  private async guard<T>(run: (db: SqliteDatabase) => T, onReset: (db: SqliteDatabase) => T): Promise<T> {
    await this.queuedSaves();
    return this.guardNow(run, onReset);
  }

  /** The saves queued so far, run now: whoever waits on them has nothing left to answer first. */
  private queuedSaves(): Promise<unknown> {
    return this.answerFirst.hurry(() => this.queued);
  }

  /** Runs a query; if the file proves unreadable, replaces it, tells the user, and runs `onReset` instead. */
  private async guardNow<T>(run: (db: SqliteDatabase) => T, onReset: (db: SqliteDatabase) => T): Promise<T> {
    try {
      return await run(this.database.db);
    } catch (error) {
      const reason = unreadableReason(error);
      if (!reason) throw error;
      await this.database.recover(reason);
      this.notices.push(OFFLINE_CACHE_RESET_NOTICE);
      return onReset(this.database.db);
    }
  }

  private expiresAt(fetchedAt: Date, pinned: boolean): string {
    const hours = pinned ? this.retention.pinnedRetentionHours : this.retention.retentionHours;
    return new Date(fetchedAt.getTime() + hours * HOUR).toISOString();
  }

  /**
   * Saves this patient's snapshot in one transaction: the record row, then each source's resource rows as
   * `writes` says (default: every source's rows replaced by the snapshot's).
   */
  saveSnapshot(snapshot: RecordSnapshot, options: SnapshotSaveOptions = {}): Promise<void> {
    // Queued like every save: one written in slices must not meet another on this connection.
    const at = this.clock();
    const run = this.queued.then(() => this.writeSnapshot(snapshot, options, at));
    this.queued = run.catch(() => undefined);
    return run;
  }

  /**
   * The same save, run shortly after the caller's current turn: a reader can answer the screen first and
   * write the saved copy straight after (a synchronous write of thousands of rows that would otherwise hold
   * the answer back). Later operations on this store wait for it; `settled()` too.
   */
  saveSnapshotSoon(snapshot: RecordSnapshot, options: SnapshotSaveOptions = {}): Promise<void> {
    // Saved as of now (its fetch), not as of whenever the write gets to run.
    const at = this.clock();
    const run = this.queued
      .then(() => this.answerFirst.wait())
      .then(() => this.writeSnapshot(snapshot, options, at));
    this.queued = run.catch(() => undefined);
    return run;
  }

  /** Resolves once every queued save has run (before closing the store). */
  async settled(): Promise<void> {
    await this.queuedSaves();
  }

  private async writeSnapshot(
    snapshot: RecordSnapshot,
    options: SnapshotSaveOptions,
    now: Date,
  ): Promise<void> {
    const nhs = nhsKey(snapshot.nhsNumber);
    if (!/^\d{10}$/.test(nhs)) {
      throw new CacheRecordError('A record without a ten-digit NHS number cannot be kept offline.');
    }
    if (snapshot.dissent)
      throw new CacheRecordError('A record the patient declined to share is never kept offline.');
    const writes =
      options.writes ??
      snapshot.sources.map((s) => ({
        sourceId: s.status.id,
        mode: 'replace' as const,
        resources: s.resources,
      }));
    const banner = bannerOf(snapshot);
    let mark: (db: SqliteDatabase) => void = () => undefined;
    const write = async (db: SqliteDatabase): Promise<void> => {
      const previous = db
        .prepare('SELECT pinned, full_refreshed_at FROM records WHERE nhs_number = ?')
        .get(nhs) as { pinned: number; full_refreshed_at: string | null } | undefined;
      const pinned = options.pinned ?? previous?.pinned === 1;
      const fullRefreshedAt =
        (options.fullRefresh ?? true) ? now.toISOString() : (previous?.full_refreshed_at ?? null);
      const meta: SnapshotMeta = {
        ...snapshot,
        sources: snapshot.sources.map(({ resources: _resources, ...rest }) => rest),
      };
      const insert = db.prepare(
        `INSERT OR REPLACE INTO resources (nhs_number, source_id, resource_type, resource_id, section, date, resource_json)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      const wanted = new Set(snapshot.sources.map((s) => s.status.id));
      // One transaction, written in slices with the event loop let through between them: a record of 20,000
      // resources is a second of writing, and the app must keep answering meanwhile. Every other use of this
      // store waits for queued saves (`guard`), so nothing else runs on this connection inside it; a crash
      // before COMMIT leaves the previous saved copy.
      db.exec('BEGIN IMMEDIATE');
      try {
        db.prepare(
          `INSERT INTO records (nhs_number, name, name_search, birth_date, fetched_at, expires_at, pinned,
             sources_json, sources_as_of_json, full_refreshed_at, record_json)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(nhs_number) DO UPDATE SET name = excluded.name, name_search = excluded.name_search,
             birth_date = excluded.birth_date, fetched_at = excluded.fetched_at, expires_at = excluded.expires_at,
             pinned = excluded.pinned, sources_json = excluded.sources_json,
             sources_as_of_json = excluded.sources_as_of_json, full_refreshed_at = excluded.full_refreshed_at,
             record_json = excluded.record_json`,
        ).run(
          nhs,
          banner.name,
          banner.name.toLowerCase(),
          banner.birthDate ?? null,
          now.toISOString(),
          this.expiresAt(now, pinned),
          pinned ? 1 : 0,
          JSON.stringify(snapshot.sources.map((s) => s.status)),
          JSON.stringify(options.sourcesAsOf ?? defaultSourcesAsOf(snapshot.sources)),
          fullRefreshedAt,
          JSON.stringify(meta),
        );
        // Sources no longer configured leave nothing behind.
        for (const id of db
          .prepare('SELECT DISTINCT source_id FROM resources WHERE nhs_number = ?')
          .pluck()
          .all(nhs) as string[]) {
          if (!wanted.has(id))
            db.prepare('DELETE FROM resources WHERE nhs_number = ? AND source_id = ?').run(nhs, id);
        }
        let sinceYield = 0;
        for (const w of writes) {
          if (w.mode === 'keep') continue;
          if (w.mode === 'replace') {
            db.prepare('DELETE FROM resources WHERE nhs_number = ? AND source_id = ?').run(nhs, w.sourceId);
          }
          for (const resource of w.resources) {
            insert.run(
              nhs,
              w.sourceId,
              String(resource.resourceType),
              resourceKey(resource),
              sectionColumn(resource),
              factsOf(resource).date ?? null,
              JSON.stringify(resource),
            );
            if (++sinceYield === ROWS_PER_SLICE) {
              sinceYield = 0;
              await nextTurn();
            }
          }
        }
        mark(db);
        db.exec('COMMIT');
      } catch (error) {
        // An unreadable file may refuse the rollback too: the error that matters is the first.
        if (db.inTransaction) tryRollback(db);
        throw error;
      }
    };
    await this.audited(
      { kind: 'cache-write', nhsNumber: nhs },
      async (markWith) => {
        mark = markWith;
        await this.guardNow(write, write);
      },
      'The record could not be kept offline; the saved copy (if any) is unchanged',
    );
  }

  /**
   * The saved snapshot and its bookkeeping, read in one transaction (another process may be saving), or
   * undefined. With `sections` (and `recentResults`), only those sections' resources are read (plus supporting
   * resources), for a fast first paint of a very long record.
   */
  async load(nhsNumber: string, options: LoadOptions = {}): Promise<SavedCopy | undefined> {
    const nhs = nhsKey(nhsNumber);
    const now = this.clock();
    options.signal?.throwIfAborted();
    const read = await this.guard(
      (db) =>
        db.transaction(() => {
          const row = savedRow(db, nhs, now);
          if (row === undefined || row === 'expired') return row;
          return { row, resources: readResources(db, nhs, options) };
        })(),
      () => undefined,
    );
    const loaded: Loaded =
      read === undefined || read === 'expired'
        ? read
        : savedCopy(read.row, await parseInSlices(read.resources, options.signal));
    if (loaded !== 'expired') return loaded;
    // Past its retention between two timer runs: it goes now (audited), and is not shown.
    await this.purgeExpired(now);
    return undefined;
  }

  async loadSnapshot(nhsNumber: string, options: LoadOptions = {}): Promise<RecordSnapshot | undefined> {
    return (await this.load(nhsNumber, options))?.snapshot;
  }

  /** How many saved resources each section holds (so a partial load can say "and 19,000 more results"). */
  async sectionCounts(nhsNumber: string): Promise<Partial<Record<SectionId, number>>> {
    return this.guard(
      (db) => {
        const rows = db
          .prepare('SELECT section, count(*) AS n FROM resources WHERE nhs_number = ? GROUP BY section')
          .all(nhsKey(nhsNumber)) as { section: string; n: number }[];
        return Object.fromEntries(
          rows.filter((r) => r.section !== SUPPORTING_SECTION).map((r) => [r.section, r.n]),
        );
      },
      () => ({}),
    );
  }

  /** Keeps a document for offline use (replacing an earlier copy of the same address). */
  async saveDocument(
    nhsNumber: string,
    address: string,
    document: Omit<OfflineDocument, 'fetchedAt'>,
  ): Promise<void> {
    const nhs = nhsKey(nhsNumber);
    await this.audited(
      { kind: 'cache-document', nhsNumber: nhs },
      (mark) => {
        const write = (db: SqliteDatabase): void =>
          db.transaction(() => {
            mark(db);
            db.prepare(
              `INSERT OR REPLACE INTO documents (nhs_number, address, content_type, title, bytes, fetched_at)
               SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM records WHERE nhs_number = ?)`,
            ).run(
              nhs,
              address,
              document.contentType,
              document.title,
              document.bytes,
              this.clock().toISOString(),
              nhs,
            );
          })();
        return this.guard(write, write);
      },
      'The document could not be kept offline',
    );
  }

  async readDocument(nhsNumber: string, address: string): Promise<OfflineDocument | undefined> {
    return this.guard(
      (db) => {
        const row = db
          .prepare(
            `SELECT content_type, title, bytes, documents.fetched_at AS fetched_at FROM documents
             JOIN records USING (nhs_number) WHERE nhs_number = ? AND address = ? AND expires_at > ?`,
          )
          .get(nhsKey(nhsNumber), address, this.clock().toISOString()) as
          { content_type: string; title: string; bytes: Buffer; fetched_at: string } | undefined;
        return (
          row && {
            contentType: row.content_type,
            title: row.title,
            bytes: row.bytes,
            fetchedAt: row.fetched_at,
          }
        );
      },
      () => undefined,
    );
  }

  /** The addresses of this patient's saved documents, and their total size in bytes. */
  async documentAddresses(nhsNumber: string): Promise<{ addresses: string[]; bytes: number }> {
    return this.guard(
      (db) => {
        const rows = db
          .prepare('SELECT address, length(bytes) AS size FROM documents WHERE nhs_number = ?')
          .all(nhsKey(nhsNumber)) as { address: string; size: number }[];
        return { addresses: rows.map((r) => r.address), bytes: rows.reduce((n, r) => n + r.size, 0) };
      },
      () => ({ addresses: [], bytes: 0 }),
    );
  }

  async meta(nhsNumber: string): Promise<CachedRecordMeta | undefined> {
    return this.guard(
      (db) => {
        const row = db
          .prepare(`SELECT ${META_COLUMNS} FROM records WHERE nhs_number = ? AND expires_at > ?`)
          .get(nhsKey(nhsNumber), this.clock().toISOString()) as RecordRow | undefined;
        return row && toMeta(row);
      },
      () => undefined,
    );
  }

  async list(): Promise<CachedRecordSummary[]> {
    return this.guard(
      (db) =>
        (
          db
            .prepare(`SELECT ${META_COLUMNS} FROM records WHERE expires_at > ? ORDER BY name_search`)
            .all(this.clock().toISOString()) as RecordRow[]
        ).map((r) => toSummary(toMeta(r))),
      () => [],
    );
  }

  /** By NHS number (whole or leading digits), date of birth, or part of the name (any case, any order). */
  async search(text: string): Promise<CachedRecordSummary[]> {
    const query = parseOfflineQuery(text);
    if (!query) return [];
    const { where, params } = offlineQueryWhere(query);
    return this.guard(
      (db) =>
        (
          db
            .prepare(
              `SELECT ${META_COLUMNS} FROM records WHERE (${where}) AND expires_at > ?
               ORDER BY name_search LIMIT 100`,
            )
            .all(...params, this.clock().toISOString()) as RecordRow[]
        ).map((r) => toSummary(toMeta(r))),
      () => [],
    );
  }

  async delete(nhsNumber: string, trigger: 'user' | 'dissent' = 'user'): Promise<boolean> {
    const nhs = nhsKey(nhsNumber);
    await this.exports.removeFor(nhs, trigger);
    await this.caseloadEvents.removeFor(nhs);
    const held = await this.guard(
      (db) => db.prepare('SELECT 1 FROM records WHERE nhs_number = ?').get(nhs) !== undefined,
      () => false,
    );
    if (!held) return false;
    const deleted = await this.audited(
      { kind: 'cache-purge', trigger, count: 1, nhsNumber: nhs },
      (mark) =>
        this.guard(
          (db) =>
            db.transaction(() => {
              mark(db);
              return db.prepare('DELETE FROM records WHERE nhs_number = ?').run(nhs).changes > 0;
            })(),
          () => false,
        ),
      'The offline record could not be deleted; it is unchanged',
    );
    if (deleted) this.onPurged({ trigger, count: 1, nhsNumber: nhs });
    return deleted;
  }

  /** "Delete all offline records", with every handover PDF the viewer made. Returns how many records went. */
  async deleteAll(): Promise<number> {
    return (await this.deleteAllWithExports()).records;
  }

  /** "Delete all offline records": the records, then every handover PDF (each removal audited). */
  async deleteAllWithExports(): Promise<{ records: number; exports: ExportRemoval }> {
    const records = await this.deleteAllRecords();
    return { records, exports: await this.exports.removeAll('all') };
  }

  private async deleteAllRecords(): Promise<number> {
    const held = await this.guard(
      (db) => (db.prepare('SELECT count(*) FROM records').pluck().get() as number) ?? 0,
      () => 0,
    );
    const count = await this.audited(
      { kind: 'cache-purge', trigger: 'all', count: held },
      (mark) =>
        this.guard(
          (db) =>
            db.transaction(() => {
              mark(db);
              db.prepare('DELETE FROM documents').run();
              db.prepare('DELETE FROM caseload_events').run();
              db.prepare('DELETE FROM resources').run();
              return db.prepare('DELETE FROM records').run().changes;
            })(),
          () => 0,
        ),
      'The offline records could not be deleted; they are unchanged',
    );
    this.onPurged({ trigger: 'all', count });
    return count;
  }

  /** Removes records and handover PDFs past their expiry. Returns how many records were removed. */
  async purgeExpired(
    now: Date = this.clock(),
    trigger: CachePurge['trigger'] = 'retention',
  ): Promise<number> {
    const count = await this.purgeExpiredRecords(now, trigger);
    await this.exports.removeExpired(now, trigger);
    await this.caseloadEvents.removeExpired(now);
    return count;
  }

  private async purgeExpiredRecords(now: Date, trigger: CachePurge['trigger']): Promise<number> {
    const expired = await this.guard(
      (db) =>
        db
          .prepare('SELECT count(*) FROM records WHERE expires_at <= ?')
          .pluck()
          .get(now.toISOString()) as number,
      () => 0,
    );
    if (expired === 0) return 0;
    const count = await this.audited(
      { kind: 'cache-purge', trigger, count: expired },
      (mark) =>
        this.guard(
          (db) =>
            db.transaction(() => {
              mark(db);
              return db.prepare('DELETE FROM records WHERE expires_at <= ?').run(now.toISOString()).changes;
            })(),
          () => 0,
        ),
      'The expired offline records could not be deleted; they are unchanged',
    );
    if (count > 0) this.onPurged({ trigger, count });
    return count;
  }

  /** Sign-out: expired records go now; the rest stay for offline use until expiry or "delete all". */
  async onSignOut(): Promise<number> {
    return this.purgeExpired(this.clock(), 'sign-out');
  }

  async rekey(): Promise<void> {
    await this.queuedSaves();
    await this.database.rekey();
  }

  close(): void {
    this.checkpoints.cancel();
    this.database.close();
  }
}

/** Quiet time and log size for copying saves into the database file (defaults in deferred-checkpoint.ts). */
export type CheckpointTiming = Partial<Pick<DeferredCheckpointOptions, 'delayMs' | 'maxWalBytes'>>;

/** Name and date of birth for the offline list: the first source's patient, else the kept banner. */
function bannerOf(snapshot: RecordSnapshot): { name: string; birthDate?: string } {
  const patient = snapshot.sources.find((s) => s.patient)?.patient;
  if (!patient)
    return {
      name: snapshot.patientFallback?.name ?? 'Name not known',
      birthDate: snapshot.patientFallback?.birthDate,
    };
  return {
    name: bannerName(patient),
    ...(typeof patient.birthDate === 'string' ? { birthDate: patient.birthDate } : {}),
  };
}
