import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { syntheticRecord } from '../../bench/lib/synthetic-record';
import { resourceCount, syntheticSnapshot } from '../../bench/lib/synthetic-snapshot';
import { noTokens } from '../../main/services/auth/token-provider';
import {
  cacheKeyName,
  OFFLINE_CACHE_RESET_NOTICE,
  openEncryptedDatabase,
  openOfflineCache,
  startRetentionTimer,
  type CachePurge,
  type OfflineCache,
  type RecoveryEvent,
} from '../../main/services/cache';
import { cacheMigrations } from '../../main/services/cache/migrations';
import { loadSensitiveCodes } from '../../main/services/governance';
import { RecordReader } from '../../main/services/offline/record-reader';
import { keepUrgentCareDocuments } from '../../main/services/offline';
import type { RecordPointer, WessexRecord } from '../../common/record';
import { cacheDatabasePath } from '../../main/services/paths';
import { buildRecord } from '../../main/services/record/build-record';
import type { Json } from '../../main/services/record/fhir-read';
import { canonicalOrder, type RecordSnapshot } from '../../main/services/record/snapshot';
import { bytesContain, cacheTestEnv, flipBytes, type CacheTestEnv } from './cache-support';

const NHS = '9434765919';
/** The banner name the store lists, from the sources' Patient. */
const NAME = 'WINTERBOURNE, Margaret';
const SMITH_NHS = '9990000018';
const SMITH = 'SMITH, John';
const BUILT_AT = new Date('2024-06-01T09:00:00Z');

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

async function open(
  options: {
    clock?: () => Date;
    onRecovery?: (e: RecoveryEvent) => void;
    onPurged?: (p: CachePurge) => void;
  } = {},
) {
  cache = await openOfflineCache({ dataDir: env.dataDir, keyVault: env.vault, ...options });
  return cache;
}

/** A second, key-holding connection to the cache file (for looking under the store). */
async function rawDatabase(): Promise<Database.Database> {
  const db = new Database(cacheDatabasePath(env.dataDir));
  db.pragma(`key = "raw:${await env.vault.get(cacheKeyName(env.dataDir))}"`);
  return db;
}

async function countRows(sql: string): Promise<number> {
  const db = await rawDatabase();
  try {
    return db.prepare(sql).pluck().get() as number;
  } finally {
    db.close();
  }
}

const smith = (options: Parameters<typeof syntheticSnapshot>[0] = {}) =>
  syntheticSnapshot({
    nhsNumber: SMITH_NHS,
    family: 'Smith',
    given: 'John',
    birthDate: '1980-01-05',
    gender: 'male',
    ...options,
  });

/** The merged record the UI would show for this snapshot (the one way a snapshot becomes a record). */
const build = (snapshot: RecordSnapshot) =>
  buildRecord(snapshot, {
    identity: { nhsNumber: snapshot.nhsNumber, mayQueryRegionalSources: true },
    now: BUILT_AT,
  });
const displays = (snapshot: RecordSnapshot) => build(snapshot).items.map((i) => i.display);

/** The store keeps no row order: each source's resources in canonical order (the order the merge uses). */
function canonical(snapshot: RecordSnapshot | undefined): RecordSnapshot | undefined {
  return (
    snapshot && {
      ...snapshot,
      sources: snapshot.sources.map((s) => ({ ...s, resources: canonicalOrder(s.resources) })),
    }
  );
}

const idsOf = (snapshot: RecordSnapshot | undefined, sourceId: string) =>
  (snapshot?.sources.find((s) => s.status.id === sourceId)?.resources ?? []).map((r) => String(r.id)).sort();

