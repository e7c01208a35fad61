// Caseload alerts kept in the encrypted offline store (one shared copy, governed for the patient before it is
// kept and for the user on every read), for the caseload's (pinned) retention: they go when it ends, with the
// patient's record, and with "delete all offline records".
import type { CaseloadEvent, KeptEventQuery } from '../../../common/caseload-events';
import type { SqliteDatabase } from './encrypted-database';

export interface CaseloadEventStoreDeps {
  run<T>(query: (db: SqliteDatabase) => T, onReset: (db: SqliteDatabase) => T): Promise<T>;
  /** When an event kept now expires: the caseload's retention. */
  expiresAt(now: Date): string;
  clock: () => Date;
}

export class CaseloadEventStore {
  constructor(private readonly deps: CaseloadEventStoreDeps) {}

  /** Keeps the events not kept before; returns those that are new (a redelivered id is not). */
  async add(events: readonly CaseloadEvent[]): Promise<CaseloadEvent[]> {
    if (!events.length) return [];
    const expires = this.deps.expiresAt(this.deps.clock());
    const write = (db: SqliteDatabase): CaseloadEvent[] => {
      const insert = db.prepare(
        `INSERT OR IGNORE INTO caseload_events (id, nhs_number, source_id, at, received_at, expires_at, event_json)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      return db.transaction(() =>
        events.filter(
          (e) =>
            insert.run(e.id, e.nhsNumber, e.sourceId, e.at, e.receivedAt, expires, JSON.stringify(e))
              .changes > 0,
        ),
      )();
    };
    return this.deps.run(write, write);
  }

  /**
   * Newest first (by when it happened, then when received, then id), while retention lasts. `total` counts every
   * event about the patients kept since `since`, wherever the page starts.
   */
  async page(query: KeptEventQuery): Promise<{
    rows: CaseloadEvent[];
    total: number;
  }> {
    const now = this.deps.clock().toISOString();
    const since = query.since ?? '';
    const after = query.olderThan;
    // Listed after the cursor, in the order below: earlier, or as early and received earlier, or both the same
    // and a later id.
    const afterCursor = after
      ? 'AND (at < ? OR (at = ? AND (received_at < ? OR (received_at = ? AND id > ?))))'
      : '';
    const cursor = after ? [after.at, after.at, after.receivedAt, after.receivedAt, after.id] : [];
    return this.deps.run(
      (db) => {
        const kept = 'expires_at > ? AND at >= ? AND nhs_number IN (SELECT value FROM json_each(?))';
        const patients = JSON.stringify(query.patients);
        const total = db
          .prepare(`SELECT count(*) FROM caseload_events WHERE ${kept}`)
          .pluck()
          .get(now, since, patients) as number;
        const rows = (
          db
            .prepare(
              `SELECT event_json FROM caseload_events WHERE ${kept} ${afterCursor}
               ORDER BY at DESC, received_at DESC, id LIMIT ? OFFSET ?`,
            )
            .pluck()
            .all(now, since, patients, ...cursor, query.limit, query.offset) as string[]
        ).map((json) => JSON.parse(json) as CaseloadEvent);
        return { rows, total };
      },
      () => ({ rows: [], total: 0 }),
    );
  }

  async reportsOn(nhsNumber: string): Promise<boolean> {
    const now = this.deps.clock().toISOString();
    return this.deps.run(
      (db) =>
        db
          .prepare('SELECT 1 FROM caseload_events WHERE nhs_number = ? AND expires_at > ? LIMIT 1')
          .pluck()
          .get(nhsNumber, now) !== undefined,
      () => false,
    );
  }

  async removeFor(nhsNumber: string): Promise<number> {
    const remove = (db: SqliteDatabase) =>
      db.prepare('DELETE FROM caseload_events WHERE nhs_number = ?').run(nhsNumber).changes;
    return this.deps.run(remove, () => 0);
  }

  async removeAll(): Promise<number> {
    return this.deps.run(
      (db) => db.prepare('DELETE FROM caseload_events').run().changes,
      () => 0,
    );
  }

  async removeExpired(now: Date): Promise<number> {
    return this.deps.run(
      (db) => db.prepare('DELETE FROM caseload_events WHERE expires_at <= ?').run(now.toISOString()).changes,
      () => 0,
    );
  }
}
