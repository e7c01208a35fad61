// One process at a time creates, recovers or rekeys an encrypted store: without this, two processes opening
// a fresh data folder at once (the app and a CLI prefetch) each generate a key, the last keystore write wins
// and the other's record or audit event can never be read again.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tryFileLock } from './file-lock';

/** Another process held the store for longer than a store takes to open. */
export class StoreBusyError extends Error {}

/** How long to wait for another process to finish opening the store. */
const WAIT_MS = 15_000;

/** Runs `work` holding `<file>.open-lock` (see file-lock.ts); waits for another holder to finish. */
export async function withStoreLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const lockFile = `${file}.open-lock`;
  const giveUpAt = Date.now() + WAIT_MS;
  let lock = tryFileLock(lockFile);
  for (let pause = 10; !lock; pause = Math.min(pause * 2, 250)) {
    if (Date.now() > giveUpAt) {
      throw new StoreBusyError(
        `${file} is being opened by another Wessex Care Record process (the app or the command line). ` +
          'Try again in a moment.',
      );
    }
    await sleep(pause);
    lock = tryFileLock(lockFile);
  }
  try {
    return await work();
  } finally {
    lock.release();
  }
}
