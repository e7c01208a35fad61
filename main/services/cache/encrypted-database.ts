// A generic whole-file encrypted SQLite database (better-sqlite3-multiple-ciphers, its default cipher
// ChaCha20-Poly1305) keyed with a random 256-bit raw key from the key vault. Used for the offline cache and
// the audit log, each with its own file, key name and numbered migrations.
//
// An unreadable file (key missing, wrong key, tampered or corrupt pages) is never opened without the key and
// never replaced by plaintext: it is deleted or quarantined, a fresh database is created under a new key and
// the caller is told (`onRecovery`) so it can audit it and tell the user.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { checkpointOnWorker } from './checkpoint-worker';
import { isFolder, NotAFileError } from './file-lock';
import { generateRawKey, isRawKey, type KeyVault } from './key-vault';
import { withStoreLock } from './store-lock';

export type SqliteDatabase = Database.Database;

export interface Migration {
  /** 1, 2, 3 … with no gaps; stored in PRAGMA user_version once applied. */
  version: number;
  description: string;
  up: (db: SqliteDatabase) => void;
}

/**
 * "cannot-decrypt" covers a wrong key and a tampered first page: authenticated encryption cannot tell them apart.
 * "not-a-file": a folder stands where the database file was (only a store that quarantines recovers from it).
 * "missing": the file was deleted or emptied although its key shows it existed (likewise).
 */
export type RecoveryReason = 'key-missing' | 'cannot-decrypt' | 'corrupt' | 'not-a-file' | 'missing';

export { NotAFileError } from './file-lock';

export interface RecoveryEvent {
  reason: RecoveryReason;
  /** What happened to the unreadable file and its -wal/-shm. */
  action: 'deleted' | 'quarantined';
  /** The database file that was replaced. */
  path: string;
  /** Where the old files went when quarantined. */
  quarantinedTo?: string[];
  /** ISO instant of the recovery. */
  at: string;
}

export interface OpenEncryptedDatabaseOptions {
  path: string;
  keyVault: KeyVault;
  /** Key vault entry for this file, e.g. "offline-cache" or "audit". */
  keyName: string;
  migrations: readonly Migration[];
  clock?: () => Date;
  /** Called once per recovery (at open or later); audit it. Must not throw. */
  onRecovery?: (event: RecoveryEvent) => void;
  /**
   * What to do with an unreadable file. "delete" suits data that can be fetched again (the offline cache);
   * "quarantine" (the default) moves it to `<dir>/quarantine/` and keeps its key under "<keyName>@<stamp>".
   */
  unreadable?: 'quarantine' | 'delete';
  /** Read and authenticate every page at open (PRAGMA quick_check). Default true. */
  verifyOnOpen?: boolean;
  /**
   * "full" (the default): each commit is flushed to disk before it returns, so it survives a power cut.
   * "normal": flushed at checkpoints only, so a power cut may lose the last commits, never the file; an app that
   * crashes or is killed loses nothing either way (the log is in the operating system's hands at commit).
   */
  synchronous?: 'full' | 'normal';
  /**
   * Whether a commit that leaves the write-ahead log over 1,000 pages copies it into the file there and then
   * (SQLite's default, true). False: the owner copies it when it chooses (`checkpoint`), and closing the last
   * connection copies what is left.
   */
  checkpointOnCommit?: boolean;
  /** The SQLite driver the checkpoint's worker thread loads (default: the one this process uses). */
  checkpointDriver?: string;
}

export class NewerSchemaError extends Error {}

const SIDECARS = ['-wal', '-shm', '-journal'];

/** The reason a SQLite error means "this file cannot be trusted", or undefined for other errors. */
export function unreadableReason(error: unknown): RecoveryReason | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code === 'SQLITE_NOTADB') return 'cannot-decrypt';
  if (code.startsWith('SQLITE_CORRUPT')) return 'corrupt';
  return undefined;
}

type OpenAttempt = { ok: true; db: SqliteDatabase } | { ok: false; reason: RecoveryReason };

/**
 * The file exists, readable by this user only, before SQLite opens it: SQLite gives the -wal and -shm files it
 * creates the database file's permissions, so none of them is ever world-readable, even for a moment.
 */
function ownerOnly(file: string): void {
  mustNotBeFolders(file);
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  if (process.platform !== 'win32') fs.chmodSync(file, 0o600);
}

/** The database's log files are files: a folder in their place is reported by name, never removed. */
function mustNotBeFolders(file: string, suffixes: readonly string[] = ['', ...SIDECARS]): void {
  for (const suffix of suffixes) if (isFolder(file + suffix)) throw new NotAFileError(file + suffix);
}

interface ConnectionSettings {
  verify: boolean;
  synchronous: 'full' | 'normal';
  checkpointOnCommit: boolean;
}

