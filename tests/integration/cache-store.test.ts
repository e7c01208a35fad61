import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { syntheticRecord } from '../../bench/lib/synthetic-record';
import {
  cacheKeyName,
  OFFLINE_CACHE_RESET_NOTICE,
  openEncryptedDatabase,
  openOfflineCache,
  startRetentionTimer,
  type OfflineCache,
  type RecoveryEvent,
} from '../../main/services/cache';
import { cacheMigrations } from '../../main/services/cache/migrations';
import { cacheDatabasePath } from '../../main/services/paths';
import { bytesContain, cacheTestEnv, flipBytes, type CacheTestEnv } from './cache-support';

const NHS = '9434765919';
const NAME = 'Margaret WINTERBOURNE';

let env: CacheTestEnv;
let cache: OfflineCache | undefined;

beforeEach(() => {
  env = cacheTestEnv();
});
afterEach(async () => {
  cache?.close();
  cache = undefined;
  vi.useRealTimers();
  await env.cleanup();
});

async function open(options: { clock?: () => Date; onRecovery?: (e: RecoveryEvent) => void } = {}) {
  cache = await openOfflineCache({ dataDir: env.dataDir, keyVault: env.vault, ...options });
  return cache;
}

describe('offline cache store', () => {
  it('round-trips the governed record exactly as the UI shows it', async () => {
    const c = await open();
    const record = syntheticRecord({ items: 50 });
    record.conflicts = [
      { kind: 'medication-status', message: 'DCR says active, CHIE says stopped', itemKeys: ['a'] },
    ];
    record.withheld = { count: 2, reasons: ['sensitive'] };
    await c.saveRecord(record, { pinned: true });
    expect(await c.loadRecord('943 476 5919')).toEqual(record);
    const [listed] = await c.list();
    expect(listed).toMatchObject({ nhsNumber: NHS, name: NAME, birthDate: '1941-03-12', pinned: true });
    expect(listed?.sources).toEqual([
      { name: 'DCR', state: 'complete' },
      { name: 'CHIE', state: 'complete' },
    ]);
  });

  it('keeps the pinned state when a later open saves the record again, and replaces the items', async () => {
    const c = await open();
    await c.saveRecord(syntheticRecord({ items: 30 }), { pinned: true });
    const smaller = syntheticRecord({ items: 5 });
    await c.saveRecord(smaller);
    expect((await c.meta(NHS))?.pinned).toBe(true);
    expect((await c.loadRecord(NHS))?.items).toHaveLength(5);
  });

  it('loads only the sections asked for, and counts the rest', async () => {
    const c = await open();
    await c.saveRecord(syntheticRecord({ items: 100 }));
    const partial = await c.loadRecord(NHS, { sections: ['allergies', 'medications'] });
    expect(partial?.items.map((i) => i.display)).toEqual([
      'Penicillin allergy',
      'Ramipril 5mg capsules',
      'Metformin 500mg tablets',
    ]);
    expect(await c.sectionCounts(NHS)).toMatchObject({ results: 93, medications: 2 });
  });

  it('reads the newest results only when asked, in record order, for a fast first paint', async () => {
    const c = await open();
    const record = syntheticRecord({ items: 500 });
    await c.saveRecord(record);
    const partial = await c.loadRecord(NHS, { recentResults: 10 });
    // Synthetic results get older with each position, so the newest ten are the first ten results.
    expect(partial?.items).toEqual([...record.items.slice(0, 7), ...record.items.slice(7, 17)]);
    expect((await c.loadRecord(NHS, { sections: ['results'], recentResults: 2 }))?.items).toEqual(
      record.items.slice(7, 9),
    );
  });

  it('refuses a record without a valid NHS number, clearly', async () => {
    const c = await open();
    const record = syntheticRecord();
    record.patient.nhsNumber = undefined;
    await expect(c.saveRecord(record)).rejects.toThrow(/without a ten-digit NHS number/);
  });

  it('searches offline by NHS number, partial name in any case, and date of birth', async () => {
    const c = await open();
    await c.saveRecord(syntheticRecord());
    await c.saveRecord(
      syntheticRecord({ nhsNumber: '9990000018', name: 'John SMITH', birthDate: '1980-01-05' }),
    );
    const names = async (q: string) => (await c.search(q)).map((r) => r.name);
    expect(await names('943 476 5919')).toEqual([NAME]);
    expect(await names('999')).toEqual(['John SMITH']);
    expect(await names('winter')).toEqual([NAME]);
    expect(await names('smith john')).toEqual(['John SMITH']);
    expect(await names('12/03/1941')).toEqual([NAME]);
    expect(await names('1980-01-05')).toEqual(['John SMITH']);
    expect(await names('5 Jan 1980')).toEqual(['John SMITH']);
    expect(await names("%' OR 1=1 --")).toEqual([]);
    expect(await names('_')).toEqual([]);
  });

  it('deletes one patient and all records', async () => {
    const c = await open();
    await c.saveRecord(syntheticRecord());
    await c.saveRecord(syntheticRecord({ nhsNumber: '9990000018', name: 'John SMITH' }));
    expect(await c.delete('943-476-5919')).toBe(true);
    expect(await c.loadRecord(NHS)).toBeUndefined();
    expect(await c.deleteAll()).toBe(1);
    expect(await c.list()).toEqual([]);
  });
});

