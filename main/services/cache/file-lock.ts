// A cross-process lock the operating system keeps: an exclusive SQLite lock on a small file of its own
// (POSIX advisory locks, LockFileEx on Windows). The OS drops it when the holder ends, however it ends
// (closed, kill -9, power loss), so a lock is never left behind and never has to be judged stale by its age,
// which a long synchronous task (a rekey of a large store) could outlast. The lock files hold no data.
import fs from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';

/**
 * A path where the viewer keeps a file of its own (a store, its log, its lock) is a folder instead, made by hand
 * or by a tool. The viewer never removes a folder it did not make; the message names it.
 */
export class NotAFileError extends Error {
  readonly code = 'EISDIR';
  constructor(readonly path: string) {
    super(`${path} is a folder, where the viewer keeps a file of its own.`);
  }
}

/** Whether `file` exists and is a folder. */
export function isFolder(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

export interface FileLock {
  release(): void;
}

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

function isBusy(error: unknown): boolean {
  const code = codeOf(error);
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** A file that is not a SQLite database (overwritten with something else): it can hold no lock. */
const NOT_A_LOCK = Symbol('not a lock file');

function attemptLock(file: string): FileLock | undefined | typeof NOT_A_LOCK {
  const db = new Database(file, { timeout: 0 });
  try {
    // In exclusive locking mode a connection keeps the lock its first write took until it closes.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT;');
  } catch (error) {
    db.close();
    if (isBusy(error)) return undefined;
    if (codeOf(error) === 'SQLITE_NOTADB') return NOT_A_LOCK;
    throw error;
  }
  return { release: () => db.close() };
}

/**
 * Takes the lock at `file` (creating the file) unless another process holds it: then undefined.
 *
 * A lock file whose contents are not a database (damaged, overwritten) is emptied and the lock taken. That never
 * breaks a lock another process holds: SQLite asks the OS for the lock before it reads the file, so a held lock
 * answers "busy" whatever the file holds, and "not a database" means nobody held it. The file is emptied in place,
 * never deleted or replaced: the OS keeps locks on the file itself, so one that another process takes in the
 * meantime stays held by it (an empty file is a valid lock file).
 */
export function tryFileLock(file: string): FileLock | undefined {
  if (isFolder(file)) throw new NotAFileError(file);
  const first = attemptLock(file);
  if (first !== NOT_A_LOCK) return first;
  fs.truncateSync(file, 0);
  const second = attemptLock(file);
  if (second === NOT_A_LOCK) throw new Error(`The lock file ${file} could not be reset.`);
  return second;
}

/** Whether another process holds the lock at an existing `file` (false when there is no such file). */
export function isFileLocked(file: string): boolean {
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true, timeout: 0 });
  } catch {
    return false;
  }
  try {
    db.exec('BEGIN IMMEDIATE; ROLLBACK;');
    return false;
  } catch (error) {
    if (isBusy(error)) return true;
    // Not a database (overwritten): a held lock would have answered "busy" before the file was read.
    if (codeOf(error) === 'SQLITE_NOTADB') return false;
    throw error;
  } finally {
    db.close();
  }
}
