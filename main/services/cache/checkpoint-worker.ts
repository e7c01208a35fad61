// Copies an encrypted store's write-ahead log into its file on a worker thread, through a connection of the
// worker's own. Every page is decrypted from the log and encrypted again into the file: after a 20,000-resource
// save that is some 20,000 pages and a fifth of a second of synchronous work, which on the main process held every
// click that needed it (a results page, a search, the next patient) ten seconds after the record opened.
// SQLite lets one connection copy the log while others read and write, so the main process goes on meanwhile.
//
// The worker's code is a string, not a file: the bundlers that build the app and the benchmarks need not know of
// a second entry point, and the driver is loaded from the path the main process resolved for itself.
import { Worker } from 'node:worker_threads';

export interface CheckpointRequest {
  /** The database file. */
  file: string;
  /** Its raw key (64 hex digits; checked by the caller, so it cannot break out of the key pragma). */
  key: string;
  /** The SQLite driver module the worker loads (the one the main process uses). */
  driver?: string;
}

export interface CheckpointOutcome {
  /** Pages in the log, and how many of them are now in the file (fewer while another connection still reads). */
  log: number;
  checkpointed: number;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let db;
try {
  const Database = require(workerData.driver);
  db = new Database(workerData.file, { fileMustExist: true });
  db.pragma('key = "raw:' + workerData.key + '"');
  db.prepare('SELECT count(*) FROM sqlite_master').get();
  if (String(db.pragma('cipher', { simple: true })) !== 'chacha20') throw new Error('unexpected cipher');
  db.pragma('wal_autocheckpoint = 0');
  const [result] = db.pragma('wal_checkpoint(PASSIVE)');
  parentPort.postMessage({ log: result.log, checkpointed: result.checkpointed });
} catch {
  // Nothing posted: the caller copies the log itself.
} finally {
  if (db) db.close();
}
`;

/** A copy still running after this long is given up (the thread is ended): the lock is never held for ever. */
const GIVE_UP_AFTER_MS = 60_000;

/** The driver this process loads, for the worker to load too. */
function ownDriver(): string {
  return require.resolve('better-sqlite3-multiple-ciphers');
}

/**
 * Copies the log on a worker thread. Undefined when it could not be done there (no worker, the driver would not
 * load, the file refused the key or was busy): the caller copies it on its own connection, which also meets any
 * fault in the file the way every other query does.
 */
export function checkpointOnWorker(request: CheckpointRequest): Promise<CheckpointOutcome | undefined> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { file: request.file, key: request.key, driver: request.driver ?? ownDriver() },
      });
    } catch {
      resolve(undefined);
      return;
    }
    let outcome: CheckpointOutcome | undefined;
    worker.once('message', (message: Partial<CheckpointOutcome>) => {
      if (typeof message.log === 'number' && typeof message.checkpointed === 'number')
        outcome = { log: message.log, checkpointed: message.checkpointed };
    });
    worker.once('error', () => undefined);
    const giveUp = setTimeout(() => void worker.terminate(), GIVE_UP_AFTER_MS);
    // Once the thread has ended, its connection is closed: nothing of it is left when the store lock is let go.
    worker.once('exit', () => {
      clearTimeout(giveUp);
      resolve(outcome);
    });
  });
}
