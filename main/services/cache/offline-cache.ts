// The offline cache: the merged, governed Wessex record exactly as the UI shows it, one row per record and
// one row per item, in the encrypted database. Everything a query needs to recover from a file that turns
// out to be unreadable mid-session goes through `guard`.
import type { CachedRecordSummary } from '../../../preload/contract';
import { normaliseNhsNumber } from '../../../common/nhs-number';
import {
  SECTION_ORDER,
  type RecordItem,
  type SectionId,
  type SourceStatus,
  type WessexRecord,
} from '../../../common/record';
import { unreadableReason, type EncryptedDatabase, type SqliteDatabase } from './encrypted-database';
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
  /** The record came from a full fetch of every source (not an incremental merge). Default true. */
  fullRefresh?: boolean;
  /** Per-source "as of" instants to use for the next incremental refresh; default each source's fetchedAt. */
  sourcesAsOf?: Record<string, string>;
}

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
const META_COLUMNS =
  'nhs_number, name, birth_date, fetched_at, expires_at, pinned, sources_json, sources_as_of_json, full_refreshed_at';

export class CacheRecordError extends Error {}

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

function codeColumn(item: RecordItem): string | null {
  if (!item.code?.code) return null;
  return item.code.system ? `${item.code.system}|${item.code.code}` : item.code.code;
}

function defaultSourcesAsOf(sources: SourceStatus[]): Record<string, string> {
  return Object.fromEntries(sources.filter((s) => s.fetchedAt).map((s) => [s.id, s.fetchedAt as string]));
}

export interface LoadOptions {
  /** Only these sections' items (the summary screen does not need 20,000 results to paint). */
  sections?: readonly SectionId[];
  /** Only the newest N results (by clinical date); the rest of the history can be loaded when asked for. */
  recentResults?: number;
}

/** Item JSON in record order; partial loads read only the rows they need (through the section index). */
function readItems(db: SqliteDatabase, nhs: string, options: LoadOptions): string[] {
  if (!options.sections && options.recentResults === undefined) {
    return db
      .prepare('SELECT item_json FROM items WHERE nhs_number = ? ORDER BY position')
      .pluck()
      .all(nhs) as string[];
  }
  const sections = options.sections ?? SECTION_ORDER;
  const limitResults = options.recentResults !== undefined && sections.includes('results');
  const whole = sections.filter((s) => !(limitResults && s === 'results'));
  const rows: [number, string][] = whole.length
    ? (db
        .prepare(
          `SELECT position, item_json FROM items WHERE nhs_number = ? AND section IN (${whole.map(() => '?').join(',')})`,
        )
        .raw()
        .all(nhs, ...whole) as [number, string][])
    : [];
  if (limitResults) {
    const newest = db
      .prepare(
        "SELECT position, item_json FROM items WHERE nhs_number = ? AND section = 'results' ORDER BY date DESC LIMIT ?",
      )
      .raw()
      .all(nhs, Math.max(0, Math.floor(options.recentResults ?? 0))) as [number, string][];
    rows.push(...newest);
  }
  return rows.sort((x, y) => x[0] - y[0]).map((r) => r[1]);
}

/** Every removal of offline records, whoever asked: the audit log hears of each one (counts, never who). */
export interface CachePurge {
  trigger: 'user' | 'retention' | 'sign-out' | 'all';
  count: number;
  nhsNumber?: string;
}

export class OfflineCache {
  /** Plain-words notices for the user (shown once by the app, printed by the CLI). */
  readonly notices: string[] = [];

  constructor(
    private readonly database: EncryptedDatabase,
    private retention: RetentionPolicy,
    private readonly clock: () => Date = () => new Date(),
    private readonly onPurged: (purge: CachePurge) => void = () => undefined,
  ) {
    if (database.recovered) this.notices.push(OFFLINE_CACHE_RESET_NOTICE);
  }

  setRetention(retention: RetentionPolicy): void {
    this.retention = retention;
  }

