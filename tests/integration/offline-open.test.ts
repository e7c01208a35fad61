// Every read path against the real sandbox servers, the real engine and governance, and a real encrypted
// cache in a temp dir (keys in the real keyring): offline open, refresh, a source failing after an earlier
// success (saved copies, per-section completeness), dissent, and the urgent-care documents kept offline.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Resource } from '../../common/fhir';
import {
  CRITICAL_SECTIONS,
  type RecordEvent,
  type RecordItem,
  type SectionId,
  type WessexRecord,
} from '../../common/record';
import { noTokens } from '../../main/services/auth/token-provider';
import { openOfflineCache, type OfflineCache } from '../../main/services/cache';
import {
  loadSensitiveCodes,
  parseSensitiveCodeList,
  type GovernOptions,
} from '../../main/services/governance';
import { RecordReader, type ReadRequest } from '../../main/services/offline';
import { startSandbox, type RunningSandbox } from '../../sandbox';
import { cacheTestEnv, type CacheTestEnv } from './cache-support';
import { shownSections } from '../support/shown-sections';

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

function reader(engine: ConstructorParameters<typeof RecordReader>[0]['engine'] = {}): RecordReader {
  return new RecordReader({
    sources: [
      { id: 'dcr', name: 'DCR', fhirBase: sandbox.urls.dcr },
      { id: 'chie', name: 'CHIE', fhirBase: sandbox.urls.chie },
    ],
    locator: { id: 'locator', name: 'Record locator', fhirBase: sandbox.urls.locator },
    tokens: noTokens,
    cache,
    engine: { maxRetries: 0, deadlineMs: 10_000, ...engine },
    clock: () => now,
    sinceMarginMs: 0,
  });
}

const governance = (extra: Partial<GovernOptions> = {}): GovernOptions => ({
  access: 'everything',
  sensitive: loadSensitiveCodes(),
  breakGlassOverridesDissent: false,
  ...extra,
});

function request(key: string, extra: Partial<ReadRequest> = {}): ReadRequest {
  const patient = sandbox.patient(key);
  return {
    requestId: `r-${key}`,
    identity: {
      nhsNumber: patient.nhsNumber,
      mayQueryRegionalSources: true,
      eprPatient: patient.epr,
      verification: 'verified',
    },
    governance: governance(),
    ...extra,
  };
}

async function allDown(): Promise<void> {
  for (const s of [sandbox.servers.dcr, sandbox.servers.chie, sandbox.servers.locator])
    await s.setFault('down');
}

const displays = (record: WessexRecord) => record.items.map((i) => i.display);
/** What a clinician compares: items with their sources, and the conflicts. */
const shape = (record: WessexRecord) => ({
  items: record.items.map((i) => [
    i.key,
    i.display,
    i.provenance.map((p) => `${p.sourceId}:${p.resourceId}`),
  ]),
  conflicts: record.conflicts,
});

function dcrResource(key: string, type: string): Resource {
  const found = sandbox.patient(key).dcr.find((r) => r.resourceType === type);
  if (!found) throw new Error(`no ${type} for ${key} in DCR`);
  return found;
}

/** Opens `key` with `reader`, timing each event from the start; `finished` is when the open answered. */
async function timedOpen(reader: RecordReader, key: string) {
  const events: { at: number; event: RecordEvent }[] = [];
  const started = performance.now();
  const opened = await reader.open(
    request(key, { emit: (event) => events.push({ at: performance.now() - started, event }) }),
  );
  return { events, opened, finished: performance.now() - started };
}

/** DCR's next prescriptions search answers three seconds late; its other searches are as quick as ever. */
function slowPrescriptions(): Promise<void> {
  return sandbox.servers.dcr.setFault('slow', {
    resourceType: 'MedicationRequest',
    delayMs: 3_000,
    times: 1,
  });
}

/**
 * The frail patient opened, then a day on (a full refresh) opened again with `slow` set: every list of `section`
 * the screen was sent meanwhile.
 */
async function fullRefreshShowing(section: SectionId, slow: () => Promise<void>) {
  const first = await reader().open(request('frail'));
  now = later(25);
  await slow();
  const events: RecordEvent[] = [];
  const refreshed = await reader().open(request('frail', { emit: (e) => events.push(e) }));
  expect(refreshed.from).toBe('live');
  const shown = events.flatMap((e) =>
    e.type === 'section' && e.section === section && e.items ? [e.items] : [],
  );
  expect(shown.length).toBeGreaterThan(0);
  return { first, shown, refreshed };
}

