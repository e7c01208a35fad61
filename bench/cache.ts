// `npm run bench:cache`: a 20,000-resource two-source snapshot (the sandbox's large patient, fetched by the real
// engine and put through patient-level governance, as the record reader does before saving) written to and
// read back from the offline cache, encrypted (ChaCha20-Poly1305, raw 256-bit key) vs plain — the same
// library (better-sqlite3-multiple-ciphers) with no key, i.e. plain SQLite through the better-sqlite3 API —
// side by side in one run; plus the offline open of that record as the app does it (RecordReader.openOffline)
// to the summary model, and the merge (buildRecord) on its own.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import Database from 'better-sqlite3-multiple-ciphers';
import { CRITICAL_SECTIONS } from '../common/record';
import { buildSummary, recordLists, recordOverview } from '../common/summary';
import { noTokens } from '../main/services/auth/token-provider';
import { cacheMigrations } from '../main/services/cache/migrations';
import { openEncryptedDatabase, type EncryptedDatabase } from '../main/services/cache/encrypted-database';
import { createSecretStoreKeyVault } from '../main/services/cache/key-vault';
import { OfflineCache } from '../main/services/cache/offline-cache';
import { governSnapshot, loadSensitiveCodes, type GovernOptions } from '../main/services/governance';
import { RecordReader, type ReadRequest } from '../main/services/offline';
import {
  buildRecord,
  fetchSnapshot,
  type EngineSource,
  type RecordIdentity,
  type RecordSnapshot,
} from '../main/services/record';
import { canonicalOrder } from '../main/services/record/snapshot';
import { startSandbox } from '../sandbox';
import { memorySecrets } from './lib/caseload-fixtures';
import { median, metric, ratio, reportBench, sampled } from './lib/results';
import { resourceCount, SYNTHETIC_SOURCES, syntheticSnapshot } from './lib/synthetic-snapshot';
import { runCompiled } from './lib/compiled';

const ITERATIONS = 7;
const TARGET_RESOURCES = 20_000;

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

interface BenchPatient {
  snapshot: RecordSnapshot;
  identity: RecordIdentity;
  sources: EngineSource[];
}

const governance: GovernOptions = {
  access: 'everything',
  sensitive: loadSensitiveCodes(),
  breakGlass: false,
  breakGlassOverridesDissent: false,
};

/** The sandbox's large patient as the reader would save it, else a synthetic snapshot of the same size. */
async function largeSnapshot(notes: string[]): Promise<BenchPatient> {
  let sandbox: Awaited<ReturnType<typeof startSandbox>> | undefined;
  try {
    sandbox = await startSandbox({ includeLargePatient: true, requireAuth: false });
    const large = sandbox.patient('large');
    const sources: EngineSource[] = [
      { id: 'dcr', name: 'DCR', fhirBase: sandbox.urls.dcr },
      { id: 'chie', name: 'CHIE', fhirBase: sandbox.urls.chie },
    ];
    const identity: RecordIdentity = {
      nhsNumber: large.nhsNumber,
      mayQueryRegionalSources: true,
      eprPatient: large.epr,
    };
    const live = await fetchSnapshot({
      requestId: 'bench-cache',
      identity,
      sources,
      tokens: noTokens,
      options: { deadlineMs: 120_000 },
    });
    const snapshot = governSnapshot(live, governance);
    const failed = snapshot.sources.filter((s) => s.status.state !== 'complete');
    if (failed.length || resourceCount(snapshot) < TARGET_RESOURCES / 2) {
      throw new Error(
        `${resourceCount(snapshot)} resources; ${failed.map((s) => `${s.status.name} ${s.status.state}`).join(', ') || 'all complete'}`,
      );
    }
    notes.push(
      `snapshot: sandbox large patient via the engine (fetchSnapshot) + patient-level governance, ` +
        `${resourceCount(snapshot)} resources over ${snapshot.sources.length} sources`,
    );
    return { snapshot, identity, sources };
  } catch (error) {
    notes.push(
      `sandbox large patient unavailable (${error instanceof Error ? error.message : error}); synthetic snapshot`,
    );
    const snapshot = syntheticSnapshot({ resources: TARGET_RESOURCES });
    return {
      snapshot,
      identity: { nhsNumber: snapshot.nhsNumber, mayQueryRegionalSources: true },
      sources: SYNTHETIC_SOURCES.map((s) => ({ id: s.id, name: s.name, fhirBase: s.baseUrl })),
    };
  } finally {
    await sandbox?.close();
  }
}

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** The store keeps no row order: compare each source's resources in canonical order, as plain JSON. */
function comparable(snapshot: RecordSnapshot | undefined): unknown {
  if (!snapshot) return undefined;
  const sorted = {
    ...snapshot,
    sources: snapshot.sources.map((s) => ({ ...s, resources: canonicalOrder(s.resources) })),
  };
  return JSON.parse(JSON.stringify(sorted)) as unknown;
}

