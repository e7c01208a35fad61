// A large save's write-ahead log is copied into the database file once saves pause (or at once when the log is
// large), not by the save's own commit: the main process stays free as the clinician starts using the record.
// Real SQLite files and a real keytar keystore.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resourceCount, syntheticSnapshot } from '../../bench/lib/synthetic-snapshot';
import { createAuditService, type AuditService } from '../../main/services/audit';
import { openEncryptedDatabase, openOfflineCache, type OfflineCache } from '../../main/services/cache';
import type { EncryptedDatabase } from '../../main/services/cache/encrypted-database';
import type { KeyVault } from '../../main/services/cache/key-vault';
import type { CheckpointTiming } from '../../main/services/cache/offline-cache';
import { auditDatabasePath, cacheDatabasePath } from '../../main/services/paths';
import { cacheTestEnv, type CacheTestEnv } from './cache-support';

const NHS = '9434765919';
// Thousands of resources: more than the 1,000 log pages at which SQLite would copy the log at commit.
const RESOURCES = 6_000;

let env: CacheTestEnv;
let cache: OfflineCache | undefined;
let audit: AuditService | undefined;
let database: EncryptedDatabase | undefined;

beforeEach(() => void (env = cacheTestEnv()));
afterEach(async () => {
  database?.close();
  database = undefined;
  cache?.close();
  cache = undefined;
  await audit?.close();
  audit = undefined;
  await env.cleanup();
});

/** The store as the app opens it: every change audited ahead in a real audit log, its write mark then let go. */
async function open(checkpoint: CheckpointTiming): Promise<OfflineCache> {
  audit ??= await createAuditService({ keyVault: env.vault, dbPath: auditDatabasePath(env.dataDir) });
  const trail = audit.trail;
  cache = await openOfflineCache({
    dataDir: env.dataDir,
    keyVault: env.vault,
    checkpoint,
    writeAhead: (change) => trail.begin(change),
  });
  return cache;
}