describe('offline open', () => {
  it('answers before the saved copy is written; the next read of the store waits for the write', async () => {
    const live = await reader().open(request('frail'));
    let written = false;
    void live.saved.then(() => (written = true));
    expect(written).toBe(false);
    const listed = await cache.list();
    expect(listed.map((r) => r.nhsNumber)).toEqual([sandbox.patient('frail').nhsNumber]);
    expect(await live.saved).toEqual({ written: true });
  });

  it('opens the saved copy, labelled as one, with an as-of banner when the sources cannot be reached', async () => {
    const live = await reader().open(request('frail'));
    expect(live.from).toBe('live');
    expect(await live.saved).toEqual({ written: true });
    expect(live.record.items.length).toBeGreaterThan(5);

    await allDown();
    now = later(3);
    const offline = await reader().open(request('frail'));
    expect(offline.from).toBe('offline');
    expect(offline.record.offline).toEqual({ asOf: T0.toISOString() });
    expect(shape(offline.record)).toEqual(shape(live.record));
    expect(offline.banner?.text).toBe(
      'Offline — record as of 09:14 BST today (3 h old), sources: DCR ✓ CHIE ✓ Record locator ✓',
    );
    // Every source says "saved copy", never "answered"; a complete saved section says so with its time.
    expect(offline.record.sources.every((s) => s.savedCopy?.asOf === T0.toISOString())).toBe(true);
    expect(offline.record.completeness.allergies).toMatchObject({
      state: 'complete',
      savedCopyAsOf: T0.toISOString(),
    });
    expect(offline.record.items.every((i) => i.provenance.every((p) => p.savedCopy))).toBe(true);
  });

  it('says plainly when a patient is neither reachable nor saved: nothing complete, nothing kept', async () => {
    await allDown();
    const result = await reader().open(request('cross-border'));
    expect(result.from).toBe('live');
    expect(result.record.sources.every((s) => s.state === 'failed')).toBe(true);
    for (const section of ['allergies', 'advanceCare', 'medications'] as const) {
      const completeness = result.record.completeness[section];
      expect(completeness.state).toBe('incomplete');
      expect(completeness.gaps.map((g) => g.sourceName)).toEqual(
        section === 'advanceCare' ? ['DCR', 'CHIE', 'Record locator'] : ['DCR', 'CHIE'],
      );
      expect(completeness.gaps[0]!.reason).toBe(
        'DCR could not be reached: the server refused the connection',
      );
    }
    expect(await cache.list()).toEqual([]);
  });

  it('opens from the cache without asking the sources when offline is preferred', async () => {
    await reader().open(request('frail'));
    sandbox.servers.dcr.clearRequests();
    const events: RecordEvent[] = [];
    // Whether a turn of the event loop (when events leave for the screen) came between two events.
    let turnsSinceAllergies = 0;
    let medicinesAfterTurns = -1;
    const result = await reader().open(
      request('frail', {
        preferOffline: true,
        emit: (e) => {
          events.push(e);
          if (e.type === 'section' && e.section === 'allergies') setImmediate(() => turnsSinceAllergies++);
          if (e.type === 'section' && e.section === 'medications') medicinesAfterTurns = turnsSinceAllergies;
        },
      }),
    );
    expect(result.from).toBe('offline');
    expect(sandbox.servers.dcr.requests).toEqual([]);

    // The urgent-care sections went out first, labelled as the saved copy, exactly as the whole record has them.
    const patient = events.find((e) => e.type === 'patient');
    expect(patient).toMatchObject({ offline: { asOf: result.record.offline!.asOf } });
    const sources = events.flatMap((e) => (e.type === 'source' ? [e.source] : []));
    expect(sources.map((s) => [s.id, s.savedCopy?.asOf !== undefined])).toEqual(
      result.record.sources.map((s) => [s.id, true]),
    );
    const sections = events.flatMap((e) => (e.type === 'section' ? [e] : []));
    expect(sections.map((e) => e.section)).toEqual([
      'advanceCare',
      'alerts',
      'allergies',
      'medications',
      'problems',
    ]);
    for (const event of sections) {
      const whole = result.record.items.filter((i) => i.section === event.section);
      expect(
        event.items?.map((i) => i.key),
        event.section,
      ).toEqual(whole.map((i) => i.key));
      expect(event.completeness, event.section).toEqual(result.record.completeness[event.section]);
    }
    expect(sections.find((e) => e.section === 'advanceCare')!.items?.length).toBeGreaterThan(0);
    // Resuscitation decisions, alerts and allergies leave on their own, ahead of the medicines.
    expect(medicinesAfterTurns).toBe(1);

    // With another code list than the copy was saved under, nothing goes ahead of the whole record: an entry
    // withheld elsewhere in the history could take linked urgent-care entries with it.
    const other = parseSensitiveCodeList(
      { valueSets: [{ id: 'other', title: 'Another list', concepts: [{ code: '12345678' }] }] },
      'test',
    );
    const early: RecordEvent[] = [];
    const again = await reader().open(
      request('frail', {
        preferOffline: true,
        governance: governance({ sensitive: other }),
        emit: (e) => early.push(e),
      }),
    );
    expect(again.from).toBe('offline');
    expect(early.filter((e) => e.type === 'section')).toEqual([]);
  });
});