describe('offline cache store', () => {
  it('round-trips the governed snapshot exactly, so the record rebuilt from it is the one the UI showed', async () => {
    const c = await open();
    const snapshot = syntheticSnapshot({ resources: 50 });
    const [dcr, chie] = snapshot.sources as [
      RecordSnapshot['sources'][number],
      RecordSnapshot['sources'][number],
    ];
    // A second copy of a medication, stopped where the other is active: the rebuilt record shows the conflict.
    const ramipril = chie.resources.find((r) => r.id === 'medicationstatement-3')!;
    dcr.resources.push({
      ...ramipril,
      id: 'ramipril-stopped',
      status: 'stopped',
      effectiveDateTime: '2023-06-01',
    });
    dcr.withheld = { count: 2, reasons: ['sensitive'] };
    snapshot.withheld = { count: 2, reasons: ['sensitive'] };
    chie.status = {
      ...chie.status,
      state: 'partial',
      message: 'CHIE did not send every page of results',
      incompleteTypes: ['Observation'],
      savedCopy: { asOf: '2024-05-31T08:00:00.000Z' },
    };
    chie.savedCopyKeys = ['chie|Observation|observation-9'];
    chie.identityWarnings = [{ kind: 'multiple-matches', sourceId: 'chie', message: 'two CHIE records' }];
    snapshot.sources.push({
      status: {
        id: 'nrl',
        name: 'Record locator',
        kind: 'locator',
        baseUrl: 'http://127.0.0.1:1/nrl',
        state: 'complete',
        fetchedAt: snapshot.assembledAt,
        resourceCount: 1,
        warnings: [],
      },
      resources: [],
      pointers: [
        {
          id: 'ptr-1',
          type: { system: 'http://snomed.info/sct', code: '736373009', display: 'End of life care plan' },
          url: 'http://127.0.0.1:1/docs/eol.pdf',
          contentType: 'application/pdf',
          retrieval: 'not-attempted',
          sourceId: 'nrl',
        },
      ],
      identityWarnings: [],
    });
    snapshot.identityWarnings = [{ kind: 'unverified-nhs-number', message: 'not verified' }];
    expect(build(snapshot).conflicts).toEqual([expect.objectContaining({ kind: 'medication-status' })]);

    await c.saveSnapshot(snapshot, { pinned: true });
    const loaded = await c.loadSnapshot('943 476 5919');
    expect(canonical(loaded)).toEqual(canonical(snapshot));
    expect(build(loaded!)).toEqual(build(snapshot));

    const [listed] = await c.list();
    expect(listed).toMatchObject({ nhsNumber: NHS, name: NAME, birthDate: '1941-03-12', pinned: true });
    expect(listed?.sources).toEqual([
      { name: 'DCR', state: 'complete' },
      { name: 'CHIE', state: 'partial' },
      { name: 'Record locator', state: 'complete' },
    ]);
    const meta = await c.meta(NHS);
    expect(meta?.sources).toEqual(snapshot.sources.map((s) => s.status));
    expect(meta?.sourcesAsOf).toEqual({
      dcr: snapshot.assembledAt,
      chie: snapshot.assembledAt,
      nrl: snapshot.assembledAt,
    });
  });

  /** A store holding a long saved copy (3,000 resources), and that copy. */
  async function storeWithLongCopy(): Promise<{ c: OfflineCache; first: RecordSnapshot }> {
    const c = await open();
    const first = syntheticSnapshot({ resources: 3_000 });
    await c.saveSnapshot(first);
    return { c, first };
  }

  /** Counts the turns other work gets from now (a zero-delay timer); the returned function stops and tells. */
  function countOtherWork(): () => number {
    let turns = 0;
    const tick = setInterval(() => turns++, 0);
    return () => {
      clearInterval(tick);
      return turns;
    };
  }

  it('keeps the app answering while a long record is written, and a save that fails keeps the last copy', async () => {
    const { c } = await storeWithLongCopy();
    // Other work runs between the slices of one long save (a timer set now fires before the save ends).
    const otherWork = countOtherWork();
    const second = syntheticSnapshot({ resources: 3_000, assembledAt: '2024-06-02T08:14:00.000Z' });
    await c.saveSnapshot(second);
    expect(otherWork()).toBeGreaterThan(0);
    expect(canonical(await c.loadSnapshot(NHS))).toEqual(canonical(second));
    // A resource that cannot be written, late in the save: nothing of the failed save is kept.
    const broken = syntheticSnapshot({ resources: 3_000, assembledAt: '2024-06-03T08:14:00.000Z' });
    const resources = broken.sources[1]!.resources as unknown as Record<string, unknown>[];
    resources[resources.length - 1]!.note = { toJSON: () => BigInt(1) };
    await expect(c.saveSnapshot(broken)).rejects.toThrow(/BigInt/);
    expect(canonical(await c.loadSnapshot(NHS))).toEqual(canonical(second));
  });

  it('keeps the app answering while a long saved copy is read whole, and reads it as saved before a save meanwhile', async () => {
    const { c, first } = await storeWithLongCopy();
    // Other work runs between the slices of the read (before, 3,000 rows were read and parsed in one turn).
    const otherWork = countOtherWork();
    const reading = c.loadSnapshot(NHS);
    // A save asked for while the read is under way does not change what it reads: the copy saved before.
    const second = syntheticSnapshot({ resources: 3_000, assembledAt: '2024-06-02T08:14:00.000Z' });
    await new Promise((resolve) => setImmediate(resolve));
    const saving = c.saveSnapshot(second);
    const read = await reading;
    expect(otherWork()).toBeGreaterThan(2);
    expect(canonical(read)).toEqual(canonical(first));
    await saving;
    expect(canonical(await c.loadSnapshot(NHS))).toEqual(canonical(second));
    // A read no one wants any more (a newer open began) stops between slices; the store keeps answering.
    const controller = new AbortController();
    const stopped = c.load(NHS, { signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await expect(stopped).rejects.toThrow(/abort/i);
    expect(canonical(await c.loadSnapshot(NHS))).toEqual(canonical(second));
  });

  it('runs a queued save after the caller’s turn; reads wait for it; a failed save does not block the next', async () => {
    const c = await open();
    const refused = c.saveSnapshotSoon({ ...smith(), dissent: true });
    const queued = c.saveSnapshotSoon(syntheticSnapshot());
    let written = false;
    void queued.then(() => (written = true));
    // Not written in this turn; the next read waits for both saves.
    await Promise.resolve();
    expect(written).toBe(false);
    expect((await c.list()).map((r) => r.nhsNumber)).toEqual([NHS]);
    expect(written).toBe(true);
    await expect(refused).rejects.toThrow(/declined to share/);
    await expect(queued).resolves.toBeUndefined();
    c.saveSnapshotSoon(smith()).catch(() => undefined);
    await c.settled();
    c.close();
    cache = undefined;
    expect((await (await open()).list()).map((r) => r.nhsNumber).sort()).toEqual([NHS, SMITH_NHS].sort());
  });

  it('runs a queued save at once when a read or closing waits on it (nothing is left to answer first)', async () => {
    const c = await open();
    // The answer-first delay never ends on its own here: only someone waiting on the save can cut it short.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let written = false;
    void c.saveSnapshotSoon(smith()).then(() => (written = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(written).toBe(false);
    expect((await c.list()).map((r) => r.nhsNumber)).toEqual([SMITH_NHS]);
    expect(written).toBe(true);
    // Saves queued one behind another, then the store is closed: both are written, neither waits.
    const saves = [c.saveSnapshotSoon(syntheticSnapshot()), c.saveSnapshotSoon(smith({ family: 'Smyth' }))];
    await c.settled();
    await expect(Promise.all(saves)).resolves.toEqual([undefined, undefined]);
    vi.useRealTimers();
    c.close();
    cache = undefined;
    expect((await (await open()).list()).map((r) => r.name).sort()).toEqual(['SMYTH, John', NAME]);
  });

  it('keeps the pinned state when a later open saves the record again, and replaces the resources', async () => {
    const c = await open();
    await c.saveSnapshot(syntheticSnapshot({ resources: 30 }), { pinned: true });
    const smaller = syntheticSnapshot({ resources: 5 });
    await c.saveSnapshot(smaller);
    expect((await c.meta(NHS))?.pinned).toBe(true);
    const loaded = await c.loadSnapshot(NHS);
    expect(resourceCount(loaded!)).toBe(5);
    expect(canonical(loaded)).toEqual(canonical(smaller));
    await c.saveSnapshot(smaller, { pinned: false });
    expect((await c.meta(NHS))?.pinned).toBe(false);
  });

  it('refuses a snapshot without a valid NHS number, clearly', async () => {
    const c = await open();
    for (const nhsNumber of ['', '12345', 'not a number']) {
      await expect(c.saveSnapshot({ ...syntheticSnapshot(), nhsNumber })).rejects.toThrow(
        /without a ten-digit NHS number/,
      );
    }
    expect(await c.list()).toEqual([]);
  });

  it('never keeps a snapshot the patient declined to share, and leaves an earlier copy as it was', async () => {
    const c = await open();
    await expect(c.saveSnapshot({ ...syntheticSnapshot(), dissent: true })).rejects.toThrow(
      /declined to share is never kept offline/,
    );
    expect(await c.list()).toEqual([]);
    expect(await c.loadSnapshot(NHS)).toBeUndefined();

    const earlier = syntheticSnapshot({ resources: 12 });
    await c.saveSnapshot(earlier);
    const before = await c.meta(NHS);
    await expect(
      c.saveSnapshot({ ...syntheticSnapshot({ resources: 40 }), dissent: true }, { pinned: true }),
    ).rejects.toThrow(/declined to share/);
    expect(await c.meta(NHS)).toEqual(before);
    expect(canonical(await c.loadSnapshot(NHS))).toEqual(canonical(earlier));
  });

  it('searches offline by NHS number, partial name in any case, and date of birth', async () => {
    const c = await open();
    await c.saveSnapshot(syntheticSnapshot());
    await c.saveSnapshot(smith());
    const names = async (q: string) => (await c.search(q)).map((r) => r.name);
    expect(await names('943 476 5919')).toEqual([NAME]);
    expect(await names('999')).toEqual([SMITH]);
    expect(await names('winter')).toEqual([NAME]);
    expect(await names('smith john')).toEqual([SMITH]);
    expect(await names('JOHN')).toEqual([SMITH]);
    expect(await names('12/03/1941')).toEqual([NAME]);
    expect(await names('1980-01-05')).toEqual([SMITH]);
    expect(await names('5 Jan 1980')).toEqual([SMITH]);
    expect(await names("%' OR 1=1 --")).toEqual([]);
    expect(await names('_')).toEqual([]);
    expect(await names('')).toEqual([]);
    expect((await c.list()).map((r) => r.name)).toEqual([SMITH, NAME]);
  });

  it('uses the kept banner details when no source holds a Patient', async () => {
    const c = await open();
    const snapshot = syntheticSnapshot();
    for (const s of snapshot.sources) delete s.patient;
    snapshot.patientFallback = {
      name: 'Margaret WINTERBOURNE',
      verification: 'verified',
      birthDate: '1941-03-12',
    };
    await c.saveSnapshot(snapshot);
    expect((await c.search('margaret')).map((r) => r.birthDate)).toEqual(['1941-03-12']);
    expect(build((await c.loadSnapshot(NHS))!).patient.name).toBe('Margaret WINTERBOURNE');
  });

  it('deletes one patient and all records, telling the audit log each time (counts, never who asked)', async () => {
    const purges: CachePurge[] = [];
    const c = await open({ onPurged: (p) => purges.push(p) });
    await c.saveSnapshot(syntheticSnapshot({ resources: 40 }));
    await c.saveSnapshot(smith());
    await c.saveSnapshot(syntheticSnapshot({ nhsNumber: '9990000026', family: 'Third' }));
    expect(await c.delete('943-476-5919')).toBe(true);
    expect(await c.loadSnapshot(NHS)).toBeUndefined();
    expect(await c.meta(NHS)).toBeUndefined();
    expect(await c.sectionCounts(NHS)).toEqual({});
    expect(await c.delete(NHS)).toBe(false); // nothing to delete: nothing audited
    expect(await c.delete('9990000026', 'dissent')).toBe(true);
    expect(await c.deleteAll()).toBe(1);
    expect(await c.list()).toEqual([]);
    expect(purges).toEqual([
      { trigger: 'user', count: 1, nhsNumber: NHS },
      { trigger: 'dissent', count: 1, nhsNumber: '9990000026' },
      { trigger: 'all', count: 1 },
    ]);
    for (const table of ['records', 'resources', 'documents']) {
      expect(await countRows(`SELECT count(*) FROM ${table}`), table).toBe(0);
    }
  });

  it('keeps each patient whole and apart under many saves and loads in flight at once', async () => {
    const c = await open();
    const patients = Array.from({ length: 6 }, (_, i) =>
      syntheticSnapshot({ nhsNumber: `999000001${i}`, family: `Patient${i}`, resources: 40 + 10 * i }),
    );
    const seen = await Promise.all(
      patients.flatMap((p, i) => {
        const bigger = syntheticSnapshot({ nhsNumber: p.nhsNumber, family: `Bigger${i}`, resources: 200 });
        const look = async () => {
          const [loaded, meta] = await Promise.all([c.loadSnapshot(p.nhsNumber), c.meta(p.nhsNumber)]);
          return { i, count: loaded && resourceCount(loaded), name: meta?.name };
        };
        return [
          look(),
          c.saveSnapshot(bigger).then(() => undefined),
          look(),
          c.saveSnapshot(p, { pinned: i % 2 === 0 }).then(() => undefined),
          look(),
        ];
      }),
    );
    // Every look saw nothing, or one whole snapshot: its resources and its name together.
    for (const look of seen) {
      if (!look || look.count === undefined) continue;
      expect([
        { count: 200, name: `BIGGER${look.i}, Margaret` },
        { count: 40 + 10 * look.i, name: `PATIENT${look.i}, Margaret` },
      ]).toContainEqual({ count: look.count, name: look.name });
    }
    for (const [i, p] of patients.entries()) {
      expect(canonical(await c.loadSnapshot(p.nhsNumber))).toEqual(canonical(p));
      expect((await c.meta(p.nhsNumber))?.pinned).toBe(i % 2 === 0);
    }
    expect((await c.list()).map((r) => r.name)).toEqual(patients.map((_, i) => `PATIENT${i}, Margaret`));
    expect(await countRows('SELECT count(*) FROM resources')).toBe(
      patients.reduce((n, p) => n + resourceCount(p), 0),
    );
  });
});

describe('per-source writes', () => {
  const at = (h: number) => new Date(Date.UTC(2024, 5, 1, h));

  it('replaces, upserts or keeps each source’s rows as asked, and drops sources no longer configured', async () => {
    let now = at(8);
    const c = await open({ clock: () => now });
    const first = syntheticSnapshot({ resources: 20 });
    await c.saveSnapshot(first);
    const dcrIds = idsOf(first, 'dcr');
    const chieIds = idsOf(first, 'chie');
    expect(dcrIds).toHaveLength(10);

    // An incremental refresh: DCR sent one changed and one new resource; CHIE did not answer.
    now = at(9);
    const changed: Json = { ...first.sources[0]!.resources[3]!, status: 'entered-in-error' };
    const added: Json = { ...first.sources[0]!.resources[4]!, id: 'observation-new' };
    const second: RecordSnapshot = {
      ...first,
      sources: [
        { ...first.sources[0]!, resources: [] }, // what the snapshot carries is not what is written
        { ...first.sources[1]!, status: { ...first.sources[1]!.status, state: 'failed' }, resources: [] },
      ],
    };
    await c.saveSnapshot(second, {
      fullRefresh: false,
      sourcesAsOf: { dcr: at(9).toISOString(), chie: first.assembledAt },
      writes: [
        { sourceId: 'dcr', mode: 'upsert', resources: [changed, added] },
        { sourceId: 'chie', mode: 'keep' },
      ],
    });
    let loaded = await c.loadSnapshot(NHS);
    expect(idsOf(loaded, 'dcr')).toEqual([...dcrIds, 'observation-new'].sort());
    expect(loaded?.sources[0]?.resources.find((r) => r.id === changed.id)).toEqual(changed);
    expect(idsOf(loaded, 'chie')).toEqual(chieIds);
    expect(loaded?.sources[1]?.status.state).toBe('failed');
    let meta = await c.meta(NHS);
    expect(meta?.fullRefreshedAt).toBe(at(8).toISOString()); // an incremental save keeps the last full one
    expect(meta?.fetchedAt).toBe(at(9).toISOString());
    expect(meta?.sourcesAsOf).toEqual({ dcr: at(9).toISOString(), chie: first.assembledAt });

    // A full refresh of DCR replaces its rows; CHIE's are kept again.
    now = at(10);
    const replacement: Json = { ...first.sources[0]!.resources[0]!, id: 'only-one' };
    await c.saveSnapshot(second, {
      writes: [
        { sourceId: 'dcr', mode: 'replace', resources: [replacement] },
        { sourceId: 'chie', mode: 'keep' },
      ],
    });
    loaded = await c.loadSnapshot(NHS);
    expect(loaded?.sources[0]?.resources).toEqual([replacement]);
    expect(idsOf(loaded, 'chie')).toEqual(chieIds);
    meta = await c.meta(NHS);
    expect(meta?.fullRefreshedAt).toBe(at(10).toISOString());

    // CHIE is no longer configured: its rows go, even though nothing was written for it.
    await c.saveSnapshot(
      { ...second, sources: [second.sources[0]!] },
      { writes: [{ sourceId: 'dcr', mode: 'keep' }] },
    );
    loaded = await c.loadSnapshot(NHS);
    expect(loaded?.sources.map((s) => s.status.id)).toEqual(['dcr']);
    expect(loaded?.sources[0]?.resources).toEqual([replacement]);
    expect(await countRows("SELECT count(*) FROM resources WHERE source_id = 'chie'")).toBe(0);

    // Without `writes`, every source's rows are replaced by the snapshot's.
    await c.saveSnapshot(first);
    expect(canonical(await c.loadSnapshot(NHS))).toEqual(canonical(first));
  });
});

describe('partial loads', () => {
  it('loads only the sections asked for (and every supporting resource), and counts the rest', async () => {
    const c = await open();
    const snapshot = syntheticSnapshot({ resources: 100 });
    const organisation: Json = { resourceType: 'Organization', id: 'org-1', name: 'Wyke Regis Surgery' };
    snapshot.sources[0]!.resources.push(organisation);
    await c.saveSnapshot(snapshot);
    const partial = await c.loadSnapshot(NHS, { sections: ['allergies', 'medications'] });
    expect(displays(partial!)).toEqual([
      'Penicillin allergy',
      'Ramipril 5mg capsules',
      'Metformin 500mg tablets',
    ]);
    expect(partial?.sources[0]?.resources).toContainEqual(organisation);
    expect(resourceCount(partial!)).toBe(4);
    expect(await c.sectionCounts(NHS)).toEqual({
      advanceCare: 1,
      alerts: 1,
      allergies: 1,
      medications: 2,
      problems: 2,
      results: 93,
    });
    expect(await c.sectionCounts(SMITH_NHS)).toEqual({});
  });

  it('reads the newest results only when asked, giving the start of the whole record', async () => {
    const c = await open();
    const snapshot = syntheticSnapshot({ resources: 500 });
    await c.saveSnapshot(snapshot);
    const whole = build(snapshot);
    // Synthetic results get older with each position, so the newest ten are the first ten results.
    const partial = await c.loadSnapshot(NHS, { recentResults: 10 });
    expect(resourceCount(partial!)).toBe(17);
    expect(build(partial!).items).toEqual(whole.items.slice(0, 17));
    const two = await c.loadSnapshot(NHS, { sections: ['results'], recentResults: 2 });
    expect(build(two!).items).toEqual(whole.items.slice(7, 9));
    expect(
      (await c.loadSnapshot(NHS, { sections: ['results'], recentResults: 0 }))?.sources.flatMap(
        (s) => s.resources,
      ),
    ).toEqual([]);
  });

  it('opens offline through the record reader as a labelled saved copy, saying how many results it holds', async () => {
    const c = await open();
    await c.saveSnapshot(syntheticSnapshot({ resources: 500 }));
    const meta = await c.meta(NHS);
    const reader = new RecordReader({
      sources: [
        { id: 'dcr', name: 'DCR', fhirBase: 'http://127.0.0.1:1/dcr' },
        { id: 'chie', name: 'CHIE', fhirBase: 'http://127.0.0.1:1/chie' },
      ],
      tokens: noTokens,
      cache: c,
      clock: () => BUILT_AT,
    });
    const request = {
      requestId: 'r1',
      identity: { nhsNumber: NHS, mayQueryRegionalSources: true },
      governance: {
        access: 'everything' as const,
        sensitive: loadSensitiveCodes(),
        breakGlassOverridesDissent: false,
      },
    };
    const opened = await reader.openOffline(request, { recentResults: 10 });
    expect(opened).toMatchObject({
      from: 'offline',
      resultsTotal: 493,
      purgedForDissent: false,
    });
    expect(await opened?.saved).toEqual({ written: false });
    expect(opened?.record.offline).toEqual({ asOf: meta?.fetchedAt });
    expect(opened?.record.patient.name).toBe(NAME);
    expect(opened?.record.items).toHaveLength(17);
    expect(
      opened?.record.items
        .flatMap((i) => i.provenance)
        .every((p) => p.savedCopy?.asOf === '2024-06-01T08:14:00.000Z'),
    ).toBe(true);
    const whole = await reader.openOffline(request);
    expect(whole?.record.items).toHaveLength(500);
    expect(whole?.resultsTotal).toBeUndefined();
    expect(
      await reader.openOffline({ ...request, identity: { ...request.identity, nhsNumber: SMITH_NHS } }),
    ).toBeUndefined();
  });
});

describe('offline documents', () => {
  const RESPECT = 'http://127.0.0.1:1/dcr/Binary/respect-0';
  const PLAN = 'http://127.0.0.1:1/chie/Binary/plan-1';
  const MARKER = 'RESPECT-FORM-DO-NOT-ATTEMPT-CPR-MARGARET';
  const t0 = new Date('2024-06-01T08:00:00Z');

  it('keeps documents only with a saved record, reads them back and totals their size', async () => {
    const c = await open({ clock: () => t0 });
    const pdf = Buffer.concat([Buffer.from(`%PDF-1.7\n${MARKER}\n`), randomBytes(5_000)]);
    await c.saveDocument(NHS, RESPECT, { contentType: 'application/pdf', title: 'ReSPECT form', bytes: pdf });
    expect(await c.readDocument(NHS, RESPECT)).toBeUndefined(); // no record, so nothing kept
    expect(await c.documentAddresses(NHS)).toEqual({ addresses: [], bytes: 0 });

    await c.saveSnapshot(syntheticSnapshot());
    await c.saveDocument('943 476 5919', RESPECT, {
      contentType: 'application/pdf',
      title: 'ReSPECT form',
      bytes: pdf,
    });
    const html = Buffer.from('<p>End of life care plan</p>');
    await c.saveDocument(NHS, PLAN, { contentType: 'text/html', title: 'Care plan', bytes: html });
    expect(await c.readDocument(NHS, RESPECT)).toEqual({
      contentType: 'application/pdf',
      title: 'ReSPECT form',
      bytes: pdf,
      fetchedAt: t0.toISOString(),
    });
    expect(await c.readDocument(SMITH_NHS, RESPECT)).toBeUndefined();
    expect(await c.readDocument(NHS, 'http://127.0.0.1:1/dcr/Binary/other')).toBeUndefined();
    let kept = await c.documentAddresses(NHS);
    expect(kept.addresses.sort()).toEqual([PLAN, RESPECT].sort());
    expect(kept.bytes).toBe(pdf.length + html.length);

    // The same address again replaces the earlier copy.
    const newer = Buffer.from('<p>Updated plan</p>');
    await c.saveDocument(NHS, PLAN, { contentType: 'text/html', title: 'Care plan (v2)', bytes: newer });
    expect((await c.readDocument(NHS, PLAN))?.title).toBe('Care plan (v2)');
    kept = await c.documentAddresses(NHS);
    expect(kept.addresses).toHaveLength(2);
    expect(kept.bytes).toBe(pdf.length + newer.length);

    // Saving the record again (a refresh) keeps its documents.
    await c.saveSnapshot(syntheticSnapshot({ resources: 30 }));
    expect((await c.readDocument(NHS, RESPECT))?.bytes).toEqual(pdf);
  });

  it('never writes document bytes in plaintext, in the file or its WAL', async () => {
    const c = await open();
    await c.saveSnapshot(syntheticSnapshot());
    const pdf = Buffer.concat([Buffer.from(`%PDF-1.7\n${MARKER}\n`), randomBytes(20_000)]);
    await c.saveDocument(NHS, RESPECT, { contentType: 'application/pdf', title: 'ReSPECT form', bytes: pdf });
    const file = cacheDatabasePath(env.dataDir);
    const wal = fs.readFileSync(`${file}-wal`);
    expect(wal.length).toBeGreaterThan(pdf.length);
    const probe = pdf.subarray(200, 264); // random bytes: found only if stored as they are
    for (const bytes of [fs.readFileSync(file), wal]) {
      for (const secret of [MARKER, '%PDF-1.7', RESPECT])
        expect(bytesContain(bytes, secret), secret).toBe(false);
      expect(bytes.includes(probe)).toBe(false);
    }
    c.close();
    cache = undefined;
    // Checkpointed into the file on close: still no plaintext.
    const closed = fs.readFileSync(file);
    expect(bytesContain(closed, MARKER)).toBe(false);
    expect(closed.includes(probe)).toBe(false);
    const reopened = await open();
    expect((await reopened.readDocument(NHS, RESPECT))?.bytes).toEqual(pdf);
  });

  it('removes a record’s documents with it: deleted, purged on expiry, or all deleted', async () => {
    let now = t0;
    const c = await open({ clock: () => now });
    c.setRetention({ retentionHours: 72, pinnedRetentionHours: 168 });
    const doc = (text: string) => ({ contentType: 'text/plain', title: text, bytes: Buffer.from(text) });
    await c.saveSnapshot(syntheticSnapshot());
    await c.saveSnapshot(smith(), { pinned: true });
    await c.saveSnapshot(syntheticSnapshot({ nhsNumber: '9990000026', family: 'Third' }), { pinned: true });
    for (const nhs of [NHS, SMITH_NHS, '9990000026']) {
      await c.saveDocument(nhs, RESPECT, doc(`respect ${nhs}`));
      await c.saveDocument(nhs, PLAN, doc(`plan ${nhs}`));
    }

    expect(await c.delete(SMITH_NHS)).toBe(true);
    expect(await c.readDocument(SMITH_NHS, RESPECT)).toBeUndefined();
    expect(await c.documentAddresses(SMITH_NHS)).toEqual({ addresses: [], bytes: 0 });
    expect((await c.documentAddresses(NHS)).addresses).toHaveLength(2);

    now = new Date(t0.getTime() + 73 * 3_600_000);
    expect(await c.purgeExpired()).toBe(1);
    expect(await c.readDocument(NHS, PLAN)).toBeUndefined();
    expect(await c.documentAddresses(NHS)).toEqual({ addresses: [], bytes: 0 });
    expect((await c.readDocument('9990000026', PLAN))?.title).toBe('plan 9990000026');

    expect(await c.deleteAll()).toBe(1);
    expect(await c.documentAddresses('9990000026')).toEqual({ addresses: [], bytes: 0 });
    expect(await countRows('SELECT count(*) FROM documents')).toBe(0);
  });
});

describe('urgent-care documents kept offline', () => {
  const pointer = (id: string, code: string, display: string): RecordPointer => ({
    id,
    type: { system: 'http://snomed.info/sct', code, display },
    url: `http://127.0.0.1:1/locator/Binary/${id}`,
    contentType: 'application/pdf',
    retrieval: 'not-attempted',
    sourceId: 'locator',
  });
  const record = {
    items: [],
    pointers: [
      pointer('respect', '1382601000000107', 'ReSPECT form'),
      pointer('outpatient', '371531000', 'Outpatient letter'),
      pointer('crisis', '736253002', 'Mental health crisis plan'),
      pointer('eol', '736373009', 'End of life care plan'),
    ],
  } as unknown as WessexRecord;

  it('keeps advance care and crisis plans only, reads no more than the budget left, and stops when it is spent', async () => {
    const c = await open();
    await c.saveSnapshot(syntheticSnapshot());
    const asked: { id: string; maxBytes: number }[] = [];
    const sizes: Record<string, number> = { respect: 600, crisis: 300, eol: 500, outpatient: 10 };
    const result = await keepUrgentCareDocuments(NHS, record, {
      cache: c,
      budgetBytes: 1_000,
      fetchDocument: async (address, contentType, maxBytes) => {
        const id = address.split('/').pop()!;
        asked.push({ id, maxBytes });
        if (sizes[id]! > maxBytes) throw new Error('larger than the limit');
        return { contentType: contentType ?? 'application/pdf', bytes: Buffer.alloc(sizes[id]!) };
      },
    });
    // The outpatient letter is not an urgent-care document: never fetched. The end of life plan would
    // overflow the 100 bytes left, so it is asked for with that limit and skipped.
    expect(asked).toEqual([
      { id: 'respect', maxBytes: 1_000 },
      { id: 'crisis', maxBytes: 400 },
      { id: 'eol', maxBytes: 100 },
    ]);
    expect(result.kept.map((a) => a.split('/').pop())).toEqual(['respect', 'crisis']);
    expect(result.skipped.map((a) => a.split('/').pop())).toEqual(['eol']);
    expect((await c.documentAddresses(NHS)).bytes).toBe(900);

    // Budget spent: nothing more is downloaded at all.
    asked.length = 0;
    const spent = await keepUrgentCareDocuments(NHS, record, {
      cache: c,
      budgetBytes: 900,
      fetchDocument: async (address, contentType, maxBytes) => {
        asked.push({ id: address, maxBytes });
        return { contentType: 'application/pdf', bytes: Buffer.alloc(1) };
      },
    });
    expect(asked).toEqual([]);
    expect(spent.kept).toEqual([]);
  });
});

describe('encryption at rest', () => {
  it('creates the database, its WAL and shared memory readable by this user only, from the first write', async () => {
    const previous = process.umask(0o022); // the usual default: new files world-readable
    try {
      const c = await open();
      await c.saveSnapshot(syntheticSnapshot({ resources: 5 }));
      const file = cacheDatabasePath(env.dataDir);
      for (const suffix of ['', '-wal', '-shm']) {
        expect((fs.statSync(file + suffix).mode & 0o777).toString(8), suffix || 'database').toBe('600');
      }
    } finally {
      process.umask(previous);
    }
  });

  it('keeps no plaintext FHIR in the database file or its WAL, under ChaCha20-Poly1305', async () => {
    const c = await open();
    await c.saveSnapshot(syntheticSnapshot({ resources: 200 }));
    const file = cacheDatabasePath(env.dataDir);
    const wal = fs.readFileSync(`${file}-wal`);
    expect(wal.length).toBeGreaterThan(0);
    const secrets = [
      NAME,
      'WINTERBOURNE',
      'Winterbourne',
      NHS,
      'Penicillin',
      'potassium',
      'resourceType',
      'SQLite format 3',
    ];
    for (const bytes of [fs.readFileSync(file), wal]) {
      for (const secret of secrets) expect(bytesContain(bytes, secret), secret).toBe(false);
    }
    c.close();
    cache = undefined;
    for (const secret of secrets) expect(bytesContain(fs.readFileSync(file), secret), secret).toBe(false);
    const key = await env.vault.get(cacheKeyName(env.dataDir));
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const db = new Database(file);
    db.pragma(`key = "raw:${key}"`);
    expect(db.pragma('cipher', { simple: true })).toBe('chacha20');
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT name FROM records').pluck().get()).toBe(NAME);
    expect(db.prepare('SELECT count(*) FROM resources').pluck().get()).toBe(200);
    db.close();
  });

  it('cannot be opened without the key or with a wrong key', async () => {
    const c = await open();
    await c.saveSnapshot(syntheticSnapshot());
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
    await c.saveSnapshot(syntheticSnapshot({ resources: 300 }));
    await c.saveDocument(NHS, 'http://127.0.0.1:1/dcr/Binary/respect-0', {
      contentType: 'application/pdf',
      title: 'ReSPECT form',
      bytes: randomBytes(2_000),
    });
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
    expect(await c.documentAddresses(NHS)).toEqual({ addresses: [], bytes: 0 });
    const newKey = await env.vault.get(cacheKeyName(env.dataDir));
    expect(newKey).toMatch(/^[0-9a-f]{64}$/);
    expect(newKey).not.toBe(oldKey);
    await c.saveSnapshot(syntheticSnapshot());
    expect(build((await c.loadSnapshot(NHS))!).patient.name).toBe(NAME);
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
    expect(await cache.loadSnapshot(NHS)).toBeUndefined();
    expect(events).toEqual([expect.objectContaining({ reason: 'corrupt', action: 'deleted' })]);
    expect(cache.notices).toEqual([OFFLINE_CACHE_RESET_NOTICE]);
    await cache.saveSnapshot(syntheticSnapshot());
    expect((await cache.list()).map((r) => r.nhsNumber)).toEqual([NHS]);
  });

  it('recovers when a save is the first to find the damage, and keeps what it was saving', async () => {
    const file = await cacheWithOneRecord();
    // Every page but the first (the schema, read at open) damaged: the save's first read finds it.
    flipBytes(file, 4096, fs.statSync(file).size);
    const events: RecoveryEvent[] = [];
    cache = await openOfflineCache({
      dataDir: env.dataDir,
      keyVault: env.vault,
      verifyOnOpen: false,
      purgeExpired: false,
      onRecovery: (e) => events.push(e),
    });
    const snapshot = smith({ resources: 3_000 });
    await cache.saveSnapshot(snapshot);
    expect(events).toEqual([expect.objectContaining({ reason: 'corrupt', action: 'deleted' })]);
    expect(cache.notices).toEqual([OFFLINE_CACHE_RESET_NOTICE]);
    expect((await cache.list()).map((r) => r.name)).toEqual([SMITH]);
    expect(canonical(await cache.loadSnapshot(SMITH_NHS))).toEqual(canonical(snapshot));
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
  const FETCHED = '2024-06-01T08:14:00.000Z';

  /** An earlier schema's database, opened under the cache's own key name (as the app would find it). */
  function openAtVersion(version: number) {
    return openEncryptedDatabase({
      path: cacheDatabasePath(env.dataDir),
      keyVault: env.vault,
      keyName: cacheKeyName(env.dataDir),
      migrations: cacheMigrations.slice(0, version),
    });
  }

  /** A merged record as version 1 and 2 stored it: the record row without items, and a row per item. */
  /** A schema-2 copy as a GP (who sees everything) left it: the only kind that is a shared copy. */
  function mergedRecord(governance: object = gpGovernance) {
    const record = { ...syntheticRecord({ items: 12 }), governance };
    // An item both sources held: version 3 gives each source its copy back.
    const shared = record.items[5]!;
    shared.provenance = [
      ...shared.provenance,
      { ...shared.provenance[0]!, sourceId: 'dcr', sourceName: 'DCR', server: 'http://127.0.0.1:1/dcr' },
    ];
    return record;
  }

  const gpGovernance = {
    access: 'everything',
    hiddenSections: [],
    hiddenForRoleCount: 0,
    breakGlass: false,
    dissentOverridden: false,
  };

  it('creates a fresh database at the latest version', async () => {
    await open();
    const db = await rawDatabase();
    expect(db.pragma('user_version', { simple: true })).toBe(cacheMigrations.length);
    expect(cacheMigrations.length).toBe(9);
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual([
      'caseload_events',
      'documents',
      'handover_exports',
      'notices',
      'records',
      'resources',
      'write_marks',
    ]);
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
    // By default (the audit log) every commit reaches the disk before it returns: 2 is FULL.
    expect(handle.db.pragma('synchronous', { simple: true })).toBe(2);
    handle.close();
  });

  it('leaves flushing the offline cache to its checkpoints (a power cut may lose the last saves, never the file)', async () => {
    const c = await open();
    const { db } = (c as unknown as { database: { db: { pragma: (p: string, o: object) => unknown } } })
      .database;
    // 1 is NORMAL.
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    c.close();
  });

  it('opens a version 3 store as first released (no notices table) and keeps its records', async () => {
    const v3 = await openAtVersion(3);
    v3.db.exec('DROP TABLE notices;');
    v3.close();
    const c = await open();
    await c.saveSnapshot(syntheticSnapshot());
    expect((await c.list()).map((r) => r.nhsNumber)).toEqual([NHS]);
    c.close();
    cache = undefined;
    const db = await rawDatabase();
    expect(db.pragma('user_version', { simple: true })).toBe(cacheMigrations.length);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'notices'").pluck().get()).toBe(1);
    db.close();
  });

  it('upgrades a version 2 cache: merged items become each source’s resources, shown as before', async () => {
    const v2 = await openAtVersion(2);
    expect(v2.db.pragma('user_version', { simple: true })).toBe(2);
    const record = mergedRecord();
    const { items, ...rest } = record;
    v2.db
      .prepare(
        `INSERT INTO records (nhs_number, name, name_search, birth_date, fetched_at, expires_at, pinned,
           sources_json, sources_as_of_json, full_refreshed_at, record_json)
         VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)`,
      )
      .run(
        NHS,
        record.patient.name,
        record.patient.name.toLowerCase(),
        '1941-03-12',
        FETCHED,
        '2999-01-01T00:00:00.000Z',
        JSON.stringify(record.sources),
        JSON.stringify({ dcr: FETCHED, chie: '2024-05-30T10:00:00.000Z' }),
        FETCHED,
        JSON.stringify(rest),
      );
    const insertItem = v2.db.prepare(
      `INSERT INTO items (nhs_number, position, item_key, section, resource_type, date, code, source_ids, item_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    items.forEach((item, i) =>
      insertItem.run(
        NHS,
        i,
        item.key,
        item.section,
        item.resourceType,
        item.date ?? null,
        item.code?.code ?? null,
        `,${[...new Set(item.provenance.map((p) => p.sourceId))].join(',')},`,
        JSON.stringify(item),
      ),
    );
    v2.close();

    const c = await open();
    const snapshot = await c.loadSnapshot(NHS);
    expect(snapshot?.nhsNumber).toBe(NHS);
    expect(snapshot?.dissent).toBe(false);
    expect(snapshot?.assembledAt).toBe(record.assembledAt);
    expect(snapshot?.sources.map((s) => s.status)).toEqual(record.sources);
    // Each source holds the resources of the items it contributed to (the shared item in both).
    const heldBy = (id: string) =>
      items
        .filter((i) => i.provenance.some((p) => p.sourceId === id))
        .map((i) => String(i.resource.id))
        .sort();
    expect(idsOf(snapshot, 'dcr')).toEqual(heldBy('dcr'));
    expect(idsOf(snapshot, 'chie')).toEqual(heldBy('chie'));
    expect(idsOf(snapshot, 'dcr')).toContain(String(items[5]!.resource.id));
    expect(idsOf(snapshot, 'chie')).toContain(String(items[5]!.resource.id));
    // The record rebuilt from them shows the same items, the shared one once, and the old banner.
    expect(snapshot?.patientFallback).toEqual(record.patient);
    const rebuilt = build(snapshot!);
    expect(rebuilt.items.map((i) => i.display)).toEqual(items.map((i) => i.display));
    expect(rebuilt.items.map((i) => i.section)).toEqual(items.map((i) => i.section));
    expect(rebuilt.items[5]?.provenance.map((p) => p.sourceId).sort()).toEqual(['chie', 'dcr']);
    expect(rebuilt.patient.name).toBe('Margaret WINTERBOURNE');
    expect(rebuilt.patient.birthDate).toBe('1941-03-12');

    // The next online open is a full refresh; everything else about the row is kept.
    const meta = await c.meta(NHS);
    expect(meta?.fullRefreshedAt).toBeUndefined();
    expect(meta).toMatchObject({
      name: 'Margaret WINTERBOURNE',
      pinned: true,
      fetchedAt: FETCHED,
      sourcesAsOf: { dcr: FETCHED, chie: '2024-05-30T10:00:00.000Z' },
    });
    expect((await c.search('winterbourne')).map((r) => r.nhsNumber)).toEqual([NHS]);
    expect(await c.sectionCounts(NHS)).toMatchObject({ medications: 2, results: 5 });
    c.close();
    cache = undefined;
    const db = await rawDatabase();
    expect(db.pragma('user_version', { simple: true })).toBe(cacheMigrations.length);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'items'").pluck().get()).toBe(0);
    expect(db.prepare('SELECT full_refreshed_at FROM records').pluck().get()).toBeNull();
    db.close();
  });

  it('does not keep a version 2 copy filtered for one user (a role, break-glass over dissent): removed, and said once', async () => {
    const v2 = await openAtVersion(2);
    const insert = v2.db.prepare(
      `INSERT INTO records (nhs_number, name, name_search, birth_date, fetched_at, expires_at, pinned,
         sources_json, sources_as_of_json, full_refreshed_at, record_json)
       VALUES (?, ?, ?, NULL, ?, ?, 0, '[]', '{}', ?, ?)`,
    );
    const copies: [string, object][] = [
      ['9434765919', { ...gpGovernance, access: 'urgent-care-and-documents' }],
      ['9990000018', { ...gpGovernance, breakGlass: true, dissentOverridden: true }],
      ['9990000026', gpGovernance],
    ];
    for (const [nhs, governance] of copies) {
      const { items: _items, ...rest } = mergedRecord(governance);
      insert.run(nhs, 'X', 'x', FETCHED, '2999-01-01T00:00:00.000Z', FETCHED, JSON.stringify(rest));
    }
    v2.close();
    const c = await open();
    expect((await c.list()).map((r) => r.nhsNumber)).toEqual(['9990000026']);
    expect(c.notices).toEqual([
      '2 offline record(s) saved by the previous version were filtered for the person who opened them, so they have been removed; they will be fetched again when you are online.',
    ]);
    c.close();
    cache = undefined;
    // Said once: the next open has nothing to say.
    const again = await open();
    expect(again.notices).toEqual([]);
  });

  it('upgrades a version 1 cache through every version and keeps its records searchable', async () => {
    const v1 = await openAtVersion(1);
    const record = { ...syntheticRecord({ items: 3 }), governance: gpGovernance };
    const { items, ...rest } = record;
    v1.db
      .prepare(
        `INSERT INTO records (nhs_number, name, birth_date, fetched_at, expires_at, pinned, sources_json, record_json)
         VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
      )
      .run(
        NHS,
        record.patient.name,
        '1941-03-12',
        FETCHED,
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
        .run(
          NHS,
          i,
          item.key,
          item.section,
          item.resourceType,
          `,${item.provenance[0]!.sourceId},`,
          JSON.stringify(item),
        ),
    );
    expect(v1.db.pragma('user_version', { simple: true })).toBe(1);
    v1.close();

    const c = await open();
    expect((await c.search('winterbourne')).map((r) => r.nhsNumber)).toEqual([NHS]);
    expect((await c.meta(NHS))?.sourcesAsOf).toEqual({ dcr: record.assembledAt, chie: record.assembledAt });
    expect((await c.meta(NHS))?.fullRefreshedAt).toBeUndefined();
    const rebuilt = build((await c.loadSnapshot(NHS))!);
    expect(rebuilt.items.map((i) => i.display)).toEqual(items.map((i) => i.display));
    expect(rebuilt.patient.name).toBe(record.patient.name);
  });

  it('refuses a file from a newer version and leaves it untouched', async () => {
    const c = await open();
    await c.saveSnapshot(syntheticSnapshot());
    c.close();
    cache = undefined;
    const db = await rawDatabase();
    db.pragma('user_version = 99');
    db.close();
    await expect(open()).rejects.toThrow(/newer version of Wessex Care Record/);
    const again = await rawDatabase();
    expect(again.prepare('SELECT count(*) FROM records').pluck().get()).toBe(1);
    expect(again.prepare('SELECT count(*) FROM resources').pluck().get()).toBe(20);
    again.close();
  });
});

describe('retention', () => {
  const t0 = new Date('2024-06-01T08:00:00Z');
  const hours = (h: number) => new Date(t0.getTime() + h * 3_600_000);

  it('purges expired records on the timer, keeping pinned caseload records for their longer retention', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let now = t0;
    const audited: CachePurge[] = [];
    const c = await open({ clock: () => now, onPurged: (p) => audited.push(p) });
    c.setRetention({ retentionHours: 72, pinnedRetentionHours: 168 });
    await c.saveSnapshot(syntheticSnapshot());
    await c.saveSnapshot(smith(), { pinned: true });
    expect((await c.meta(NHS))?.expiresAt).toBe(hours(72).toISOString());
    expect((await c.meta(SMITH_NHS))?.expiresAt).toBe(hours(168).toISOString());
    const purged: number[] = [];
    const stop = startRetentionTimer(c, { intervalMs: 60_000, onPurged: (n) => purged.push(n) });

    now = hours(71);
    await vi.advanceTimersByTimeAsync(60_000);
    expect((await c.list()).length).toBe(2);
    now = hours(73);
    await vi.advanceTimersByTimeAsync(60_000);
    await vi.waitFor(() => expect(purged).toEqual([1]));
    expect((await c.list()).map((r) => r.name)).toEqual([SMITH]);
    expect(await c.sectionCounts(NHS)).toEqual({});
    now = hours(169);
    await vi.advanceTimersByTimeAsync(60_000);
    await vi.waitFor(() => expect(purged).toEqual([1, 1]));
    expect(await c.list()).toEqual([]);
    stop();
    expect(audited).toEqual([
      { trigger: 'retention', count: 1 },
      { trigger: 'retention', count: 1 },
    ]);
  });

  it('never shows or opens a record past its expiry, even before the timer runs, and audits its purge', async () => {
    let now = t0;
    const audited: CachePurge[] = [];
    const c = await open({ clock: () => now, onPurged: (p) => audited.push(p) });
    c.setRetention({ retentionHours: 72, pinnedRetentionHours: 168 });
    await c.saveSnapshot(syntheticSnapshot());
    await c.saveDocument(NHS, 'respect', {
      contentType: 'application/pdf',
      title: 'ReSPECT form',
      bytes: randomBytes(100),
    });
    now = hours(71);
    expect((await c.list()).length).toBe(1);
    expect(await c.readDocument(NHS, 'respect')).toBeDefined();

    now = hours(73); // no timer has run since it expired
    expect(await c.list()).toEqual([]);
    expect(await c.search(NHS)).toEqual([]);
    expect(await c.meta(NHS)).toBeUndefined();
    expect(await c.readDocument(NHS, 'respect')).toBeUndefined();
    expect(audited).toEqual([]);
    expect(await c.load(NHS)).toBeUndefined();
    expect(audited).toEqual([{ trigger: 'retention', count: 1 }]);
    expect(await countRows('SELECT count(*) FROM records')).toBe(0);
    expect(await countRows('SELECT count(*) FROM documents')).toBe(0);
  });

  it('restarts the retention clock when a record is saved again', async () => {
    let now = t0;
    const c = await open({ clock: () => now });
    c.setRetention({ retentionHours: 72, pinnedRetentionHours: 168 });
    await c.saveSnapshot(syntheticSnapshot());
    now = hours(70);
    await c.saveSnapshot(syntheticSnapshot());
    now = hours(100);
    expect(await c.purgeExpired()).toBe(0);
    expect((await c.meta(NHS))?.expiresAt).toBe(hours(142).toISOString());
  });

  it('purges at start-up and at sign-out, and tells the audit log which', async () => {
    let now = t0;
    const audited: CachePurge[] = [];
    const c = await open({ clock: () => now, onPurged: (p) => audited.push(p) });
    await c.saveSnapshot(syntheticSnapshot());
    await c.saveSnapshot(smith(), { pinned: true });
    now = hours(100);
    expect(await c.onSignOut()).toBe(1);
    c.close();
    now = hours(200);
    const reopened = await open({ clock: () => now, onPurged: (p) => audited.push(p) });
    expect(await reopened.list()).toEqual([]);
    expect(audited).toEqual([
      { trigger: 'sign-out', count: 1 },
      { trigger: 'retention', count: 1 },
    ]);
    expect(await countRows('SELECT count(*) FROM resources')).toBe(0);
  });
});

describe('rekey', () => {
  it('re-encrypts under a new key and keeps every record and document', async () => {
    const c = await open();
    await c.saveSnapshot(syntheticSnapshot({ resources: 100 }));
    const pdf = randomBytes(3_000);
    await c.saveDocument(NHS, 'doc', { contentType: 'application/pdf', title: 'ReSPECT form', bytes: pdf });
    const before = await env.vault.get(cacheKeyName(env.dataDir));
    await c.rekey();
    const after = await env.vault.get(cacheKeyName(env.dataDir));
    expect(after).not.toBe(before);
    expect(await env.vault.get(`${cacheKeyName(env.dataDir)}.next`)).toBeNull();
    c.close();
    const reopened = await open();
    expect(reopened.notices).toEqual([]);
    expect(resourceCount((await reopened.loadSnapshot(NHS))!)).toBe(100);
    expect((await reopened.readDocument(NHS, 'doc'))?.bytes).toEqual(pdf);
  });

  it('never loses access when interrupted after the file changed key', async () => {
    const c = await open();
    await c.saveSnapshot(syntheticSnapshot());
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
    expect(build((await reopened.loadSnapshot(NHS))!).patient.name).toBe(NAME);
    expect(await env.vault.get(`${cacheKeyName(env.dataDir)}.next`)).toBeNull();
  });
});
