// `audit verify`: the local chain against the head the audit server acknowledged (database and keystore
// copies), and, when online, against the head the server holds now.
import { CHAIN_HEADERS, ChainAnchorTable, headFromHeaders, verifyAnchored } from './anchor';
import type { AnchorKeystore, AnchoredVerification } from './anchor';
import { AuditLog, type SqliteDatabase } from './audit-log';
import type { AudienceToken } from './audit-token';
import { startedAfterLostLog } from './audit-database';

export async function verifyAuditLog(
  db: SqliteDatabase,
  keystore?: AnchorKeystore,
): Promise<AnchoredVerification & { chainId?: string; startedAfterLoss?: string }> {
  const log = new AuditLog(db);
  const anchors = new ChainAnchorTable(db);
  const chainId = anchors.chainId();
  const database = anchors.acknowledged();
  const kept = await keystore?.get();
  const rows = log.all();
  const result = verifyAnchored(rows, log.chainHead(), chainId, {
    ...(database ? { database } : {}),
    ...(kept ? { keystore: kept } : {}),
  });
  // A log that began because an earlier one was lost says so every time, however intact it is itself.
  const startedAfterLoss = startedAfterLostLog(rows[0]?.eventJson);
  return { ...result, ...(chainId ? { chainId } : {}), ...(startedAfterLoss ? { startedAfterLoss } : {}) };
}

export type ServerComparison =
  { ok: true; serverSeq: number; notYetSent: number } | { ok: false; problem: string };

/** Asks the audit server for the head of this log's chain and compares it with the local events. */
export async function compareWithServer(options: {
  db: SqliteDatabase;
  endpoint: string;
  /** The audit endpoint's token: refused unless its audience is this endpoint's origin. */
  token?: AudienceToken;
  fetch?: typeof fetch;
}): Promise<ServerComparison> {
  // A token goes only to the server it was issued for (an old endpoint, moved from, is not it).
  if (options.token && !sameOrigin(options.token.audience, options.endpoint)) {
    return {
      ok: false,
      problem: `the viewer's audit token is for ${new URL(options.token.audience).origin}, not this server, so it was not sent`,
    };
  }
  const log = new AuditLog(options.db);
  const chainId = new ChainAnchorTable(options.db).chainId();
  if (!chainId)
    return { ok: false, problem: 'this audit log has no chain id, so the server cannot be asked' };
  const headers: Record<string, string> = { [CHAIN_HEADERS.chain]: chainId, accept: 'application/fhir+json' };
  let response: Response;
  try {
    const token = await options.token?.get();
    if (token) headers.authorization = `Bearer ${token}`;
    response = await (options.fetch ?? fetch)(`${options.endpoint.replace(/\/+$/, '')}/AuditEvent?_count=0`, {
      headers,
      signal: AbortSignal.timeout(15_000),
    });
    await response.arrayBuffer().catch(() => undefined);
  } catch (error) {
    return {
      ok: false,
      problem: `the audit server could not be asked (${error instanceof Error ? error.message : 'no answer'})`,
    };
  }
  if (response.status === 401 || response.status === 403) {
    return { ok: false, problem: `the audit server refused the viewer's sign-in (HTTP ${response.status})` };
  }
  const head = headFromHeaders(response.headers);
  if (!response.ok || !head) {
    return {
      ok: false,
      problem: `the audit server did not say which events it holds (HTTP ${response.status})`,
    };
  }
  const rows = log.all();
  if (head.seq > rows.length) {
    return {
      ok: false,
      problem: `the audit server holds ${head.seq} events of this log but the log ends at event ${rows.length} (events removed)`,
    };
  }
  if (head.seq > 0 && rows[head.seq - 1]?.hash !== head.hash) {
    return { ok: false, problem: `event ${head.seq} differs from the audit server's copy` };
  }
  return { ok: true, serverSeq: head.seq, notYetSent: rows.length - head.seq };
}

/** Whether both are URLs with the same origin. */
export function sameOrigin(a: string, b: string): boolean {
  return URL.canParse(a) && URL.canParse(b) && new URL(a).origin === new URL(b).origin;
}
