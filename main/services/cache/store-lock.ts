// One process at a time creates, recovers or rekeys an encrypted store: without this, two processes opening
// a fresh data folder at once (the app and a CLI prefetch) each generate a key, the last keystore write wins
// and the other's record or audit event can never be read again.
import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';

/** Another process held the store for longer than a store takes to open (or crashed holding it). */
export class StoreBusyError extends Error {}

/** A lock left by a process that was killed is taken over after this long. */
const STALE_MS = 10_000;

/** Runs `work` holding `<file>.lock` (a lock directory, cross-process and cross-platform); waits for it. */
export async function withStoreLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, {
      realpath: false, // the store may not exist yet
      lockfilePath: `${file}.lock`,
      stale: STALE_MS,
      // Long enough to outlast a stale lock (about 15 s in all).
      retries: { retries: 40, factor: 1.2, minTimeout: 20, maxTimeout: 500 },
      // The work is short; if the lock's refresh fails meanwhile, finishing it is still the safest course.
      onCompromised: () => undefined,
    });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ELOCKED') throw error;
    throw new StoreBusyError(
      `${file} is being opened by another Wessex Care Record process (the app or the command line). ` +
        'Try again in a moment.',
    );
  }
  try {
    return await work();
  } finally {
    await release().catch(() => undefined);
  }
}
