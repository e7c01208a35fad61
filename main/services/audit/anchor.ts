// Anchoring the local audit chain to the audit server. Each uploaded event carries its chain id, sequence
// number and chain hash; the server verifies the chain and acknowledges the head it holds. The last
// acknowledged head is kept twice: in audit.db (audit_anchor) and in the OS keystore, which someone who can
// edit the database file cannot rewrite. Verification then needs the local chain to still reach that head
// with the same hash: deleting events from the end, or editing an event and recomputing every hash after it,
// no longer passes.
import { randomUUID } from 'node:crypto';
import type { SecretStore } from '../keystore/secret-store';
import type { AuditRow, ChainVerification, SqliteDatabase } from './audit-log';
import { verifyChain } from './audit-log';

/** The head of a device's chain as the audit server acknowledged it. */
export interface AcknowledgedHead {
  chainId: string;
  seq: number;
  hash: string;
  endpoint: string;
  /** ISO time the acknowledgement arrived. */
  at: string;
}

/** The upload headers (the body stays the AuditEvent, byte for byte what was hashed). */
export const CHAIN_HEADERS = {
  chain: 'x-audit-chain',
  seq: 'x-audit-seq',
  prevHash: 'x-audit-prev-hash',
  hash: 'x-audit-hash',
  headSeq: 'x-audit-head-seq',
  headHash: 'x-audit-head-hash',
} as const;

const CHAIN_ID = /^[A-Za-z0-9-]{8,64}$/;
const HASH = /^[0-9a-f]{64}$/;

