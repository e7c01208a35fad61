// `npm run bench:cache`: a 20,000-resource record (the sandbox's large patient, fetched by the real engine and
// governed) written to and read back from the offline cache, encrypted (ChaCha20-Poly1305, raw 256-bit key)
// vs plain — the same library (better-sqlite3-multiple-ciphers) with no key, i.e. plain SQLite through the
// better-sqlite3 API — side by side in one run; plus offline open of that record to the summary model.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import Database from 'better-sqlite3-multiple-ciphers';
import { buildSummary } from '../common/summary';
import type { WessexRecord } from '../common/record';
import { noTokens } from '../main/services/auth/token-provider';
import { cacheMigrations } from '../main/services/cache/migrations';
import { openEncryptedDatabase, type EncryptedDatabase } from '../main/services/cache/encrypted-database';
import { createSecretStoreKeyVault } from '../main/services/cache/key-vault';
import { OfflineCache } from '../main/services/cache/offline-cache';
import type { SecretStore } from '../main/services/keystore/secret-store';
import { loadSensitiveCodes } from '../main/services/governance';
import { RecordOpener } from '../main/services/offline';
import { createGovernedLiveFetch } from '../main/services/offline/governed-fetch';
import { startSandbox } from '../sandbox';
import { metric, ratio, reportBench } from './lib/results';
import { syntheticRecord } from './lib/synthetic-record';

const ITERATIONS = 7;
const TARGET_ITEMS = 20_000;
/** What the summary screen reads first; older results load when the results history is opened. */
const RECENT_RESULTS = 1_000;

/** The key vault is not what is measured; an in-memory store keeps the bench runnable without a keyring. */
function memorySecrets(): SecretStore {
  const map = new Map<string, string>();
  return {
    get: async (k) => map.get(k) ?? null,
    set: async (k, v) => void map.set(k, v),
    delete: async (k) => map.delete(k),
  };
}

/** The same schema, pragmas and store code, without a key (the plain SQLite baseline). */
function plainDatabase(file: string): EncryptedDatabase {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('secure_delete = ON');
  db.pragma('foreign_keys = ON');
  db.pragma('temp_store = MEMORY');
  for (const m of cacheMigrations) {
    m.up(db);
    db.pragma(`user_version = ${m.version}`);
  }
  return { db, recovered: undefined, close: () => db.close() } as unknown as EncryptedDatabase;
}

async function largeRecord(notes: string[]): Promise<WessexRecord> {
  const sandbox = await startSandbox({ includeLargePatient: true, requireAuth: false });
  try {
    const large = sandbox.patient('large');
    const fetchLive = createGovernedLiveFetch({
      sources: [
        { id: 'dcr', name: 'DCR', fhirBase: sandbox.urls.dcr },
        { id: 'chie', name: 'CHIE', fhirBase: sandbox.urls.chie },
      ],
      tokens: noTokens,
      identity: () => ({ eprPatient: large.epr }),
      governance: {
        access: 'everything',
        sensitive: loadSensitiveCodes(),
        breakGlassOverridesDissent: false,
      },
      engine: { deadlineMs: 120_000 },
    });
    const record = await fetchLive(large.nhsNumber, {});
    notes.push(
      `record: sandbox large patient via the engine + governance, ${record.items.length} merged items`,
    );
    return record;
  } catch (error) {
    notes.push(
      `sandbox large patient unavailable (${error instanceof Error ? error.message : error}); synthetic record`,
    );
    return syntheticRecord({ items: TARGET_ITEMS });
  } finally {
    await sandbox.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function main(): Promise<void> {
  const notes: string[] = [];
  const record = await largeRecord(notes);
  const nhs = record.patient.nhsNumber!;
  const bytes = Buffer.byteLength(JSON.stringify(record));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wessex-bench-cache-'));
  const retention = { retentionHours: 72, pinnedRetentionHours: 168 };
  try {
    const encryptedDb = await openEncryptedDatabase({
      path: path.join(dir, 'encrypted.db'),
      keyVault: createSecretStoreKeyVault(memorySecrets()),
      keyName: 'bench',
      migrations: cacheMigrations,
    });
    const encrypted = new OfflineCache(encryptedDb, retention);
    const plain = new OfflineCache(plainDatabase(path.join(dir, 'plain.db')), retention);
    const never = async (): Promise<WessexRecord> => {
      throw new Error('offline');
    };
    const opener = new RecordOpener({ cache: encrypted, fetchLive: never });

    const samples = { encWrite: [] as number[], plainWrite: [] as number[], encRead: [] as number[] };
    const more = {
      plainRead: [] as number[],
      offlineOpen: [] as number[],
      offlineFirstPaint: [] as number[],
    };
    for (let i = 0; i <= ITERATIONS; i++) {
      const keep = i > 0; // the first round warms up both
      const ew = await time(() => encrypted.saveRecord(record));
      const pw = await time(() => plain.saveRecord(record));
      const er = await time(() => encrypted.loadRecord(nhs));
      const pr = await time(() => plain.loadRecord(nhs));
      const oo = await time(async () => {
        const opened = await opener.openOffline(nhs, { recentResults: RECENT_RESULTS });
        buildSummary(opened!.record, new Date());
      });
      const fp = await time(async () => {
        const opened = await opener.openOffline(nhs);
        buildSummary(opened!.record, new Date());
      });
      if (!keep) continue;
      samples.encWrite.push(ew);
      samples.plainWrite.push(pw);
      samples.encRead.push(er);
      more.plainRead.push(pr);
      more.offlineOpen.push(oo);
      more.offlineFirstPaint.push(fp);
    }
    const loaded = await encrypted.loadRecord(nhs);
    const plainJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
    if (!isDeepStrictEqual(plainJson(loaded), plainJson(record))) {
      throw new Error('The record read back differs from the record written.');
    }
    encrypted.close();
    plain.close();
    const m = {
      encWrite: median(samples.encWrite),
      plainWrite: median(samples.plainWrite),
      encRead: median(samples.encRead),
      plainRead: median(more.plainRead),
      offlineOpen: median(more.offlineOpen),
      offlineFirstPaint: median(more.offlineFirstPaint),
    };
    notes.push(
      `plain baseline: better-sqlite3-multiple-ciphers without a key (plain SQLite, same better-sqlite3 API and store code)`,
      `medians of ${ITERATIONS} runs after one warm-up, encrypted and plain alternating`,
      `offline open = meta + every non-results item + the newest ${RECENT_RESULTS} results from the encrypted cache, as-of banner, buildSummary (results rows and trends included)`,
      'offline open, whole history = the same reading all items (what the full results history view costs)',
    );
    reportBench('cache', {
      metrics: {
        items: metric(record.items.length, 'items'),
        'record JSON size': metric(bytes / 1_048_576, 'MiB'),
        'write encrypted': metric(m.encWrite, 'ms'),
        'write plain': metric(m.plainWrite, 'ms'),
        'read encrypted': metric(m.encRead, 'ms'),
        'read plain': metric(m.plainRead, 'ms'),
        'offline open to summary model': metric(m.offlineOpen, 'ms'),
        'offline open, whole history, to summary model': metric(m.offlineFirstPaint, 'ms'),
        'write encrypted / plain': metric(m.encWrite / m.plainWrite, '× (no target)'),
        'encrypted file size': metric(fs.statSync(path.join(dir, 'encrypted.db')).size / 1_048_576, 'MiB'),
      },
      ratios: {
        'read encrypted / plain': ratio(m.encRead / m.plainRead, '<=', 1.6),
        'offline open to summary model (ms)': ratio(m.offlineOpen, '<=', 100),
      },
      notes,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