describe('a live open', () => {
  it('sends the resuscitation decisions a turn ahead of the medicines, and ends with what the record holds', async () => {
    // Events emitted in one turn of the event loop reach the screen together: each event's turn is counted.
    let turn = 0;
    let turnEnding = false;
    const events: { event: RecordEvent; turn: number }[] = [];
    const result = await reader().open(
      request('frail', {
        emit: (event) => {
          events.push({ event, turn });
          if (!turnEnding) {
            turnEnding = true;
            setImmediate(() => {
              turn++;
              turnEnding = false;
            });
          }
        },
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(result.from).toBe('live');
    const sections = (turn: number) =>
      events.flatMap((e) => (e.turn === turn && e.event.type === 'section' ? [e.event.section] : []));
    // The first delivery with the resuscitation decisions carries no medicines: they follow in the next.
    // (Both sources may answer in one turn, each sending its own first delivery.)
    const decisions = events.find((e) => e.event.type === 'section' && e.event.section === 'advanceCare');
    expect([...new Set(sections(decisions!.turn))]).toEqual(['advanceCare', 'alerts', 'allergies']);
    expect(sections(decisions!.turn + 1)).toContain('medications');
    // Whatever order the deliveries took, the screen ends with the record's sections.
    const shown = shownSections(events.map((e) => e.event));
    for (const section of CRITICAL_SECTIONS) {
      expect(
        shown.get(section)?.items.map((i) => i.key),
        section,
      ).toEqual(result.record.items.filter((i) => i.section === section).map((i) => i.key));
    }
    expect(result.record.items.some((i) => i.section === 'advanceCare')).toBe(true);
  });
});

describe('a live open with a slow whole read of observations', () => {
  /**
   * Runs `test` while DCR holds a DNACPR for the frail patient as GP systems record it: a local code, the decision
   * only in its words. `test` is given its key.
   */
  async function withWordedDecision(test: (key: string) => Promise<void>): Promise<void> {
    const worded = await sandbox.servers.dcr.store.create({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://example.org/local-codes', code: 'DN01' }], text: 'DNACPR in place' },
      subject: (dcrResource('frail', 'Condition') as Resource & { subject?: unknown }).subject,
      effectiveDateTime: '2025-06-01',
    } as unknown as Resource);
    try {
      await test(`Observation/dcr/${worded.id}`);
    } finally {
      await sandbox.servers.dcr.store.delete('Observation', worded.id!);
    }
  }
  const slowObservations = () =>
    sandbox.servers.dcr.setFault('slow', {
      resourceType: 'Observation',
      withoutParam: 'code',
      delayMs: 3_000,
      times: 1,
    });

  it('a full refresh keeps a saved decision worded as a DNACPR on screen while the observations are read again', async () => {
    await withWordedDecision(async (key) => {
      const { first, shown, refreshed } = await fullRefreshShowing('advanceCare', slowObservations);
      expect(first.record.items.map((i) => i.key)).toContain(key);
      // Never gone from the screen, not even for a moment, and labelled as the saved copy until DCR sends it again.
      for (const items of shown) expect(items.map((i) => i.key)).toContain(key);
      const live = (items: RecordItem[], k: string) =>
        items.find((i) => i.key === k)?.provenance.every((p) => !p.savedCopy);
      // The first step with DCR's answer: the coded decision sent again (live), the worded one not yet.
      const answered = shown.find((items) => live(items, 'Observation/dcr/dcr-fr-obs-1'));
      expect(answered).toBeDefined();
      expect(live(answered!, key)).toBe(false);
      expect(refreshed.record.items.map((i) => i.key)).toContain(key);
    });
  });

  it('sends a DNACPR coded as an observation first, and says DCR is still loading until one worded as a DNACPR can have arrived', async () => {
    await withWordedDecision(async (wordedKey) => {
      await slowObservations();
      const { events, opened, finished } = await timedOpen(reader(), 'frail');
      const codedKey = 'Observation/dcr/dcr-fr-obs-1';
      const final = opened.record.items.filter((i) => i.section === 'advanceCare').map((i) => i.key);
      expect(final).toEqual(expect.arrayContaining([codedKey, wordedKey]));

      // Before DCR's observations have answered: the coded decision is on screen, the section not yet complete.
      const early = shownSections(events.filter((e) => e.at < finished - 2_000).map((e) => e.event));
      const advanceCare = early.get('advanceCare');
      expect(advanceCare?.items.map((i) => i.key)).toContain(codedKey);
      expect(advanceCare?.items.map((i) => i.key)).not.toContain(wordedKey);
      expect(advanceCare?.completeness).toMatchObject({
        state: 'loading',
        gaps: [expect.objectContaining({ sourceName: 'DCR', reason: 'DCR is still loading' })],
      });
      // The alerts and allergies do not wait for the observations.
      expect(early.get('allergies')?.completeness.state).toBe('complete');

      // Once they have (the record, which replaces what progress showed): both decisions, and complete.
      expect(opened.record.completeness.advanceCare.state).toBe('complete');
    });
  });
});

describe('a saved copy holding a privacy Consent', () => {
  it('is opened offline whole, nothing sent ahead: a restriction not yet in force may reach any entry', async () => {
    const patientRef = dcrResource('frail', 'Condition') as Resource & { subject?: unknown };
    const consent = {
      resourceType: 'Consent',
      id: 'future-privacy-consent',
      status: 'active',
      scope: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
      },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: patientRef.subject,
      provision: {
        type: 'deny',
        period: { start: '2099-01-01' },
        code: [{ coding: [{ code: '12345678' }] }],
      },
    } as unknown as Resource;
    await sandbox.servers.dcr.updateResource(consent);
    try {
      await reader().open(request('frail'));
      const early: RecordEvent[] = [];
      const offline = await reader().openOffline(request('frail', { emit: (e) => early.push(e) }));
      expect(offline?.from).toBe('offline');
      expect(offline?.partial).toBeUndefined();
      expect(early.filter((e) => e.type === 'section')).toEqual([]);
      expect(offline!.record.items.some((i) => /DNACPR/.test(i.display))).toBe(true);
    } finally {
      await sandbox.servers.dcr.deleteResource('Consent', 'future-privacy-consent');
    }
  });
});

describe('one shared copy, governed for each user on every read', () => {
  it('a paramedic after a GP (and the other way round) sees exactly their role, live and offline', async () => {
    const gp = governance({ access: 'everything' });
    const paramedic = governance({ access: 'urgent-care-and-documents' });
    const encounters = (r: WessexRecord) => r.items.filter((i) => i.section === 'encounters').length;
    for (const [first, second] of [
      [gp, paramedic],
      [paramedic, gp],
    ] as const) {
      await cache.deleteAll();
      const one = await reader().open(request('cross-border', { governance: first }));
      const two = await reader().open(request('cross-border', { governance: second }));
      const offline = await reader().openOffline(request('cross-border', { governance: first }));
      for (const [opened, role] of [
        [one.record, first],
        [two.record, second],
        [offline!.record, first],
      ] as const) {
        expect(opened.governance?.access).toBe(role.access);
        if (role.access === 'everything') {
          // Two past encounters, an ED attendance twelve days ago and the admission still open.
          expect(encounters(opened)).toBe(4);
          expect(opened.governance?.hiddenSections).toEqual([]);
        } else {
          expect(encounters(opened)).toBe(0);
          expect(opened.completeness.encounters.state).toBe('withheld');
        }
      }
    }
  });

  it('a patient who declines sharing is never saved, and an earlier saved copy is removed', async () => {
    const dissent = sandbox.patient('dissent');
    // An older saved copy from before the patient dissented (saved here directly).
    await reader().open(request('frail'));
    const saved = (await cache.loadSnapshot(sandbox.patient('frail').nhsNumber))!;
    await cache.saveSnapshot({ ...saved, nhsNumber: dissent.nhsNumber });
    expect((await cache.list()).map((r) => r.nhsNumber)).toContain(dissent.nhsNumber);

    const opened = await reader().open(request('dissent'));
    expect(opened.record.dissent).toBe(true);
    expect(opened.record.items).toEqual([]);
    expect(await opened.saved).toEqual({ written: false });
    expect(opened.purgedForDissent).toBe(true);
    expect((await cache.list()).map((r) => r.nhsNumber)).not.toContain(dissent.nhsNumber);
  });
});

describe('re-open and refresh give the same record as a clean fetch', () => {
  it('a re-open and an incremental refresh of unchanged data change nothing', async () => {
    const clean = await reader().open(request('cross-border'));
    expect(clean.record.conflicts.length).toBeGreaterThanOrEqual(2);
    now = later(1);
    const refreshed = await reader().open(request('cross-border'));
    expect(refreshed.from).toBe('refreshed');
    const offline = await reader().openOffline(request('cross-border'));
    expect(shape(refreshed.record)).toEqual(shape(clean.record));
    expect(shape(offline!.record)).toEqual(shape(clean.record));
  });

  it('after DCR fails and comes back, the refreshed record is the clean one again', async () => {
    const clean = await reader().open(request('cross-border'));
    await sandbox.servers.dcr.setFault('500');
    now = later(1);
    const failed = await reader().open(request('cross-border'));
    expect(failed.record.sources.find((s) => s.id === 'dcr')).toMatchObject({
      state: 'failed',
      savedCopy: { asOf: T0.toISOString() },
    });
    // The saved DCR entries are still shown, labelled, and nothing is doubled.
    expect(shape(failed.record).items.map((i) => i[0])).toEqual(shape(clean.record).items.map((i) => i[0]));
    await sandbox.servers.dcr.setFault(undefined);
    now = later(2);
    const back = await reader().open(request('cross-border'));
    expect(shape(back.record)).toEqual(shape(clean.record));
  });
});

describe('a source failing after an earlier success', () => {
  for (const [fault, words] of [
    ['down', /^CHIE could not be reached: the server refused the connection; showing its saved copy/],
    ['500', /^CHIE could not be checked: had a server error \(HTTP 500\)/],
  ] as const) {
    it(`CHIE ${fault}: its saved entries are labelled, and every section says why CHIE could not be checked`, async () => {
      const first = await reader().open(request('cross-border'));
      const chieOnly = first.record.items.filter((i) => i.provenance.every((p) => p.sourceId === 'chie'));
      expect(chieOnly.length).toBeGreaterThan(0);
      await sandbox.servers.chie.setFault(fault);
      now = later(1);
      const opened = await reader().open(request('cross-border'));
      expect(opened.from).not.toBe('offline');
      const chie = opened.record.sources.find((s) => s.id === 'chie')!;
      expect(chie.state).toBe('failed');
      expect(chie.savedCopy).toEqual({ asOf: T0.toISOString() });
      expect(opened.record.sources.find((s) => s.id === 'dcr')!.savedCopy).toBeUndefined();
      for (const item of opened.record.items.filter((i) =>
        i.provenance.every((p) => p.sourceId === 'chie'),
      )) {
        expect(item.provenance.every((p) => p.savedCopy?.asOf === T0.toISOString())).toBe(true);
      }
      expect(opened.record.items.map((i) => i.key)).toEqual(first.record.items.map((i) => i.key));
      const allergies = opened.record.completeness.allergies;
      expect(allergies.state).toBe('incomplete');
      expect(allergies.gaps).toHaveLength(1);
      expect(allergies.gaps[0]!.reason).toMatch(words);
      expect(allergies.gaps[0]!.reason).toMatch(/showing its saved copy from 09:14 BST today/);
      expect(allergies.gaps[0]!.savedCopyAsOf).toBe(T0.toISOString());
    });
  }

  it('DCR’s prescriptions slow: its DNACPR and allergies are sent without waiting for them', async () => {
    await slowPrescriptions();
    const { events, opened, finished } = await timedOpen(reader(), 'frail');
    const dnacpr = events.find(
      ({ event }) =>
        event.type === 'section' &&
        event.section === 'advanceCare' &&
        !!event.items?.some((i) => i.provenance.some((p) => p.sourceId === 'dcr')),
    );
    expect(dnacpr, 'DCR’s DNACPR before its prescriptions').toBeDefined();
    expect(dnacpr!.at).toBeLessThan(finished - 2_000);
    // The medicines sent with it (a turn later) say DCR is still loading: never complete, never "none recorded".
    const medicines = events.find(
      (e) => e.at >= dnacpr!.at && e.event.type === 'section' && e.event.section === 'medications',
    )?.event;
    expect(medicines?.type === 'section' && medicines.completeness).toMatchObject({
      state: 'loading',
      gaps: expect.arrayContaining([
        expect.objectContaining({ sourceName: 'DCR', reason: 'DCR is still loading' }),
      ]),
    });
    expect(opened.record.completeness.medications.state).toBe('complete');
  });

  it('DCR’s prescriptions overdue: the medicines say DCR has not answered in time, not that it is loading', async () => {
    await slowPrescriptions();
    const { events } = await timedOpen(reader({ urgentCareDeadlineMs: 1_000 }), 'frail');
    const overdueAt = events.find(
      ({ event }) =>
        event.type === 'section' &&
        event.section === 'medications' &&
        event.completeness.gaps.some((g) => g.sourceName === 'DCR' && g.overdue),
    );
    expect(overdueAt, 'the medicines said DCR was overdue').toBeDefined();
    const overdue = overdueAt?.event;
    // Once overdue, no section goes back to saying DCR is still loading while it reads on (its prescriptions
    // answered, the rest of its record and the search for decisions worded as a DNACPR after them): they say
    // it has answered, though not with everything yet.
    const saidLater = events
      .filter((e) => e.at >= overdueAt!.at)
      .flatMap(({ event }) => (event.type === 'section' ? event.completeness.gaps : []))
      .filter((g) => g.sourceName === 'DCR')
      .map((g) => g.reason);
    expect(saidLater).not.toContain('DCR is still loading');
    expect(saidLater).toContain('DCR has not sent the rest of its record within 1 s; still trying');
    expect(overdue?.type === 'section' && overdue.completeness).toMatchObject({
      state: 'incomplete',
      gaps: expect.arrayContaining([
        expect.objectContaining({
          sourceName: 'DCR',
          reason: 'DCR has not answered within 1 s; still trying',
        }),
      ]),
    });
  });

  it('CHIE slow: DCR’s urgent-care sections are sent as soon as DCR answers, CHIE named as overdue', async () => {
    // CHIE's first answers (capabilities, the patient search) are held back: nothing from CHIE for 2 s.
    await sandbox.servers.chie.setFault('slow', { delayMs: 2_000, times: 2 });
    const { events, opened, finished } = await timedOpen(reader({ urgentCareDeadlineMs: 500 }), 'frail');
    const advance = events.filter((e) => e.event.type === 'section' && e.event.section === 'advanceCare');
    const early = advance.find(
      (e) => e.event.type === 'section' && !!e.event.items?.some((i) => /DNACPR|ReSPECT/.test(i.display)),
    );
    expect(early, 'DNACPR before CHIE answered').toBeDefined();
    expect(early!.at).toBeLessThan(finished - 1_000);
    expect(
      early!.event.type === 'section' && early!.event.completeness.gaps.map((g) => g.sourceName),
    ).toContain('CHIE');
    const overdue = advance.find(
      (e) => e.event.type === 'section' && e.event.completeness.gaps.some((g) => g.overdue),
    );
    expect(overdue?.event.type === 'section' && overdue.event.completeness).toMatchObject({
      state: 'incomplete',
      gaps: expect.arrayContaining([expect.objectContaining({ sourceName: 'CHIE', loading: true })]),
    });
    // (On a loaded machine DCR may be overdue at that moment too: CHIE's gap is the one that must say so.)
    const chieGap =
      overdue!.event.type === 'section'
        ? overdue!.event.completeness.gaps.find((g) => g.sourceName === 'CHIE')
        : undefined;
    expect(chieGap?.reason).toMatch(/^CHIE has not answered within 500 ms; still trying$/);
    // In the end CHIE answered, and the record is complete.
    expect(opened.record.completeness.advanceCare.state).toBe('complete');
  });
});

/** Renames the frail patient's first DCR problem on the server; returns how to put it back. */
async function renameDcrCondition(text: string): Promise<() => Promise<void>> {
  const condition = dcrResource('frail', 'Condition');
  const current = (await sandbox.servers.dcr.readResource('Condition', condition.id!)) as Resource & {
    code?: Record<string, unknown>;
  };
  await sandbox.servers.dcr.updateResource({
    ...current,
    code: { ...(current.code ?? {}), text },
  } as Resource);
  return async () => {
    await sandbox.servers.dcr.updateResource(current);
  };
}

/** Each copy an item shows, as "source/id". */
const copiesIn = (record: WessexRecord) =>
  record.items.flatMap((i) => i.provenance.map((p) => `${p.sourceId}/${p.resourceId}`));

/** Labels restricted, at DCR, an entry both DCR and CHIE hold in `record`; returns its copies and how to undo it. */
async function labelSharedAtDcr(record: WessexRecord) {
  const shared = record.items.find(
    (i) => i.provenance.some((p) => p.sourceId === 'dcr') && i.provenance.some((p) => p.sourceId === 'chie'),
  );
  expect(shared, 'an entry both sources hold').toBeDefined();
  const dcr = shared!.provenance.find((p) => p.sourceId === 'dcr')!;
  const chie = shared!.provenance.find((p) => p.sourceId === 'chie')!;
  const current = (await sandbox.servers.dcr.readResource(dcr.resourceType, dcr.resourceId)) as Resource;
  const security = [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }];
  await sandbox.servers.dcr.updateResource({ ...current, meta: { ...current.meta, security } } as Resource);
  return {
    dcr: `dcr/${dcr.resourceId}`,
    chie: `chie/${chie.resourceId}`,
    restore: async () => {
      await sandbox.servers.dcr.updateResource(current);
    },
  };
}

describe('refresh when back online', () => {
  it('an entry labelled restricted at DCR since the last open goes, with CHIE’s saved copy of it, from the screen and the saved copy', async () => {
    const first = await reader().open(request('cross-border'));
    await first.saved;
    const shared = await labelSharedAtDcr(first.record);
    try {
      // CHIE does not answer: its copy is the saved one, and must go with DCR's.
      await sandbox.servers.chie.setFault('down');
      now = later(1);
      const refreshed = await reader().open(request('cross-border'));
      await refreshed.saved;
      expect(refreshed.from).toBe('refreshed');
      const offline = (await reader().openOffline(request('cross-border')))!;
      for (const record of [refreshed.record, offline.record]) {
        expect(copiesIn(record)).not.toContain(shared.dcr);
        expect(copiesIn(record)).not.toContain(shared.chie);
        expect(record.withheld.count).toBe(first.record.withheld.count + 1);
      }
    } finally {
      await shared.restore();
    }
  });

  it('an entry DCR labelled stays withheld when only CHIE sends its copy again, and is counted once', async () => {
    const unlabelled = await reader().open(request('cross-border'));
    await unlabelled.saved;
    const shared = await labelSharedAtDcr(unlabelled.record);
    try {
      now = later(1);
      const labelled = await reader().open(request('cross-border'));
      await labelled.saved;
      const count = unlabelled.record.withheld.count + 1;
      expect(labelled.record.withheld.count).toBe(count);
      // A day on, a full refresh while DCR is down: CHIE sends everything again, DCR's saved copy stays.
      await sandbox.servers.dcr.setFault('down');
      now = later(26);
      const refreshed = await reader().open(request('cross-border'));
      await refreshed.saved;
      const offline = (await reader().openOffline(request('cross-border')))!;
      for (const record of [refreshed.record, offline.record]) {
        expect(copiesIn(record)).not.toContain(shared.chie);
        expect(copiesIn(record)).not.toContain(shared.dcr);
        expect(record.withheld.count).toBe(count);
      }
    } finally {
      await shared.restore();
    }
  });

  it('an incremental refresh (_lastUpdated per source) picks up a server-side change', async () => {
    const first = await reader().open(request('frail'));
    const restore = await renameDcrCondition('Updated by the GP today');

    sandbox.servers.dcr.clearRequests();
    now = later(1);
    const refreshed = await reader().open(request('frail'));
    expect(refreshed.from).toBe('refreshed');
    expect(sandbox.servers.dcr.requests.some((r) => r.url.includes('_lastUpdated=gt'))).toBe(true);
    expect(displays(refreshed.record)).toContain('Updated by the GP today');
    expect(refreshed.record.items.length).toBe(first.record.items.length);
    // What was shown is what is saved.
    expect(displays((await reader().openOffline(request('frail')))!.record)).toContain(
      'Updated by the GP today',
    );
    await restore();
  });

  it('a re-open paints urgent care from the saved copy’s urgent part and the changes, as the final record has it', async () => {
    await reader().open(request('frail'));
    const restore = await renameDcrCondition('Changed since the saved copy');
    now = later(1);
    const events: RecordEvent[] = [];
    const reopened = await reader().open(request('frail', { emit: (e) => events.push(e) }));
    // The last medicines may follow the answer by a turn.
    await new Promise((resolve) => setImmediate(resolve));
    expect(reopened.from).toBe('refreshed');
    const lastEvent = new Map(
      [...shownSections(events)].map(([section, s]) => [section, s.items.map((i) => i.display)]),
    );
    for (const section of ['advanceCare', 'alerts', 'allergies', 'medications', 'problems'] as const) {
      const shown = reopened.record.items.filter((i) => i.section === section).map((i) => i.display);
      expect(lastEvent.get(section), section).toEqual(shown);
    }
    expect(lastEvent.get('problems')).toContain('Changed since the saved copy');
    expect(lastEvent.get('advanceCare')!.length).toBeGreaterThan(0);
    await restore();
  });

  it('a re-open shows the saved DNACPR without waiting for a slow medicines search', async () => {
    await reader().open(request('frail'));
    now = later(1);
    // Every source slow: the locator and CHIE by a second, DCR's prescriptions by three.
    await slowPrescriptions();
    await sandbox.servers.chie.setFault('slow', { delayMs: 1_000, times: 2 });
    await sandbox.servers.locator.setFault('slow', { delayMs: 1_000, times: 1 });
    const { events, opened, finished } = await timedOpen(reader({ urgentCareDeadlineMs: 500 }), 'frail');
    expect(opened.from).toBe('refreshed');
    const dnacpr = events.find(
      ({ event }) =>
        event.type === 'section' &&
        event.section === 'advanceCare' &&
        !!event.items?.some((i) => /DNACPR|ReSPECT/.test(i.display)),
    );
    expect(dnacpr, 'the saved DNACPR on screen').toBeDefined();
    expect(dnacpr!.at).toBeLessThan(finished - 1_500);
  });

  it('a full refresh keeps the saved medicines on screen while a slow medicines search answers', async () => {
    // DCR's prescriptions are slow; its DNACPR and allergies are not.
    const { first, shown } = await fullRefreshShowing('medications', slowPrescriptions);
    const saved = first.record.items.filter((i) => i.section === 'medications').length;
    expect(saved).toBeGreaterThan(0);
    // Never fewer than the saved copy holds, not even for a moment.
    for (const items of shown) expect(items.length).toBeGreaterThanOrEqual(saved);
  });

  it('a server-side deletion is invisible incrementally and disappears on the periodic full refresh', async () => {
    const first = await reader().open(request('cross-border'));
    const doomed = first.record.items.find(
      (i) => i.provenance.length === 1 && i.provenance[0]?.sourceId === 'dcr' && i.section === 'problems',
    );
    expect(doomed).toBeDefined();
    const ref = doomed!.provenance[0]!;
    const original = await sandbox.servers.dcr.readResource(ref.resourceType, ref.resourceId);
    await sandbox.servers.dcr.deleteResource(ref.resourceType, ref.resourceId);

    now = later(2);
    const incremental = await reader().open(request('cross-border'));
    expect(incremental.from).toBe('refreshed');
    expect(incremental.record.items.map((i) => i.key)).toContain(doomed!.key);

    now = later(25);
    const full = await reader().open(request('cross-border'));
    expect(full.from).toBe('live');
    expect(full.record.items.map((i) => i.key)).not.toContain(doomed!.key);
    const offline = await reader().openOffline(request('cross-border'));
    expect(offline!.record.items.map((i) => i.key)).not.toContain(doomed!.key);
    await sandbox.servers.dcr.updateResource(original as Resource);
  });
});