describe('encryption at rest', () => {
  it('keeps no plaintext FHIR in the database file or its WAL, under ChaCha20-Poly1305', async () => {
    const c = await open();
    await c.saveRecord(syntheticRecord({ items: 200 }));
    const file = cacheDatabasePath(env.dataDir);
    const wal = fs.readFileSync(`${file}-wal`);
    expect(wal.length).toBeGreaterThan(0);
    for (const bytes of [fs.readFileSync(file), wal]) {
      for (const secret of [NAME, 'WINTERBOURNE', NHS, 'Penicillin', 'resourceType', 'SQLite format 3']) {
        expect(bytesContain(bytes, secret), secret).toBe(false);
      }
    }
    c.close();
    cache = undefined;
    const key = await env.vault.get(cacheKeyName(env.dataDir));
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const db = new Database(file);
    db.pragma(`key = "raw:${key}"`);
    expect(db.pragma('cipher', { simple: true })).toBe('chacha20');
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT name FROM records').pluck().get()).toBe(NAME);
    db.close();
  });

  it('cannot be opened without the key or with a wrong key', async () => {
    const c = await open();
    await c.saveRecord(syntheticRecord());
    c.close();
    cache = undefined;
    const file = cacheDatabasePath(env.dataDir);
    const plain = new Database(file);
    expect(() => plain.prepare('SELECT * FROM records').all()).toThrow(/not a database/);
    plain.close();
    const wrong = new Database(file);
    wrong.pragma(`key = "raw:${'ab'.repeat(32)}"`);
    expect(() => wrong.prepare('SELECT * FROM records').all()).toThrow(/not a database/);
    wrong.close();
  });
});

