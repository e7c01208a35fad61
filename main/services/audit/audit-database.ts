// Opens audit.db through the shared encrypted-database service (whole-file ChaCha20-Poly1305, random
// 256-bit key in the OS keystore). An unreadable audit log is evidence: it is quarantined with its key,
// never deleted, and the recovery becomes the first event of the new log.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path, { dirname } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import {
  openEncryptedDatabase,
  unreadableReason,
  type EncryptedDatabase,
  type RecoveryEvent,
} from '../cache/encrypted-database';
import { databaseKeyName, isRawKey, type KeyVault } from '../cache/key-vault';
import { migrateAuditAnchor } from './anchor';
import { migrateAuditLog, migrateAuditRunIds, type SqliteDatabase } from './audit-log';
import type { AuditAction } from './balp';

/** The audit log's key name in the keystore, tied to the log's folder (see databaseKeyName). */
export function auditKeyName(dbPath: string): string {
  return databaseKeyName('audit', path.dirname(dbPath));
}

export class AuditDatabaseUnavailableError extends Error {}

export interface OpenAuditDatabaseOptions {
  path: string;
  keyVault: KeyVault;
  clock?: () => Date;
}

export async function openAuditDatabase(options: OpenAuditDatabaseOptions): Promise<EncryptedDatabase> {
  const database = await openEncryptedDatabase({
    path: options.path,
    keyVault: options.keyVault,
    keyName: auditKeyName(options.path),
    migrations: [
      { version: 1, description: 'hash-chained audit log', up: migrateAuditLog },
      {
        version: 2,
        description: 'chain id and the head the audit server acknowledged',
        up: migrateAuditAnchor,
      },
      { version: 3, description: 'which run of the viewer began each open action', up: migrateAuditRunIds },
    ],
    unreadable: 'quarantine',
    ...(options.clock ? { clock: options.clock } : {}),
  });
  // An appended event must survive power loss, not only a crash (WAL's default NORMAL does not promise that).
  database.db.pragma('synchronous = FULL');
  return database;
}

/**
 * For inspection tools (`audit verify`, `audit export`): opens an existing log and never recovers,
 * quarantines or creates anything; every problem is a clear error instead.
 */
export async function openAuditDatabaseForInspection(
  path: string,
  keyVault: KeyVault,
): Promise<SqliteDatabase> {
  if (!existsSync(path)) throw new AuditDatabaseUnavailableError(`There is no audit log at ${path}.`);
  if (statSync(path).isDirectory()) {
    throw new AuditDatabaseUnavailableError(
      `There is no audit log at ${path}: a folder is there instead of the log file. The viewer sets it aside ` +
        '(in the quarantine folder beside it) and starts a new log, recording that, when it next starts.',
    );
  }
  // SQLite would take an empty file for a new database and write one there: this log was emptied, and says so.
  if (statSync(path).size === 0) {
    throw new AuditDatabaseUnavailableError(
      `The audit log at ${path} is empty: its events have been deleted. The viewer sets it aside (in the ` +
        'quarantine folder beside it) and starts a new log, recording the loss as its first event, when it next starts.',
    );
  }
  const key = await keyVault.get(auditKeyName(path));
  if (!key || !isRawKey(key)) {
    throw new AuditDatabaseUnavailableError(
      'The audit log key is not in this user’s keystore on this machine, so the log cannot be read.',
    );
  }
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(path + suffix) && statSync(path + suffix).isDirectory())
      throw new AuditDatabaseUnavailableError(
        `The audit log at ${path} could not be opened: ${path + suffix} is a folder, where the viewer keeps a ` +
          'file of its own. Nothing shows the log itself is damaged, and nothing was changed.',
      );
  }
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma(`key = "raw:${key}"`);
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (error) {
    db.close();
    if (unreadableReason(error)) {
      throw new AuditDatabaseUnavailableError(
        `The audit log at ${path} cannot be read with the key in the keystore (wrong key or damaged file).`,
      );
    }
    // Not the file's fault: reading a log needs its -wal and -shm beside it, so its folder must be writable.
    throw new AuditDatabaseUnavailableError(
      `The audit log at ${path} could not be opened: ${folderProblem(path)}. Nothing shows the log itself is ` +
        'damaged, and nothing was changed.',
    );
  }
}

/** Why the folder of a log that exists could not be used to read it, in words. */
function folderProblem(file: string): string {
  try {
    accessSync(dirname(file), constants.W_OK);
    return 'the operating system refused to open it (ask your IT service desk to check the folder)';
  } catch (error) {
    return (error as { code?: unknown }).code === 'EROFS'
      ? `its folder ${dirname(file)} is read-only, and reading the log needs to write beside it`
      : `this user may not write to its folder ${dirname(file)}, and reading the log needs to write beside it`;
  }
}

/** "The offline cache could not be read (its key was missing …); it was deleted and a new one started." */
export function recoveryDetail(store: string, event: RecoveryEvent): string {
  const what =
    event.reason === 'key-missing'
      ? 'its key was missing from the keystore'
      : event.reason === 'corrupt'
        ? 'the file was damaged'
        : event.reason === 'not-a-file'
          ? 'a folder was where the file should be'
          : event.reason === 'missing'
            ? 'the file had been deleted or emptied'
            : 'it could not be decrypted with its key';
  const done = event.action === 'deleted' ? 'deleted' : 'set aside';
  return `The ${store} could not be read (${what}); it was ${done} and a new one started.`;
}

/**
 * The audit event for an encrypted store that had to be recreated (audit log or offline cache). `more` adds what
 * else is known, e.g. how far the audit server had acknowledged the log that was lost.
 */
export function recoveryAuditAction(store: string, event: RecoveryEvent, more?: string): AuditAction {
  return {
    kind: event.reason === 'key-missing' ? 'key-loss' : 'database-recovery',
    store,
    detail: more ? `${recoveryDetail(store, event)} ${more}` : recoveryDetail(store, event),
  };
}

/** The store an audit log's first event says was recreated, with its detail: the trace of an earlier, lost log. */
export function startedAfterLostLog(firstEventJson: string | undefined): string | undefined {
  if (!firstEventJson) return undefined;
  try {
    const event = JSON.parse(firstEventJson) as {
      subtype?: { code?: string }[];
      entity?: { what?: { display?: string }; detail?: { type?: string; valueString?: string }[] }[];
    };
    const recreated = event.subtype?.some((s) => s.code === 'database-recovery' || s.code === 'key-loss');
    const entity = event.entity?.find((e) => e.what?.display === 'audit log');
    if (!recreated || !entity) return undefined;
    return entity.detail?.find((d) => d.type === 'detail')?.valueString ?? 'The audit log was started again.';
  } catch {
    return undefined;
  }
}
