// The data folder (audit log, offline store, preferences) must be writable before any store opens in it: a
// read-only, full or missing folder is a start-up problem screen (and CLI message) naming the folder, never a
// crash or raw SQLite text, and nothing already in it is touched.
import fs from 'node:fs';
import path from 'node:path';
import type { PolicyProblem } from '../policy';

/** Room a store needs to open and record its first audit events. */
const PROBE_BYTES = 64 * 1024;

const REASONS: [RegExp, string][] = [
  [/^EISDIR$/, 'a folder is where it keeps a file'],
  [/^(EROFS|SQLITE_READONLY)/, 'it is read-only'],
  [/^(EACCES|EPERM)$/, 'this user may not write to it'],
  [/^(ENOSPC|EDQUOT|SQLITE_FULL)$/, 'the disk (or this user’s quota) is full'],
  [/^(ENOTDIR|EEXIST|ENOENT|SQLITE_CANTOPEN)$/, 'it does not exist and cannot be created there'],
  [/^(EIO|SQLITE_IOERR)/, 'it could not be written to (the disk may be full or failing)'],
];

/** The problem an error writing in the data folder means, or undefined when it is not about the folder. */
export function dataFolderProblem(dataDir: string, error: unknown): PolicyProblem | undefined {
  const code = String((error as { code?: unknown } | undefined)?.code ?? '');
  const found = REASONS.find(([pattern]) => pattern.test(code))?.[1];
  if (!found) return undefined;
  // The folder in the way of a file, by name: the data folder itself may be fine.
  const at = (error as { path?: unknown }).path;
  const why =
    code === 'EISDIR' && typeof at === 'string' ? `${at} is a folder, where it keeps a file` : found;
  const fix =
    code === 'EISDIR'
      ? 'Ask your IT service desk to move that folder out of the way'
      : 'Free some space or ask your IT service desk to fix the folder';
  return {
    key: 'Data folder',
    message:
      `The viewer cannot use its data folder ${dataDir}: ${why}. Nothing in it was changed. ` +
      `${fix}, then start the viewer again.`,
  };
}

/**
 * `mkdir -p`, failing with the real reason: Node's recursive mkdir says ENOENT under a read-only parent, so the
 * first missing level is asked for alone to learn why (EROFS, EACCES, ENOTDIR).
 */
function makeFolder(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    let existing = dir;
    while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
    const firstMissing = path.relative(existing, dir).split(path.sep)[0];
    if (firstMissing) fs.mkdirSync(path.join(existing, firstMissing), { mode: 0o700 });
    throw error;
  }
}

/** Creates the folder if needed and writes (and removes) a small probe file; the problem if it cannot. */
export function checkDataFolder(dataDir: string): PolicyProblem | undefined {
  const probe = path.join(dataDir, `.write-check-${process.pid}`);
  try {
    makeFolder(dataDir);
    const fd = fs.openSync(probe, 'w', 0o600);
    try {
      // A nearly full disk takes part of a write without an error: the rest is asked for until it says why.
      const probeBytes = Buffer.alloc(PROBE_BYTES);
      for (let written = 0; written < probeBytes.length;) {
        written += fs.writeSync(fd, probeBytes, written);
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return undefined;
  } catch (error) {
    return (
      dataFolderProblem(dataDir, error) ?? {
        key: 'Data folder',
        message: `The viewer cannot use its data folder ${dataDir}: ${error instanceof Error ? error.message : String(error)}.`,
      }
    );
  } finally {
    try {
      fs.rmSync(probe, { force: true });
    } catch {
      // Nothing was written.
    }
  }
}