describe('recovery from an unreadable cache', () => {
  async function cacheWithOneRecord(): Promise<string> {
    const c = await open();
    await c.saveRecord(syntheticRecord({ items: 300 }));
    c.close();
    cache = undefined;
    return cacheDatabasePath(env.dataDir);
  }

  async function expectFreshAfterRecovery(reason: RecoveryEvent['reason'], oldKey: string | null) {
    const events: RecoveryEvent[] = [];
    const c = await open({ onRecovery: (e) => events.push(e) });
    expect(events).toEqual([expect.objectContaining({ reason, action: 'deleted' })]);
    expect(c.notices).toEqual([OFFLINE_CACHE_RESET_NOTICE]);
    expect(await c.list()).toEqual([]);
    const newKey = await env.vault.get(cacheKeyName(env.dataDir));
    expect(newKey).toMatch(/^[0-9a-f]{64}$/);
    expect(newKey).not.toBe(oldKey);
    await c.saveRecord(syntheticRecord());
    expect((await c.loadRecord(NHS))?.patient.name).toBe(NAME);
  }

  it('detects flipped bytes inside the file and starts again with a new key', async () => {
    const file = await cacheWithOneRecord();
    const oldKey = await env.vault.get(cacheKeyName(env.dataDir));
    flipBytes(file, Math.floor(fs.statSync(file).size / 2));
    await expectFreshAfterRecovery('corrupt', oldKey);
  });

  it('detects a tampered first page', async () => {
    const file = await cacheWithOneRecord();
    const oldKey = await env.vault.get(cacheKeyName(env.dataDir));
    flipBytes(file, 100);
    await expectFreshAfterRecovery('cannot-decrypt', oldKey);
  });

  it('recovers when the keystore entry has been deleted', async () => {
    await cacheWithOneRecord();
    expect(await env.vault.delete(cacheKeyName(env.dataDir))).toBe(true);
    await expectFreshAfterRecovery('key-missing', null);
  });

  it('recovers when the keystore holds a different key', async () => {
    await cacheWithOneRecord();
    const oldKey = await env.vault.create(cacheKeyName(env.dataDir));
    await expectFreshAfterRecovery('cannot-decrypt', oldKey);
  });

  it('recovers when damage is only found by a later read, and says so', async () => {
    const file = await cacheWithOneRecord();
    flipBytes(file, Math.floor(fs.statSync(file).size / 2));
    const events: RecoveryEvent[] = [];
    cache = await openOfflineCache({
      dataDir: env.dataDir,
      keyVault: env.vault,
      verifyOnOpen: false,
      onRecovery: (e) => events.push(e),
    });
    expect(cache.notices).toEqual([]);
    expect(await cache.loadRecord(NHS)).toBeUndefined();
    expect(events).toEqual([expect.objectContaining({ reason: 'corrupt', action: 'deleted' })]);
    expect(cache.notices).toEqual([OFFLINE_CACHE_RESET_NOTICE]);
    await cache.saveRecord(syntheticRecord());
    expect((await cache.list()).map((r) => r.nhsNumber)).toEqual([NHS]);
  });

  it('quarantines rather than deletes when asked (the audit log), keeping the old key aside', async () => {
    const file = path.join(env.dataDir, 'audit.db');
    const migrations = [
      { version: 1, description: 'log', up: (db: Database.Database) => db.exec('CREATE TABLE log (x)') },
    ];
    const first = await openEncryptedDatabase({
      path: file,
      keyVault: env.vault,
      keyName: 'audit',
      migrations,
    });
    first.db.prepare('INSERT INTO log VALUES (?)').run('entry');
    first.close();
    flipBytes(file, 100);
    const events: RecoveryEvent[] = [];
    const second = await openEncryptedDatabase({
      path: file,
      keyVault: env.vault,
      keyName: 'audit',
      migrations,
      clock: () => new Date('2024-06-01T09:00:00Z'),
      onRecovery: (e) => events.push(e),
    });
    expect(events[0]).toMatchObject({ reason: 'cannot-decrypt', action: 'quarantined' });
    const moved = events[0]?.quarantinedTo ?? [];
    expect(moved[0]).toBe(
      path.join(env.dataDir, 'quarantine', 'audit.db.2024-06-01T09-00-00-000Z.cannot-decrypt'),
    );
    expect(fs.existsSync(moved[0]!)).toBe(true);
    expect(await env.vault.get('audit@2024-06-01T09-00-00-000Z')).toMatch(/^[0-9a-f]{64}$/);
    expect(second.db.prepare('SELECT count(*) FROM log').pluck().get()).toBe(0);
    second.close();
  });
});