/** audit.db migration 2: the chain's id (one per audit log) and the last head the server acknowledged. */
export function migrateAuditAnchor(db: SqliteDatabase): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS audit_anchor (
      one INTEGER PRIMARY KEY CHECK (one = 1),
      chain_id TEXT NOT NULL,
      ack_seq INTEGER,
      ack_hash TEXT,
      endpoint TEXT,
      acknowledged_at TEXT
    );
  `);
  db.prepare('INSERT OR IGNORE INTO audit_anchor (one, chain_id) VALUES (1, ?)').run(randomUUID());
}

interface AnchorRow {
  chain_id: string;
  ack_seq: number | null;
  ack_hash: string | null;
  endpoint: string | null;
  acknowledged_at: string | null;
}

/** The anchor table of one audit database (absent in a log written before anchoring existed). */
export class ChainAnchorTable {
  constructor(private readonly db: SqliteDatabase) {}

  private row(): AnchorRow | undefined {
    const exists = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_anchor'")
      .get();
    if (!exists) return undefined;
    return this.db.prepare('SELECT * FROM audit_anchor WHERE one = 1').get() as AnchorRow | undefined;
  }

  /** This log's chain id, or undefined for a log from before anchoring. */
  chainId(): string | undefined {
    return this.row()?.chain_id;
  }

  acknowledged(): AcknowledgedHead | undefined {
    const row = this.row();
    if (!row || row.ack_seq === null || !row.ack_hash || !row.endpoint || !row.acknowledged_at)
      return undefined;
    return {
      chainId: row.chain_id,
      seq: row.ack_seq,
      hash: row.ack_hash,
      endpoint: row.endpoint,
      at: row.acknowledged_at,
    };
  }

  /** Keeps the furthest acknowledged head: an older acknowledgement never moves the anchor back. */
  recordAcknowledged(head: AcknowledgedHead): void {
    this.db
      .prepare(
        'UPDATE audit_anchor SET ack_seq = ?, ack_hash = ?, endpoint = ?, acknowledged_at = ? ' +
          'WHERE one = 1 AND chain_id = ? AND (ack_seq IS NULL OR ack_seq < ?)',
      )
      .run(head.seq, head.hash, head.endpoint, head.at, head.chainId, head.seq);
  }

  /** The server holds events up to `seq` only: every later event is to be sent again. */
  resendAfter(seq: number): void {
    this.db.prepare('UPDATE audit_event SET uploaded_at = NULL WHERE seq > ?').run(seq);
  }
}

/** The keystore copy of the acknowledged head, one per audit log (named like the log's key). */
export interface AnchorKeystore {
  /** 'unreadable' when something is stored that is not a head (reported, never ignored). */
  get(): Promise<AcknowledgedHead | 'unreadable' | undefined>;
  put(head: AcknowledgedHead): Promise<void>;
}

export function keystoreAnchor(store: SecretStore, auditKeyName: string): AnchorKeystore {
  const account = `audit-anchor:${auditKeyName}`;
  return {
    async get() {
      const stored = await store.get(account);
      return stored === null ? undefined : parseHead(stored);
    },
    async put(head) {
      await store.set(account, JSON.stringify(head));
    },
  };
}

function parseHead(text: string): AcknowledgedHead | 'unreadable' {
  try {
    const value = JSON.parse(text) as Partial<AcknowledgedHead>;
    if (
      typeof value.chainId === 'string' &&
      Number.isInteger(value.seq) &&
      typeof value.hash === 'string' &&
      HASH.test(value.hash) &&
      typeof value.endpoint === 'string' &&
      typeof value.at === 'string'
    ) {
      return value as AcknowledgedHead;
    }
  } catch {
    // not JSON: unreadable, like any other shape
  }
  return 'unreadable';
}

/** A server's head from its reply headers, when it sent a well-formed one. */
export function headFromHeaders(headers: Headers): { seq: number; hash: string } | undefined {
  const seqText = headers.get(CHAIN_HEADERS.headSeq);
  const hash = headers.get(CHAIN_HEADERS.headHash) ?? '';
  if (seqText === null || !/^\d{1,15}$/.test(seqText)) return undefined;
  const seq = Number(seqText);
  if (seq === 0 && hash === '') return { seq, hash };
  return HASH.test(hash) ? { seq, hash } : undefined;
}

export function isChainId(value: string): boolean {
  return CHAIN_ID.test(value);
}

export type AnchoredVerification =
  (ChainVerification & { ok: false }) | { ok: true; count: number; head: string; anchor?: AcknowledgedHead };

/**
 * The local chain must be intact, and must still reach the acknowledged head with the same hash. The keystore
 * copy outranks the database copy: the further of the two counts, and a rewrite of the database copy cannot
 * move the anchor back.
 */
export function verifyAnchored(
  rows: AuditRow[],
  localHead: { seq: number; hash: string } | undefined,
  chainId: string | undefined,
  stored: { database?: AcknowledgedHead; keystore?: AcknowledgedHead | 'unreadable' },
): AnchoredVerification {
  const local = verifyChain(rows, localHead);
  if (!local.ok) return local;
  const fail = (seq: number, problem: string): AnchoredVerification => ({
    ok: false,
    count: rows.length,
    firstBadSeq: seq,
    problem,
  });
  const { keystore, database } = stored;
  if (keystore === 'unreadable') {
    return fail(1, 'the acknowledged head kept in the keystore is unreadable');
  }
  if (keystore && keystore.chainId !== chainId) {
    return fail(
      1,
      `the audit server acknowledged event ${keystore.seq} of another audit log in this folder ` +
        `(chain ${keystore.chainId}); this log is not the one it acknowledged`,
    );
  }
  if (keystore && database && keystore.seq === database.seq && keystore.hash !== database.hash) {
    return fail(keystore.seq, 'the acknowledged head in the database differs from the keystore copy');
  }
  const anchor = keystore && (!database || keystore.seq >= database.seq) ? keystore : database;
  if (!anchor) return local;
  // The local chain is intact here, so rows hold events 1..count in order.
  if (local.count < anchor.seq) {
    return fail(
      local.count + 1,
      `the log ends at event ${local.count} but the audit server acknowledged event ${anchor.seq} ` +
        '(events removed from the end)',
    );
  }
  if (anchor.seq > 0 && rows[anchor.seq - 1]?.hash !== anchor.hash) {
    return fail(
      anchor.seq,
      `the hash at event ${anchor.seq} differs from the one the audit server acknowledged ` +
        '(events rewritten and their hashes recomputed)',
    );
  }
  return { ...local, anchor };
}
