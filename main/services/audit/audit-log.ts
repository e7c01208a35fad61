// The local audit log: an append-only, hash-chained table inside the encrypted audit database.
// Each row stores the canonical JSON of one AuditEvent, the hash of the row before it, and
// hash = sha256(prev_hash || canonical event). Editing, deleting or reordering rows breaks the chain,
// and verifyChain names the first sequence number that no longer follows.
import { createHash } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3-multiple-ciphers';
import type { AuditEvent } from '../../../common/fhir';
import { canonicalJson } from '../../../common/canonical-json';
import type { RunningViewers } from './running-viewers';

export type SqliteDatabase = BetterSqlite3.Database;

/** prev_hash of the first event. */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditRow {
  seq: number;
  id: string;
  eventJson: string;
  prevHash: string;
  hash: string;
  uploadedAt: string | null;
  attempts: number;
  lastError: string | null;
}

export type ChainVerification =
  | { ok: true; count: number; head: string }
  | { ok: false; count: number; firstBadSeq: number; problem: string };

export function chainHash(prevHash: string, eventJson: string): string {
  return createHash('sha256').update(prevHash).update(eventJson).digest('hex');
}

/** Idempotent: safe to run on every open. */
export function migrateAuditLog(db: SqliteDatabase): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS audit_event (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      event_json TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL,
      uploaded_at TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT
    );
    CREATE INDEX IF NOT EXISTS audit_event_pending ON audit_event(seq) WHERE uploaded_at IS NULL;
    CREATE TABLE IF NOT EXISTS audit_chain_head (
      one INTEGER PRIMARY KEY CHECK (one = 1),
      seq INTEGER NOT NULL,
      hash TEXT NOT NULL
    );
    -- Actions begun (their event is in the chain) and not yet ended: a crash leaves them here, and the next
    -- start appends what became of each. Not part of the chain: a row only says "not finished yet".
    CREATE TABLE IF NOT EXISTS audit_open (
      event_id TEXT PRIMARY KEY REFERENCES audit_event(id),
      pid INTEGER NOT NULL,
      started_at TEXT NOT NULL,
      run_id TEXT
    );
    CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event
      BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
    CREATE TRIGGER IF NOT EXISTS audit_event_no_edit
      BEFORE UPDATE OF seq, id, event_json, prev_hash, hash ON audit_event
      BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
  `);
}

interface RawRow {
  seq: number;
  id: string;
  event_json: string;
  prev_hash: string;
  hash: string;
  uploaded_at: string | null;
  attempts: number;
  last_error: string | null;
}

const toRow = (r: RawRow): AuditRow => ({
  seq: r.seq,
  id: r.id,
  eventJson: r.event_json,
  prevHash: r.prev_hash,
  hash: r.hash,
  uploadedAt: r.uploaded_at,
  attempts: r.attempts,
  lastError: r.last_error,
});

/** Logs made before version 3 have no run id on their open actions. */
export function migrateAuditRunIds(db: SqliteDatabase): void {
  const columns = db.prepare('PRAGMA table_info(audit_open)').all() as { name: string }[];
  if (!columns.some((c) => c.name === 'run_id')) db.exec('ALTER TABLE audit_open ADD COLUMN run_id TEXT');
}

export interface OpenAction {
  event: AuditEvent & { id: string };
  pid: number;
  runId: string | null;
  startedAt: string;
}

/** A process that still exists (for actions begun before run ids: a reused pid can fool this). */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

export class AuditLog {
  /** `running`: how this log tells a viewer still at work from one that ended (tools reading a log pass none). */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly running?: RunningViewers,
  ) {
    migrateAuditLog(db);
    migrateAuditRunIds(db);
  }

  /** Appends in one transaction; an event whose id is already logged is not appended twice. */
  append(event: AuditEvent & { id: string }): AuditRow {
    return this.naming(() => this.db.transaction(() => this.appendInTransaction(event)).immediate());
  }

  /** A write that fails names the log's file (a full disk is then reported with its folder). */
  private naming<T>(write: () => T): T {
    try {
      return write();
    } catch (error) {
      if (error instanceof Error && !('path' in error)) Object.assign(error, { path: this.db.name });
      throw error;
    }
  }

  /** Appends the event of an action about to start, and marks the action open, in one transaction. */
  appendOpen(event: AuditEvent & { id: string }, startedAt: Date): AuditRow {
    return this.naming(() =>
      this.db
        .transaction(() => {
          const row = this.appendInTransaction(event);
          this.db
            .prepare(
              'INSERT OR IGNORE INTO audit_open (event_id, pid, started_at, run_id) VALUES (?, ?, ?, ?)',
            )
            .run(event.id, process.pid, startedAt.toISOString(), this.running?.runId ?? null);
          return row;
        })
        .immediate(),
    );
  }

  /**
   * Ends an open action, appending what became of it (when that is worth an event) in the same transaction.
   * Only the one who ends it says so: an action another process has already ended gets no second word.
   */
  close(eventId: string, followUp?: AuditEvent & { id: string }): boolean {
    return this.naming(() =>
      this.db
        .transaction(() => {
          const ended =
            this.db.prepare('DELETE FROM audit_open WHERE event_id = ?').run(eventId).changes === 1;
          if (ended && followUp) this.appendInTransaction(followUp);
          return ended;
        })
        .immediate(),
    );
  }

  /** Actions begun and not ended, with the process that began them, oldest first. */
  openActions(): OpenAction[] {
    return (
      this.db
        .prepare(
          `SELECT event_json, pid, run_id, started_at FROM audit_open
           JOIN audit_event ON audit_event.id = audit_open.event_id ORDER BY seq`,
        )
        .all() as { event_json: string; pid: number; run_id: string | null; started_at: string }[]
    ).map((r) => ({
      event: JSON.parse(r.event_json) as AuditEvent & { id: string },
      pid: r.pid,
      runId: r.run_id,
      startedAt: r.started_at,
    }));
  }

  /** Open actions whose viewer has ended: nobody is left to finish them. */
  abandonedActions(): OpenAction[] {
    return this.openActions().filter((open) => !this.stillRunning(open));
  }

  private stillRunning(open: OpenAction): boolean {
    if (open.runId && this.running) return this.running.isRunning(open.runId);
    return open.pid === process.pid || pidExists(open.pid);
  }

  private appendInTransaction(event: AuditEvent & { id: string }): AuditRow {
    const eventJson = canonicalJson(event);
    const tx = (): AuditRow => {
      const existing = this.db.prepare('SELECT * FROM audit_event WHERE id = ?').get(event.id) as
        RawRow | undefined;
      if (existing) return toRow(existing);
      const head = this.db.prepare('SELECT seq, hash FROM audit_chain_head WHERE one = 1').get() as
        { seq: number; hash: string } | undefined;
      const seq = (head?.seq ?? 0) + 1;
      const prevHash = head?.hash ?? GENESIS_HASH;
      const hash = chainHash(prevHash, eventJson);
      this.db
        .prepare('INSERT INTO audit_event (seq, id, event_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?)')
        .run(seq, event.id, eventJson, prevHash, hash);
      this.db
        .prepare(
          'INSERT INTO audit_chain_head (one, seq, hash) VALUES (1, ?, ?) ' +
            'ON CONFLICT(one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash',
        )
        .run(seq, hash);
      return { seq, id: event.id, eventJson, prevHash, hash, uploadedAt: null, attempts: 0, lastError: null };
    };
    return tx();
  }

  all(): AuditRow[] {
    return (this.db.prepare('SELECT * FROM audit_event ORDER BY seq').all() as RawRow[]).map(toRow);
  }

  events(): (AuditEvent & { id: string })[] {
    return this.all().map((r) => JSON.parse(r.eventJson) as AuditEvent & { id: string });
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM audit_event').get() as { n: number }).n;
  }

  /** Not yet accepted by the audit endpoint, oldest first. */
  pending(limit = 100): AuditRow[] {
    return (
      this.db
        .prepare('SELECT * FROM audit_event WHERE uploaded_at IS NULL ORDER BY seq LIMIT ?')
        .all(limit) as RawRow[]
    ).map(toRow);
  }

  pendingCount(): number {
    return (
      this.db.prepare('SELECT count(*) AS n FROM audit_event WHERE uploaded_at IS NULL').get() as {
        n: number;
      }
    ).n;
  }

  /**
   * Marks the event uploaded, in one transaction (one flush to disk) with `alongside`: another write to this
   * log's database, such as the acknowledged head the server answered with.
   */
  markUploaded(seq: number, at: Date, alongside?: () => void): void {
    this.db.transaction(() => {
      alongside?.();
      this.db
        .prepare('UPDATE audit_event SET uploaded_at = ?, last_error = NULL WHERE seq = ?')
        .run(at.toISOString(), seq);
    })();
  }

  markFailed(seq: number, error: string): void {
    this.db
      .prepare('UPDATE audit_event SET attempts = attempts + 1, last_error = ? WHERE seq = ?')
      .run(error.slice(0, 500), seq);
  }

  /** The head row kept beside the events (anyone who can edit the file can rewrite it: see anchor.ts). */
  chainHead(): { seq: number; hash: string } | undefined {
    return this.db.prepare('SELECT seq, hash FROM audit_chain_head WHERE one = 1').get() as
      { seq: number; hash: string } | undefined;
  }

  verify(): ChainVerification {
    return verifyChain(this.all(), this.chainHead());
  }
}

/**
 * Walks the rows in seq order. Detects: an edited event (hash no longer matches its content), a deleted
 * event (a gap in seq, or prev_hash not the previous row's hash), reordered events (prev_hash mismatch),
 * and events removed from the end (the recorded chain head is missing or differs).
 */
export function verifyChain(rows: AuditRow[], head?: { seq: number; hash: string }): ChainVerification {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  const fail = (seq: number, problem: string): ChainVerification => ({
    ok: false,
    count: rows.length,
    firstBadSeq: seq,
    problem,
  });
  for (const row of rows) {
    if (row.seq !== expectedSeq) {
      return fail(expectedSeq, `event ${expectedSeq} is missing (next event found is ${row.seq})`);
    }
    let event: unknown;
    try {
      event = JSON.parse(row.eventJson);
    } catch {
      return fail(row.seq, `event ${row.seq} is not readable JSON`);
    }
    if (canonicalJson(event) !== row.eventJson || (event as { id?: unknown }).id !== row.id) {
      return fail(row.seq, `event ${row.seq} has been altered`);
    }
    if (row.prevHash !== prevHash) {
      return fail(
        row.seq,
        `event ${row.seq} does not follow event ${row.seq - 1} (deleted, reordered or edited)`,
      );
    }
    if (chainHash(row.prevHash, row.eventJson) !== row.hash) {
      return fail(row.seq, `event ${row.seq} has been altered (its hash does not match its content)`);
    }
    prevHash = row.hash;
    expectedSeq += 1;
  }
  const last = rows.length;
  if (head && head.seq > last) {
    return fail(
      last + 1,
      `the log should end at event ${head.seq} but ends at event ${last} (events removed)`,
    );
  }
  if (head && head.seq < last) {
    return fail(head.seq + 1, `events after ${head.seq} were not appended by the viewer`);
  }
  if (head && head.hash !== prevHash)
    return fail(last, `event ${last} does not match the recorded chain head`);
  if (!head && last > 0) return fail(1, 'the chain head record is missing');
  return { ok: true, count: last, head: prevHash };
}