async function main(): Promise<void> {
  const notes: string[] = [];
  const { snapshot, identity, sources } = await largeSnapshot(notes);
  const nhs = snapshot.nhsNumber;
  const bytes = Buffer.byteLength(JSON.stringify(snapshot));
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
    // The reader as RecordAccess builds it (sources, tokens, cache); offline opens never reach the sources.
    const reader = new RecordReader({ sources, tokens: noTokens, cache: encrypted });
    const request: ReadRequest = { requestId: 'bench-offline', identity, governance };

    const samples = {
      encWrite: [] as number[],
      plainWrite: [] as number[],
      encRead: [] as number[],
      plainRead: [] as number[],
      offlineOpen: [] as number[],
      offlineUrgent: [] as number[],
      offlineSummary: [] as number[],
      build: [] as number[],
    };
    let items = 0;
    for (let i = 0; i <= ITERATIONS; i++) {
      const keep = i > 0; // the first round warms up both
      const ew = await time(() => encrypted.saveSnapshot(snapshot));
      const pw = await time(() => plain.saveSnapshot(snapshot));
      let loaded: RecordSnapshot | undefined;
      const er = await time(async () => {
        loaded = await encrypted.loadSnapshot(nhs);
      });
      const pr = await time(() => plain.loadSnapshot(nhs));
      const br = await time(() => {
        items = buildRecord(loaded!, { identity }).items.length;
      });
      // As the app opens a saved record (RecordAccess → RecordReader.openOffline(read), no load options, with
      // the screen's event sink): the urgent-care sections are sent first, then the summary is the answer
      // (the overview the bridge sends), and the whole saved copy follows for the long lists' pages.
      let urgentSentAt = NaN;
      let summaryAt = NaN;
      const ooStart = performance.now();
      const oo = await time(async () => {
        const opened = await reader.openOffline({
          ...request,
          emit: (event) => {
            if (event.type === 'section' && event.section === CRITICAL_SECTIONS.at(-1))
              urgentSentAt = performance.now();
          },
        });
        const overview = recordOverview(
          opened!.record,
          recordLists(opened!.record),
          opened!.partial?.longLists,
        );
        buildSummary(overview, new Date());
        summaryAt = performance.now();
        await opened!.partial?.readWhole();
      });
      const urgent = urgentSentAt - ooStart;
      const summary = summaryAt - ooStart;
      if (!keep) continue;
      samples.encWrite.push(ew);
      samples.plainWrite.push(pw);
      samples.encRead.push(er);
      samples.plainRead.push(pr);
      samples.build.push(br);
      samples.offlineOpen.push(oo);
      samples.offlineUrgent.push(urgent);
      samples.offlineSummary.push(summary);
    }
    for (const [name, store] of [
      ['encrypted', encrypted],
      ['plain', plain],
    ] as const) {
      if (!isDeepStrictEqual(comparable(await store.loadSnapshot(nhs)), comparable(snapshot))) {
        throw new Error(`The snapshot read back from the ${name} store differs from the snapshot written.`);
      }
    }
    encrypted.close();
    plain.close();
    const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<
      keyof typeof samples,
      number
    >;
    notes.push(
      `plain baseline: better-sqlite3-multiple-ciphers without a key (plain SQLite, same better-sqlite3 API and store code)`,
      `medians of ${ITERATIONS} runs after one warm-up, encrypted and plain alternating`,
      'read = loadSnapshot of every resource; buildRecord = the merge of the loaded snapshot into the record, alone',
      'offline open = what the app does (RecordReader.openOffline with no load options, events to the screen): ' +
        'the urgent-care sections read, merged, governed and sent first; then the rest of the summary and the ' +
        `newest rows of each long list, governed, as the bridge's overview with its summary model (the answer); ` +
        'then the whole saved copy read and governed for the long lists’ pages (the "whole" figure)',
    );
    reportBench('cache', {
      metrics: {
        resources: metric(resourceCount(snapshot), 'resources'),
        'merged items': metric(items, 'items'),
        'snapshot JSON size': metric(bytes / 1_048_576, 'MiB'),
        'write encrypted': metric(m.encWrite, 'ms'),
        'write plain': metric(m.plainWrite, 'ms'),
        'read encrypted': metric(m.encRead, 'ms'),
        'read plain': metric(m.plainRead, 'ms'),
        buildRecord: metric(m.build, 'ms'),
        'offline open → urgent-care sections sent': sampled(samples.offlineUrgent, 'ms'),
        'offline open → summary answered (overview and summary model)': sampled(samples.offlineSummary, 'ms'),
        'offline open → whole saved copy ready for pages': sampled(samples.offlineOpen, 'ms'),
        'write encrypted / plain': metric(m.encWrite / m.plainWrite, '× (no target)'),
        'encrypted file size': metric(fs.statSync(path.join(dir, 'encrypted.db')).size / 1_048_576, 'MiB'),
      },
      ratios: {
        'read encrypted / plain': ratio(m.encRead / m.plainRead, '<=', 1.6),
        'offline open → urgent-care sections sent, median ms (target ms)': ratio(m.offlineUrgent, '<=', 100),
        'offline open → summary answered, median ms (target ms)': ratio(m.offlineSummary, '<=', 100),
      },
      notes,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runCompiled(__filename);
main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
