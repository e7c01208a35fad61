// A cross-process lock the operating system keeps: an exclusive SQLite lock on a small file of its own
// (POSIX advisory locks, LockFileEx on Windows). The OS drops it when the holder ends, however it ends
// (closed, kill -9, power loss), so a lock is never left behind and never has to be judged stale by its age,
// which a long synchronous task (a rekey of a large store) could outlast. The lock files hold no data.
import Database from 'better-sqlite3-multiple-ciphers';

export interface FileLock {
  release(): void;
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** Takes the lock at `file` (creating the file) unless another process holds it: then undefined. */
export function tryFileLock(file: string): FileLock | undefined {
  const db = new Database(file, { timeout: 0 });
  try {
    // In exclusive locking mode a connection keeps the lock its first write took until it closes.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE; COMMIT;');
  } catch (error) {
    db.close();
    if (isBusy(error)) return undefined;
    throw error;
  }
  return { release: () => db.close() };
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
    throw error;
  } finally {
    db.close();
  }
}