  /** Runs a query; if the file proves unreadable, replaces it, tells the user, and runs `onReset` instead. */
  private async guard<T>(run: (db: SqliteDatabase) => T, onReset: (db: SqliteDatabase) => T): Promise<T> {
    try {
      return run(this.database.db);
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

  /** Replaces the cached copy of this patient's record in one transaction. */
  async saveRecord(record: WessexRecord, options: SaveOptions = {}): Promise<void> {
    const nhs = record.patient.nhsNumber ? nhsKey(record.patient.nhsNumber) : '';
    if (!/^\d{10}$/.test(nhs)) {
      throw new CacheRecordError('A record without a ten-digit NHS number cannot be kept offline.');
    }
    const write = (db: SqliteDatabase): void => {
      const now = this.clock();
      const previous = db
        .prepare('SELECT pinned, full_refreshed_at FROM records WHERE nhs_number = ?')
        .get(nhs) as { pinned: number; full_refreshed_at: string | null } | undefined;
      const pinned = options.pinned ?? previous?.pinned === 1;
      const fullRefreshedAt =
        (options.fullRefresh ?? true) ? now.toISOString() : (previous?.full_refreshed_at ?? null);
      const { items, offline: _offline, ...rest } = record;
      const insertItem = db.prepare(
        `INSERT INTO items (nhs_number, position, item_key, section, resource_type, date, code, source_ids, item_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      db.transaction(() => {
        db.prepare('DELETE FROM items WHERE nhs_number = ?').run(nhs);
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
          record.patient.name,
          record.patient.name.toLowerCase(),
          record.patient.birthDate ?? null,
          now.toISOString(),
          this.expiresAt(now, pinned),
          pinned ? 1 : 0,
          JSON.stringify(record.sources),
          JSON.stringify(options.sourcesAsOf ?? defaultSourcesAsOf(record.sources)),
          fullRefreshedAt,
          JSON.stringify(rest),
        );
        items.forEach((item, position) => {
          const sourceIds = [...new Set(item.provenance.map((p) => p.sourceId))];
          insertItem.run(
            nhs,
            position,
            item.key,
            item.section,
            item.resourceType,
            item.date ?? null,
            codeColumn(item),
            `,${sourceIds.join(',')},`,
            JSON.stringify(item),
          );
        });
      })();
    };
    await this.guard(write, write);
  }

  /**
   * The cached record as it was saved, or undefined. With `sections`, only those sections' items are read
   * (the summary screen does not need 20,000 results to paint).
   */
  async loadRecord(nhsNumber: string, options: LoadOptions = {}): Promise<WessexRecord | undefined> {
    const nhs = nhsKey(nhsNumber);
    return this.guard(
      (db) => {
        const row = db.prepare('SELECT record_json FROM records WHERE nhs_number = ?').pluck().get(nhs) as
          string | undefined;
        if (row === undefined) return undefined;
        const itemRows = readItems(db, nhs, options);
        const rest = JSON.parse(row) as Omit<WessexRecord, 'items'>;
        const items = JSON.parse(`[${itemRows.join(',')}]`) as RecordItem[];
        return { ...rest, items } as WessexRecord;
      },
      () => undefined,
    );
  }

  /** How many cached items each section holds (so a partial load can still say "and 19,000 more results"). */
  async sectionCounts(nhsNumber: string): Promise<Partial<Record<SectionId, number>>> {
    return this.guard(
      (db) => {
        const rows = db
          .prepare('SELECT section, count(*) AS n FROM items WHERE nhs_number = ? GROUP BY section')
          .all(nhsKey(nhsNumber)) as { section: SectionId; n: number }[];
        return Object.fromEntries(rows.map((r) => [r.section, r.n]));
      },
      () => ({}),
    );
  }

  async meta(nhsNumber: string): Promise<CachedRecordMeta | undefined> {
    return this.guard(
      (db) => {
        const row = db
          .prepare(`SELECT ${META_COLUMNS} FROM records WHERE nhs_number = ?`)
          .get(nhsKey(nhsNumber)) as RecordRow | undefined;
        return row && toMeta(row);
      },
      () => undefined,
    );
  }

  async list(): Promise<CachedRecordSummary[]> {
    return this.guard(
      (db) =>
        (db.prepare(`SELECT ${META_COLUMNS} FROM records ORDER BY name_search`).all() as RecordRow[]).map(
          (r) => toSummary(toMeta(r)),
        ),
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
            .prepare(`SELECT ${META_COLUMNS} FROM records WHERE ${where} ORDER BY name_search LIMIT 100`)
            .all(...params) as RecordRow[]
        ).map((r) => toSummary(toMeta(r))),
      () => [],
    );
  }

  async delete(nhsNumber: string): Promise<boolean> {
    const nhs = nhsKey(nhsNumber);
    const deleted = await this.guard(
      (db) => db.prepare('DELETE FROM records WHERE nhs_number = ?').run(nhs).changes > 0,
      () => false,
    );
    if (deleted) this.onPurged({ trigger: 'user', count: 1, nhsNumber: nhs });
    return deleted;
  }

  /** "Delete all offline records". Returns how many records were removed. */
  async deleteAll(): Promise<number> {
    const count = await this.guard(
      (db) =>
        db.transaction(() => {
          db.prepare('DELETE FROM items').run();
          return db.prepare('DELETE FROM records').run().changes;
        })(),
      () => 0,
    );
    this.onPurged({ trigger: 'all', count });
    return count;
  }

  /** Removes records past their expiry. Returns how many were removed. */
  async purgeExpired(
    now: Date = this.clock(),
    trigger: CachePurge['trigger'] = 'retention',
  ): Promise<number> {
    const count = await this.guard(
      (db) => db.prepare('DELETE FROM records WHERE expires_at <= ?').run(now.toISOString()).changes,
      () => 0,
    );
    if (count > 0) this.onPurged({ trigger, count });
    return count;
  }

  /** Sign-out: expired records go now; the rest stay for offline use until expiry or "delete all". */
  async onSignOut(): Promise<number> {
    return this.purgeExpired(this.clock(), 'sign-out');
  }

  async rekey(): Promise<void> {
    await this.database.rekey();
  }

  close(): void {
    this.database.close();
  }
}