describe('schema migrations', () => {
  it('creates a fresh database at the latest version', async () => {
    await open();
    const db = new Database(cacheDatabasePath(env.dataDir));
    db.pragma(`key = "raw:${await env.vault.get(cacheKeyName(env.dataDir))}"`);
    expect(db.pragma('user_version', { simple: true })).toBe(cacheMigrations.length);
    db.close();
  });

  it('opens with WAL, secure_delete and foreign keys on', async () => {
    const handle = await openEncryptedDatabase({
      path: cacheDatabasePath(env.dataDir),
      keyVault: env.vault,
      keyName: 'settings-check',
      migrations: cacheMigrations,
    });
    expect(handle.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(handle.db.pragma('secure_delete', { simple: true })).toBe(1);
    expect(handle.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(handle.db.pragma('cipher', { simple: true })).toBe('chacha20');
    handle.close();
  });

  it('upgrades a version 1 cache and keeps its records searchable', async () => {
    const file = cacheDatabasePath(env.dataDir);
    const v1 = await openEncryptedDatabase({
      path: file,
      keyVault: env.vault,
      keyName: cacheKeyName(env.dataDir),
      migrations: cacheMigrations.slice(0, 1),
    });
    const record = syntheticRecord({ items: 3 });
    const { items, ...rest } = record;
    v1.db
      .prepare(
        `INSERT INTO records (nhs_number, name, birth_date, fetched_at, expires_at, pinned, sources_json, record_json)
         VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
      )
      .run(
        NHS,
        NAME,
        '1941-03-12',
        '2024-06-01T08:14:00.000Z',
        '2999-01-01T00:00:00.000Z',
        JSON.stringify(record.sources),
        JSON.stringify(rest),
      );
    items.forEach((item, i) =>
      v1.db
        .prepare(
          `INSERT INTO items (nhs_number, position, item_key, section, resource_type, source_ids, item_json)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(NHS, i, item.key, item.section, item.resourceType, ',dcr,', JSON.stringify(item)),
    );
    expect(v1.db.pragma('user_version', { simple: true })).toBe(1);
    v1.close();

    const c = await open();
    expect((await c.search('winterbourne')).map((r) => r.nhsNumber)).toEqual([NHS]);
    expect(await c.loadRecord(NHS)).toEqual(record);
    expect((await c.meta(NHS))?.sourcesAsOf).toEqual({ dcr: record.assembledAt, chie: record.assembledAt });
  });

  it('refuses a file from a newer version and leaves it untouched', async () => {
    const c = await open();
    await c.saveRecord(syntheticRecord());
    c.close();
    cache = undefined;
    const file = cacheDatabasePath(env.dataDir);
    const db = new Database(file);
    db.pragma(`key = "raw:${await env.vault.get(cacheKeyName(env.dataDir))}"`);
    db.pragma('user_version = 99');
    db.close();
    await expect(open()).rejects.toThrow(/newer version of Wessex Care Record/);
    const again = new Database(file);
    again.pragma(`key = "raw:${await env.vault.get(cacheKeyName(env.dataDir))}"`);
    expect(again.prepare('SELECT count(*) FROM records').pluck().get()).toBe(1);
    again.close();
  });
});

describe('retention', () => {
  const t0 = new Date('2024-06-01T08:00:00Z');
  const hours = (h: number) => new Date(t0.getTime() + h * 3_600_000);

  it('purges expired records on the timer, keeping pinned caseload records for their longer retention', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let now = t0;
    const c = await open({ clock: () => now });
    c.setRetention({ retentionHours: 72, pinnedRetentionHours: 168 });
    await c.saveRecord(syntheticRecord());
    await c.saveRecord(syntheticRecord({ nhsNumber: '9990000018', name: 'John SMITH' }), { pinned: true });
    const purged: number[] = [];
    const stop = startRetentionTimer(c, { intervalMs: 60_000, onPurged: (n) => purged.push(n) });

    now = hours(71);
    await vi.advanceTimersByTimeAsync(60_000);
    expect((await c.list()).length).toBe(2);
    now = hours(73);
    await vi.advanceTimersByTimeAsync(60_000);
    await vi.waitFor(() => expect(purged).toEqual([1]));
    expect((await c.list()).map((r) => r.name)).toEqual(['John SMITH']);
    now = hours(169);
    await vi.advanceTimersByTimeAsync(60_000);
    await vi.waitFor(() => expect(purged).toEqual([1, 1]));
    expect(await c.list()).toEqual([]);
    stop();
  });

  it('purges at start-up and at sign-out', async () => {
    let now = t0;
    const c = await open({ clock: () => now });
    await c.saveRecord(syntheticRecord());
    await c.saveRecord(syntheticRecord({ nhsNumber: '9990000018', name: 'John SMITH' }), { pinned: true });
    now = hours(100);
    expect(await c.onSignOut()).toBe(1);
    c.close();
    now = hours(200);
    const reopened = await open({ clock: () => now });
    expect(await reopened.list()).toEqual([]);
  });
});

describe('rekey', () => {
  it('re-encrypts under a new key and keeps every record', async () => {
    const c = await open();
    await c.saveRecord(syntheticRecord({ items: 100 }));
    const before = await env.vault.get(cacheKeyName(env.dataDir));
    await c.rekey();
    const after = await env.vault.get(cacheKeyName(env.dataDir));
    expect(after).not.toBe(before);
    expect(await env.vault.get(`${cacheKeyName(env.dataDir)}.next`)).toBeNull();
    c.close();
    const reopened = await open();
    expect(reopened.notices).toEqual([]);
    expect((await reopened.loadRecord(NHS))?.items).toHaveLength(100);
  });

  it('never loses access when interrupted after the file changed key', async () => {
    const c = await open();
    await c.saveRecord(syntheticRecord());
    c.close();
    // A vault whose keystore fails just as the new key would become the primary one.
    const failing = {
      ...env.vault,
      put: async (name: string, key: string) => {
        if (name === cacheKeyName(env.dataDir)) throw new Error('keystore went away');
        await env.vault.put(name, key);
      },
    };
    const interrupted = await openOfflineCache({ dataDir: env.dataDir, keyVault: failing });
    await expect(interrupted.rekey()).rejects.toThrow(/keystore went away/);
    interrupted.close();
    const reopened = await open();
    expect(reopened.notices).toEqual([]);
    expect((await reopened.loadRecord(NHS))?.patient.name).toBe(NAME);
    expect(await env.vault.get(`${cacheKeyName(env.dataDir)}.next`)).toBeNull();
  });
});
