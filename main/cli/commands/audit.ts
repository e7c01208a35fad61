// `wessex audit export` (FHIR Bundle or CSV, for an information governance lead) and `wessex audit verify`
// (walks the hash chain and checks it still reaches the head the audit server acknowledged; `--online` also
// asks the server; exits non-zero naming the first broken event).
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { formatUkDateTime } from '../../../common/london-date';
import { createKeytarSecretStore } from '../../services/keystore/secret-store';
import { createSecretStoreKeyVault } from '../../services/cache/key-vault';
import { auditDatabasePath, resolveDataDir } from '../../services/paths';
import {
  AuditLog,
  auditBundle,
  auditCsv,
  auditKeyName,
  auditTokenSource,
  compareWithServer,
  keystoreAnchor,
  openAuditDatabaseForInspection,
  sameOrigin,
  verifyAuditLog,
  type AnchoredVerification,
  type ServerComparison,
  type SqliteDatabase,
} from '../../services/audit';
import { loadPolicyOrExplain } from '../policy-or-explain';
import { standaloneSignIn } from '../sign-in';
import { AUDIT_TARGET_ID, exchangeTargets, userTokens } from '../../services/auth/user-tokens';

interface DbOptions {
  dataDir?: string;
  db?: string;
}

const auditPath = (options: DbOptions): string =>
  options.db ?? auditDatabasePath(resolveDataDir(options.dataDir));

async function withAuditDatabase<T>(
  options: DbOptions,
  use: (db: SqliteDatabase) => Promise<T> | T,
): Promise<T> {
  const keyVault = createSecretStoreKeyVault(createKeytarSecretStore());
  const db = await openAuditDatabaseForInspection(auditPath(options), keyVault);
  try {
    return await use(db);
  } finally {
    db.close();
  }
}

const withAuditLog = <T>(options: DbOptions, use: (log: AuditLog) => T): Promise<T> =>
  withAuditDatabase(options, (db) => use(new AuditLog(db)));

/** "intact: 12 events, anchored at #10 acknowledged by https://… at …" or why it is not anchored. */
function describeIntact(result: AnchoredVerification & { ok: true }): string {
  const waiting =
    result.anchor && result.anchor.seq < result.count
      ? ` (events ${result.anchor.seq + 1}–${result.count} not yet acknowledged)`
      : '';
  const anchor = result.anchor
    ? `anchored at #${result.anchor.seq} acknowledged by ${result.anchor.endpoint} at ${formatUkDateTime(result.anchor.at)}${waiting}`
    : 'NOT anchored (no audit server has acknowledged any event of this log yet, so events removed from ' +
      'the end could not be detected)';
  return `Audit chain intact: ${result.count} events, ${anchor}.`;
}

interface VerifyOptions extends DbOptions {
  online?: boolean;
  endpoint?: string;
}

/** Compares with the audit server; true when it agrees. */
async function verifyOnline(
  db: SqliteDatabase,
  options: VerifyOptions,
  acknowledgedBy: string | undefined,
): Promise<boolean> {
  const policy = options.endpoint ? undefined : await loadPolicyOrExplain();
  const endpoint = options.endpoint ?? acknowledgedBy ?? policy?.auditEndpoint;
  if (!endpoint) {
    console.error(
      'Audit server: none is configured (auditEndpoint), so the log could not be compared with it.',
    );
    return false;
  }
  // The audit server sees who asks: the clinician signs in, and their token (audience: the policy's audit
  // endpoint) goes only to that server; an endpoint moved from gets no token.
  const userBound =
    !!policy?.auditEndpoint &&
    sameOrigin(endpoint, policy.auditEndpoint) &&
    exchangeTargets(policy).some((t) => t.id === AUDIT_TARGET_ID);
  const session = userBound ? await standaloneSignIn(policy) : undefined;
  let compared: ServerComparison;
  try {
    const token =
      session && policy
        ? auditTokenSource(userTokens(policy, { subjectToken: () => session.idToken() }))
        : undefined;
    compared = await compareWithServer({ db, endpoint, ...(token ? { token } : {}) });
  } finally {
    await session?.end();
  }
  if (!compared.ok) {
    console.error(`Audit server (${endpoint}) DISAGREES: ${compared.problem}.`);
    return false;
  }
  const waiting = compared.notYetSent
    ? `; ${compared.notYetSent} not yet sent`
    : '; nothing waiting to be sent';
  console.log(
    `Audit server (${endpoint}) holds events 1–${compared.serverSeq} of this log, matching${waiting}.`,
  );
  return true;
}

export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('The local audit log (export, verify)');
  const dbOptions = (c: Command): Command =>
    c
      .option('--data-dir <dir>', 'the viewer data directory (default: this user’s)')
      .option('--db <file>', 'an audit.db file (default: <data-dir>/audit.db)');

  dbOptions(audit.command('export'))
    .description('Export every audit event as a FHIR Bundle (JSON) or CSV')
    .option('--format <format>', 'bundle or csv', 'bundle')
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (options: DbOptions & { format: string; out?: string }) => {
      if (options.format !== 'bundle' && options.format !== 'csv') {
        throw new Error(`Unknown format "${options.format}": use bundle or csv.`);
      }
      const text = await withAuditLog(options, (log) =>
        options.format === 'csv'
          ? auditCsv(log.all())
          : JSON.stringify(auditBundle(log.all()), null, 2) + '\n',
      );
      if (options.out) {
        writeFileSync(options.out, text, { mode: 0o600 });
        console.error(`Audit log exported to ${options.out}.`);
      } else {
        process.stdout.write(text);
      }
    });

  dbOptions(audit.command('verify'))
    .description(
      'Check the hash chain (deleted, edited and reordered events) and that it still reaches the head the ' +
        'audit server acknowledged (events removed from the end, hashes recomputed)',
    )
    .option('--online', 'also ask the audit server for the head it holds and compare')
    .option('--endpoint <url>', 'the audit server to ask (default: the one that acknowledged, else policy)')
    .action(async (options: VerifyOptions) => {
      const path = auditPath(options);
      const anchorKeystore = keystoreAnchor(createKeytarSecretStore(), auditKeyName(path));
      const agreed = await withAuditDatabase(options, async (db) => {
        const result = await verifyAuditLog(db, anchorKeystore);
        if (result.ok) console.log(describeIntact(result));
        else console.error(`Audit chain BROKEN at event ${result.firstBadSeq}: ${result.problem}.`);
        if (result.startedAfterLoss) {
          console.log(
            `EARLIER LOG LOST: this log began with a Security Alert (event 1): ${result.startedAfterLoss} ` +
              'Events of the earlier log that no audit server acknowledged cannot be verified.',
          );
        }
        const online = options.online
          ? await verifyOnline(db, options, result.ok ? result.anchor?.endpoint : undefined)
          : true;
        return result.ok && online;
      });
      if (!agreed) process.exitCode = 3;
    });
}