const file = () => cacheDatabasePath(env.dataDir);
const size = (path: string) => (fs.existsSync(path) ? fs.statSync(path).size : 0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(test: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

describe('copying saves into the database file', () => {
  it('leaves a large save in the log at its commit, and copies it once saves have paused', async () => {
    const store = await open({ delayMs: 400, maxWalBytes: Number.MAX_SAFE_INTEGER });
    const before = size(file());
    await store.saveSnapshot(syntheticSnapshot({ nhsNumber: NHS, resources: RESOURCES }));
    expect(size(`${file()}-wal`)).toBeGreaterThan(4 * 1024 * 1024);
    // Straight after the save, its pages are still only in the log.
    expect(size(file())).toBe(before);
    await until(() => size(file()) > before + 4 * 1024 * 1024);
    const loaded = await store.load(NHS);
    expect(resourceCount(loaded!.snapshot)).toBe(RESOURCES);
  });

  it('copies a log past its size limit straight after the save', async () => {
    const store = await open({ delayMs: 60_000, maxWalBytes: 1024 * 1024 });
    const before = size(file());
    await store.saveSnapshot(syntheticSnapshot({ nhsNumber: NHS, resources: RESOURCES }));
    await until(() => size(file()) > before + 4 * 1024 * 1024, 3_000);
  });

  it('after a large save was copied at once, defers the copy of the next, smaller save again', async () => {
    const store = await open({ delayMs: 60_000, maxWalBytes: 2 * 1024 * 1024 });
    await store.saveSnapshot(syntheticSnapshot({ nhsNumber: NHS, resources: RESOURCES }));
    const copied = () => fs.statSync(file()).mtimeMs;
    await until(() => size(file()) > 4 * 1024 * 1024, 3_000);
    await sleep(200);
    const afterLargeCopy = copied();
    // A small save: its log is well under the limit, whatever size the log file once grew to.
    await store.saveSnapshot(syntheticSnapshot({ nhsNumber: '9000000009', resources: 20 }));
    await sleep(500);
    expect(copied()).toBe(afterLargeCopy);
    expect(size(`${file()}-wal`)).toBeLessThan(2 * 1024 * 1024);
  });

  it('keeps a save that was only in the log when the viewer was killed', async () => {
    const store = await open({ delayMs: 60_000, maxWalBytes: Number.MAX_SAFE_INTEGER });
    await store.saveSnapshot(syntheticSnapshot({ nhsNumber: NHS, resources: RESOURCES }));
    // The files as a kill -9 would leave them: the save committed, still in the log.
    const crashed = { db: fs.readFileSync(file()), wal: fs.readFileSync(`${file()}-wal`) };
    store.close();
    cache = undefined;
    fs.writeFileSync(file(), crashed.db);
    fs.writeFileSync(`${file()}-wal`, crashed.wal);
    fs.rmSync(`${file()}-shm`, { force: true });
    const reopened = await open({});
    const loaded = await reopened.load(NHS);
    expect(loaded?.snapshot.nhsNumber).toBe(NHS);
    expect(resourceCount(loaded!.snapshot)).toBe(RESOURCES);
  });
});

describe('where the log is copied', () => {
  const ROWS = 3_000;
  const KEY_NAME = 'checkpoint-test';
  const dbFile = () => path.join(env.dataDir, 'checkpoint-test.db');

  /** A store holding a committed save of about 12 MB that is only in the log, as the offline store leaves one. */
  async function storeWithLoggedSave(
    checkpointDriver?: string,
    keyVault: KeyVault = env.vault,
  ): Promise<EncryptedDatabase> {
    database = await openEncryptedDatabase({
      path: dbFile(),
      keyVault,
      keyName: KEY_NAME,
      checkpointOnCommit: false,
      ...(checkpointDriver ? { checkpointDriver } : {}),
      migrations: [
        {
          version: 1,
          description: 'rows',
          up: (db) => db.exec('CREATE TABLE saved (n INTEGER, body TEXT)'),
        },
      ],
    });
    const insert = database.db.prepare('INSERT INTO saved VALUES (?, ?)');
    database.db.transaction(() => {
      for (let n = 0; n < ROWS; n++) insert.run(n, `row ${n} `.padEnd(4000, '.'));
    })();
    expect(size(`${dbFile()}-wal`)).toBeGreaterThan(10 * 1024 * 1024);
    return database;
  }

  /** The rows the database file holds by itself, read from a copy of it without its log. */
  async function rowsInFileAlone(key?: string): Promise<number> {
    const alone = path.join(env.dataDir, 'alone.db');
    fs.copyFileSync(dbFile(), alone);
    const db = new Database(alone);
    try {
      db.pragma(`key = "raw:${key ?? (await env.vault.get(KEY_NAME))}"`);
      const created = db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'saved'").pluck().get();
      return created ? Number(db.prepare('SELECT count(*) FROM saved').pluck().get()) : 0;
    } finally {
      db.close();
    }
  }

  it('copies the log into the file on a worker thread, its connection closed before it returns', async () => {
    const store = await storeWithLoggedSave();
    expect(await rowsInFileAlone()).toBe(0);
    expect(await store.checkpoint()).toBe('worker');
    expect(await rowsInFileAlone()).toBe(ROWS);
    // This connection still reads and writes as before.
    store.db.prepare('INSERT INTO saved VALUES (?, ?)').run(ROWS, 'after');
    expect(store.db.prepare('SELECT count(*) FROM saved').pluck().get()).toBe(ROWS + 1);
  });

  it('copies it on its own connection when no worker can load the driver', async () => {
    const store = await storeWithLoggedSave(path.join(env.dataDir, 'no-such-driver.js'));
    expect(await store.checkpoint()).toBe('this connection');
    expect(await rowsInFileAlone()).toBe(ROWS);
  });

  it('copies it on its own connection when the keystore cannot answer at the time', async () => {
    let keystoreAnswers = true;
    const vault: KeyVault = {
      get: (name) => (keystoreAnswers ? env.vault.get(name) : Promise.reject(new Error('keystore locked'))),
      create: (name) => env.vault.create(name),
      put: (name, key) => env.vault.put(name, key),
      delete: (name) => env.vault.delete(name),
    };
    const store = await storeWithLoggedSave(undefined, vault);
    keystoreAnswers = false;
    expect(await store.checkpoint()).toBe('this connection');
    expect(await rowsInFileAlone()).toBe(ROWS);
  });

  it('loses nothing when the store closes while its log is being copied', async () => {
    const store = await storeWithLoggedSave();
    const copying = store.checkpoint();
    // The lock is taken and the worker started in later turns: the store closes first, or while it copies.
    await new Promise((resolve) => setTimeout(resolve, 5));
    store.close();
    database = undefined;
    expect(['worker', 'closed']).toContain(await copying);
    expect(await rowsInFileAlone()).toBe(ROWS);
  });

  it('lets a rekey asked for during the copy wait for it, and loses nothing', async () => {
    const store = await storeWithLoggedSave();
    const oldKey = await env.vault.get(KEY_NAME);
    const copying = store.checkpoint();
    const rekeyed = store.rekey();
    expect(await copying).toBe('worker');
    await rekeyed;
    const newKey = (await env.vault.get(KEY_NAME))!;
    expect(newKey).not.toBe(oldKey);
    expect(store.db.prepare('SELECT count(*) FROM saved').pluck().get()).toBe(ROWS);
    store.close();
    database = undefined;
    expect(await rowsInFileAlone(newKey)).toBe(ROWS);
  });
});