function applyKeyAndSettings(file: string, key: string, settings: ConnectionSettings): OpenAttempt {
  if (!isRawKey(key)) return { ok: false, reason: 'cannot-decrypt' };
  ownerOnly(file);
  const db = new Database(file);
  try {
    // The key is validated hex, so interpolating it cannot inject SQL.
    db.pragma(`key = "raw:${key}"`);
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    const cipher = String(db.pragma('cipher', { simple: true }));
    if (cipher !== 'chacha20') throw new Error(`Unexpected database cipher "${cipher}".`);
    db.pragma('journal_mode = WAL');
    // The log file starts again from empty once its pages have been copied into the database: otherwise it keeps
    // the size of the largest save ever made, and its size no longer says how much is waiting to be copied.
    db.pragma('journal_size_limit = 0');
    db.pragma(`synchronous = ${settings.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    if (!settings.checkpointOnCommit) db.pragma('wal_autocheckpoint = 0');
    db.pragma('secure_delete = ON');
    db.pragma('foreign_keys = ON');
    // Sorts and temporary indexes stay in memory rather than in unencrypted temp files.
    db.pragma('temp_store = MEMORY');
    if (settings.verify) {
      const result = db.pragma('quick_check', { simple: true });
      if (result !== 'ok') {
        db.close();
        return { ok: false, reason: 'corrupt' };
      }
    }
    return { ok: true, db };
  } catch (error) {
    db.close();
    const reason = unreadableReason(error);
    if (reason) return { ok: false, reason };
    throw error;
  }
}

function checkMigrations(migrations: readonly Migration[]): Migration[] {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`Migrations must be numbered 1..n without gaps (found ${m.version}).`);
  });
  return sorted;
}

function migrate(db: SqliteDatabase, migrations: Migration[], file: string): number {
  const current = Number(db.pragma('user_version', { simple: true }));
  const latest = migrations.length;
  if (current > latest) {
    throw new NewerSchemaError(
      `${path.basename(file)} was written by a newer version of Wessex Care Record (schema ${current}; ` +
        `this version knows ${latest}). Update the app; the file has been left untouched.`,
    );
  }
  for (const m of migrations.slice(current)) {
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return latest;
}

function fileHasContent(file: string): boolean {
  try {
    return fs.statSync(file).size > 0;
  } catch {
    return false;
  }
}

function stamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

export class EncryptedDatabase {
  private current: SqliteDatabase | undefined;
  /** The recovery that happened while opening, if any. */
  recovered: RecoveryEvent | undefined;
  schemaVersion = 0;
  private readonly migrations: Migration[];
  private readonly clock: () => Date;
  private warnedCheckpointHere = false;

  constructor(private readonly options: OpenEncryptedDatabaseOptions) {
    this.migrations = checkMigrations(options.migrations);
    this.clock = options.clock ?? (() => new Date());
  }

  get path(): string {
    return this.options.path;
  }

  /** The open connection. It changes after `recover()`, so do not keep it (or its statements) across calls. */
  get db(): SqliteDatabase {
    if (!this.current) throw new Error('The encrypted database is closed.');
    return this.current;
  }

  get isOpen(): boolean {
    return this.current !== undefined;
  }

  private get pendingKeyName(): string {
    return `${this.options.keyName}.next`;
  }

  /** @internal use openEncryptedDatabase() */
  async open(): Promise<void> {
    await withStoreLock(this.options.path, () => this.openLocked());
  }

  private async openLocked(): Promise<void> {
    const { path: file, keyVault, keyName } = this.options;
    const key = await keyVault.get(keyName);
    const pending = await keyVault.get(this.pendingKeyName);

    if (isFolder(file)) {
      // Data that can be fetched again has no evidence to keep: say which folder is in the way, touch nothing.
      if (this.options.unreadable === 'delete') throw new NotAFileError(file);
      this.recovered = await this.recoverLocked('not-a-file');
      return;
    }
    mustNotBeFolders(file, SIDECARS);
    if (!fileHasContent(file) && (key || pending) && this.options.unreadable !== 'delete') {
      // The key says a database was made here: one deleted or emptied since is evidence lost, not a first start.
      // What is left of it (an empty file, its -wal) is set aside like any other unreadable file.
      this.recovered = await this.recoverLocked('missing');
      return;
    }
    if (!fileHasContent(file)) {
      this.removeFiles();
      if (pending) await keyVault.delete(this.pendingKeyName);
      this.createFresh(key ?? (await keyVault.create(keyName)));
      return;
    }
    if (!key && !pending) {
      this.recovered = await this.recoverLocked('key-missing');
      return;
    }
    let reason: RecoveryReason = 'cannot-decrypt';
    for (const candidate of [key, pending]) {
      if (!candidate) continue;
      const attempt = applyKeyAndSettings(file, candidate, this.settings(this.options.verifyOnOpen ?? true));
      if (!attempt.ok) {
        if (attempt.reason === 'corrupt') reason = 'corrupt';
        continue;
      }
      this.current = attempt.db;
      // A rekey was interrupted after the file changed key but before the keystore did: finish it.
      if (candidate !== key) await keyVault.put(keyName, candidate);
      if (pending) await keyVault.delete(this.pendingKeyName);
      this.migrateOrClose();
      return;
    }
    this.recovered = await this.recoverLocked(reason);
  }

  private settings(verify: boolean): ConnectionSettings {
    return {
      verify,
      synchronous: this.options.synchronous ?? 'full',
      checkpointOnCommit: this.options.checkpointOnCommit ?? true,
    };
  }

  private migrateOrClose(): void {
    try {
      this.schemaVersion = migrate(this.db, this.migrations, this.options.path);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  private createFresh(key: string): void {
    const attempt = applyKeyAndSettings(this.options.path, key, this.settings(false));
    if (!attempt.ok) throw new Error('A new encrypted database could not be created.');
    this.current = attempt.db;
    this.migrateOrClose();
  }

  private removeFiles(): void {
    for (const suffix of ['', ...SIDECARS]) fs.rmSync(this.options.path + suffix, { force: true });
  }

  /**
   * Replaces an unreadable database with a fresh one under a new key. Call it when a query fails with an
   * error for which `unreadableReason()` returns a reason.
   */
  async recover(reason: RecoveryReason): Promise<RecoveryEvent> {
    return withStoreLock(this.options.path, () => this.recoverLocked(reason));
  }

  private async recoverLocked(reason: RecoveryReason): Promise<RecoveryEvent> {
    const { path: file, keyVault, keyName } = this.options;
    this.close();
    const now = this.clock();
    const event: RecoveryEvent = {
      reason,
      action: this.options.unreadable === 'delete' ? 'deleted' : 'quarantined',
      path: file,
      at: now.toISOString(),
    };
    if (event.action === 'deleted') {
      this.removeFiles();
    } else {
      const dir = path.join(path.dirname(file), 'quarantine');
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const base = `${path.basename(file)}.${stamp(now)}.${reason}`;
      event.quarantinedTo = [];
      for (const suffix of ['', ...SIDECARS]) {
        if (!fs.existsSync(file + suffix)) continue;
        const target = path.join(dir, base + suffix);
        fs.renameSync(file + suffix, target);
        event.quarantinedTo.push(target);
      }
      const oldKey = await keyVault.get(keyName);
      if (oldKey) await keyVault.put(`${keyName}@${stamp(now)}`, oldKey);
    }
    await keyVault.delete(this.pendingKeyName);
    this.createFresh(await keyVault.create(keyName));
    try {
      this.options.onRecovery?.(event);
    } catch {
      console.warn('The recovery listener of an encrypted database failed.');
    }
    return event;
  }

  /**
   * Re-encrypts the whole file under a new random key. The new key is in the keystore (as "<keyName>.next")
   * before the file changes, and open() finishes an interrupted rekey, so no crash point loses access.
   */
  async rekey(): Promise<void> {
    await withStoreLock(this.options.path, () => this.rekeyLocked());
  }

  private async rekeyLocked(): Promise<void> {
    const { keyVault, keyName } = this.options;
    const next = generateRawKey();
    await keyVault.put(this.pendingKeyName, next);
    const db = this.db;
    db.pragma('wal_checkpoint(TRUNCATE)');
    // SQLite3 Multiple Ciphers cannot rekey in WAL mode.
    db.pragma('journal_mode = DELETE');
    try {
      db.pragma(`rekey = "raw:${next}"`);
    } finally {
      db.pragma('journal_mode = WAL');
    }
    await keyVault.put(keyName, next);
    await keyVault.delete(this.pendingKeyName);
  }

  /**
   * Copies the write-ahead log into the file (a passive checkpoint) on a worker thread, so this process goes on
   * answering meanwhile; on this connection when the worker cannot do it. The store lock is held until the
   * worker's connection has closed: a recovery or a rekey never moves the file from under it. Says where the copy
   * was made ('closed' when the store closed before its turn).
   */
  async checkpoint(): Promise<'worker' | 'this connection' | 'closed'> {
    return withStoreLock(this.options.path, async () => {
      if (!this.current) return 'closed';
      // A keystore that cannot answer now leaves the copy to this connection, which holds the key already.
      const key = await this.options.keyVault.get(this.options.keyName).catch(() => undefined);
      const copied =
        key && isRawKey(key)
          ? await checkpointOnWorker({
              file: this.options.path,
              key,
              ...(this.options.checkpointDriver ? { driver: this.options.checkpointDriver } : {}),
            })
          : undefined;
      if (copied) return 'worker';
      if (!this.current) return 'closed';
      if (!this.warnedCheckpointHere) {
        this.warnedCheckpointHere = true;
        console.warn(
          'No worker thread could copy the encrypted store’s log; it is copied on the main thread.',
        );
      }
      this.current.pragma('wal_checkpoint(PASSIVE)');
      return 'this connection';
    });
  }

  close(): void {
    if (this.current?.open) this.current.close();
    this.current = undefined;
  }
}

export async function openEncryptedDatabase(
  options: OpenEncryptedDatabaseOptions,
): Promise<EncryptedDatabase> {
  const database = new EncryptedDatabase(options);
  await database.open();
  return database;
}
