// Offline mode and refresh against the real sandbox servers, the real engine and governance, and a real
// encrypted cache in a temp dir (keys in the real keyring).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Resource } from '../../common/fhir';
import type { WessexRecord } from '../../common/record';
import { noTokens } from '../../main/services/auth/token-provider';
import { openOfflineCache, type OfflineCache } from '../../main/services/cache';
import { loadSensitiveCodes } from '../../main/services/governance';
import { createGovernedLiveFetch, RecordOpener } from '../../main/services/offline';
import { startSandbox, type RunningSandbox } from '../../sandbox';
import { cacheTestEnv, type CacheTestEnv } from './cache-support';

let sandbox: RunningSandbox;
let env: CacheTestEnv;
let cache: OfflineCache;
let now: Date;

const T0 = new Date('2024-06-01T08:14:00Z'); // 09:14 in London (BST)
const later = (hours: number) => new Date(T0.getTime() + hours * 3_600_000);

beforeAll(async () => {
  sandbox = await startSandbox({ requireAuth: false });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  env = cacheTestEnv();
  now = T0;
  cache = await openOfflineCache({ dataDir: env.dataDir, keyVault: env.vault, clock: () => now });
});
afterEach(async () => {
  cache.close();
  for (const s of [sandbox.servers.dcr, sandbox.servers.chie, sandbox.servers.locator])
    await s.setFault(undefined);
  await env.cleanup();
});

function opener(): RecordOpener {
  const fetchLive = createGovernedLiveFetch({
    sources: [
      { id: 'dcr', name: 'DCR', fhirBase: sandbox.urls.dcr },
      { id: 'chie', name: 'CHIE', fhirBase: sandbox.urls.chie },
    ],
    locator: { id: 'locator', name: 'Record locator', fhirBase: sandbox.urls.locator },
    tokens: noTokens,
    identity: (nhs) => {
      const patient = sandbox.patients.find((p) => p.nhsNumber === nhs);
      return patient ? { eprPatient: patient.epr, verification: 'verified' } : {};
    },
    governance: { access: 'everything', sensitive: loadSensitiveCodes(), breakGlassOverridesDissent: false },
    engine: { maxRetries: 0, deadlineMs: 10_000 },
  });
  return new RecordOpener({ cache, fetchLive, clock: () => now, sinceMarginMs: 0 });
}

async function allDown(): Promise<void> {
  for (const s of [sandbox.servers.dcr, sandbox.servers.chie, sandbox.servers.locator])
    await s.setFault('down');
}

const displays = (record: WessexRecord) => record.items.map((i) => i.display);

function dcrResource(key: string, type: string): Resource {
  const found = sandbox.patient(key).dcr.find((r) => r.resourceType === type);
  if (!found) throw new Error(`no ${type} for ${key} in DCR`);
  return found;
}

describe('offline open', () => {
  it('opens the cached record with an as-of banner when the sources cannot be reached', async () => {
    const frail = sandbox.patient('frail');
    const live = await opener().open(frail.nhsNumber);
    expect(live.from).toBe('live');
    expect(live.record.items.length).toBeGreaterThan(5);

    await allDown();
    now = later(3);
    const offline = await opener().open(frail.nhsNumber);
    expect(offline.from).toBe('offline');
    expect(offline.record.offline).toEqual({ asOf: T0.toISOString() });
    expect(displays(offline.record)).toEqual(displays(live.record));
    expect(offline.banner?.text).toBe(
      'Offline — record as of 09:14 today (3 h old), sources: DCR ✓ CHIE ✓ Record locator ✓',
    );
  });

  it('says plainly when a patient is neither reachable nor cached', async () => {
    await allDown();
    const result = await opener().open(sandbox.patient('cross-border').nhsNumber);
    expect(result.from).toBe('live');
    expect(result.record.sources.every((s) => s.state === 'failed')).toBe(true);
    expect(await cache.list()).toEqual([]);
  });

  it('opens from the cache without asking the sources when offline is preferred', async () => {
    const frail = sandbox.patient('frail');
    await opener().open(frail.nhsNumber);
    sandbox.servers.dcr.clearRequests();
    const result = await opener().open(frail.nhsNumber, { preferOffline: true });
    expect(result.from).toBe('offline');
    expect(sandbox.servers.dcr.requests).toEqual([]);
  });
});

describe('refresh when back online', () => {
  it('an incremental refresh (_lastUpdated per source) picks up a server-side change', async () => {
    const frail = sandbox.patient('frail');
    const first = await opener().open(frail.nhsNumber);
    const condition = dcrResource('frail', 'Condition');
    const current = (await sandbox.servers.dcr.readResource('Condition', condition.id!)) as Resource & {
      code?: Record<string, unknown>;
    };
    await sandbox.servers.dcr.updateResource({
      ...current,
      code: { ...(current.code ?? {}), text: 'Updated by the GP today' },
    } as Resource);

    sandbox.servers.dcr.clearRequests();
    now = later(1);
    const refreshed = await opener().open(frail.nhsNumber);
    expect(refreshed.from).toBe('refreshed');
    expect(sandbox.servers.dcr.requests.some((r) => r.url.includes('_lastUpdated=gt'))).toBe(true);
    expect(displays(refreshed.record)).toContain('Updated by the GP today');
    expect(refreshed.record.items.length).toBe(first.record.items.length);
    // What was merged is what is cached.
    expect(displays((await cache.loadRecord(frail.nhsNumber))!)).toContain('Updated by the GP today');
  });

  it('a server-side deletion is invisible incrementally and disappears on the periodic full refresh', async () => {
    const legg = sandbox.patient('cross-border');
    const first = await opener().open(legg.nhsNumber);
    const doomed = first.record.items.find(
      (i) => i.provenance.length === 1 && i.provenance[0]?.sourceId === 'dcr' && i.section === 'problems',
    );
    expect(doomed).toBeDefined();
    const ref = doomed!.provenance[0]!;
    await sandbox.servers.dcr.deleteResource(ref.resourceType, ref.resourceId);

    now = later(2);
    const incremental = await opener().open(legg.nhsNumber);
    expect(incremental.from).toBe('refreshed');
    expect(incremental.record.items.map((i) => i.key)).toContain(doomed!.key);

    now = later(25);
    const full = await opener().open(legg.nhsNumber);
    expect(full.from).toBe('live');
    expect(full.record.items.map((i) => i.key)).not.toContain(doomed!.key);
    expect((await cache.loadRecord(legg.nhsNumber))!.items.map((i) => i.key)).not.toContain(doomed!.key);
  });
});
