// The caseload watch against the real sandbox (DCR and CHIE serving topic-based Subscriptions over a
// websocket, `$events` catch-up, CHIE without subscriptions for the polling fallback), an encrypted offline
// store in a temp directory, and the faults a clinician must never notice: nothing lost, nothing shown twice.
// Two faults the sandbox cannot make (an event about someone not on the caseload; heartbeats stopping on a
// connection that stays open) use a small loopback server speaking the same contract.
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CaseloadEvent, CaseloadWatchStatus } from '../../common/caseload-events';
import { noTokens, type TokenProvider } from '../../main/services/auth/token-provider';
import type { AuditAction } from '../../main/services/audit';
import { openOfflineCache, type OfflineCache } from '../../main/services/cache';
import { CaseloadWatch, type CaseloadEventKeeper } from '../../main/services/caseload-alerts';
import { loadSensitiveCodes, type SensitiveCodes } from '../../main/services/governance';
import { caseloadNotificationText } from '../../main/services/notifications/caseload-notification-text';
import { cacheDatabasePath } from '../../main/services/paths';
import type { RoleAccess } from '../../main/services/policy/schema';
import type { EngineSource } from '../../main/services/record';
import { startSandbox, type RunningSandbox } from '../../sandbox';
import { FakeSubscriptionServer } from '../support/fake-subscription-server';
import { MENTAL_HEALTH_SERVICES } from '../support/sensitive-code-lists';
import { bytesContain, cacheTestEnv, type CacheTestEnv } from './cache-support';

let env: CacheTestEnv;
let cache: OfflineCache;
let watch: CaseloadWatch;
let audited: { action: AuditAction; ended?: string }[];
let access: RoleAccess;

function newWatch(
  sources: EngineSource[],
  options: {
    pollSeconds?: number;
    heartbeatSeconds?: number;
    tokens?: TokenProvider;
    store?: CaseloadEventKeeper;
    clock?: () => Date;
    startRetryMs?: number;
    sensitive?: SensitiveCodes;
  } = {},
) {
  watch = new CaseloadWatch({
    sources,
    tokens: options.tokens ?? noTokens,
    audit: {
      begin: (action) => {
        const entry: { action: AuditAction; ended?: string } = { action };
        audited.push(entry);
        return {
          id: String(audited.length),
          done: () => (entry.ended = 'done'),
          endedOtherwise: (_o, text) => (entry.ended = text),
        };
      },
    },
    store: options.store ?? cache.caseloadEvents,
    sensitive: options.sensitive ?? loadSensitiveCodes(),
    governance: () => ({ access, breakGlass: false, breakGlassOverridesDissent: false }),
    resolveCaseload: async () => ({ nhsNumbers: [], problems: ['none'] }),
    pollSeconds: options.pollSeconds ?? 3600,
    heartbeatSeconds: options.heartbeatSeconds ?? 1,
    backoffBaseMs: 20,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.startRetryMs !== undefined ? { startRetryMs: options.startRetryMs } : {}),
  });
  return watch;
}

/** Resolves with the events seen once `count` have arrived (the watch's own listener, no timers). */
function arrivals(count: number): Promise<CaseloadEvent[]> {
  const seen: CaseloadEvent[] = [];
  return new Promise((resolve) => {
    const off = watch.onEvent((event) => {
      seen.push(event);
      if (seen.length === count) {
        off();
        resolve([...seen]);
      }
    });
  });
}

function until(check: (status: CaseloadWatchStatus) => boolean): Promise<CaseloadWatchStatus> {
  if (check(watch.status())) return Promise.resolve(watch.status());
  return new Promise((resolve) => {
    const off = watch.onStatus((status) => {
      if (check(status)) {
        off();
        resolve(status);
      }
    });
  });
}

const live = (s: CaseloadWatchStatus) => s.sources.length > 0 && s.sources.every((x) => x.connected);
const connections = () =>
  watch.sourceWatches.flatMap((w) => w.channels).reduce((n, c) => n + c.connections, 0);

beforeEach(async () => {
  env = cacheTestEnv();
  cache = await openOfflineCache({ dataDir: env.dataDir, keyVault: env.vault });
  audited = [];
  access = 'everything';
});

afterEach(async () => {
  await watch?.stop();
  cache.close();
  await env.cleanup();
});

describe('caseload watch on the sandbox', () => {
  let sandbox: RunningSandbox;
  let caseload: string[];
  const sources = (): EngineSource[] => [
    { id: 'dcr', name: 'Dorset Care Record', fhirBase: sandbox.urls.dcr },
    { id: 'chie', name: 'CHIE', fhirBase: sandbox.urls.chie },
  ];
  const nhs = (key: string) => sandbox.patient(key).nhsNumber;

  beforeAll(async () => {
    sandbox = await startSandbox({ requireAuth: false });
    caseload = ['cross-border', 'frail', 'long-history', 'dissent'].map(nhs);
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  async function watching(): Promise<void> {
    const started = await newWatch(sources()).start({ nhsNumbers: caseload });
    expect(started).toMatchObject({ watching: true, patients: 4 });
    expect(started.sources.map((s) => s.mode)).toEqual(['websocket', 'websocket']);
    await until(live);
  }

  it('shows an admission, discharge, ED arrival, letter and death once each, with where and the source', async () => {
    await watching();
    const got = arrivals(5);
    await sandbox.servers.dcr.admit(nhs('cross-border'), { where: 'Ward 7, Dorset County Hospital' });
    await sandbox.servers.dcr.discharge(nhs('cross-border'));
    await sandbox.servers.chie.sendToEd(nhs('frail'), { where: 'Emergency Department, QA Hospital' });
    await sandbox.servers.chie.addLetter(nhs('long-history'));
    await sandbox.servers.dcr.recordDeath(nhs('long-history'));
    const events = await got;
    expect(events.map((e) => [e.kind, e.nhsNumber, e.sourceName]).sort()).toEqual(
      [
        ['admitted', nhs('cross-border'), 'Dorset Care Record'],
        ['discharged', nhs('cross-border'), 'Dorset Care Record'],
        ['ed-arrival', nhs('frail'), 'CHIE'],
        ['new-letter', nhs('long-history'), 'CHIE'],
        ['died', nhs('long-history'), 'Dorset Care Record'],
      ].sort(),
    );
    expect(events.find((e) => e.kind === 'admitted')).toMatchObject({
      where: 'Ward 7, Dorset County Hospital',
    });
    expect(events.find((e) => e.kind === 'new-letter')?.title).toMatch(/letter/i);
    expect((await watch.events({ limit: 10, offset: 0 })).total).toBe(5);
    // Audited ahead: a PatientQuery per patient per notification, each finished.
    expect(audited).toHaveLength(5);
    expect(audited.every((a) => a.action.kind === 'patient-query' && a.ended === 'done')).toBe(true);
  });

  it("tells a caseload patient's first admission to a trust whose record did not hold them", async () => {
    // A caseload patient no regional record holds yet (a valid test NHS number the sandbox does not know).
    const newcomer = '9990001235';
    const started = await newWatch(sources()).start({ nhsNumbers: [...caseload, newcomer] });
    expect(started.patients).toBe(5);
    await until(live);
    const got = arrivals(1);
    await sandbox.servers.chie.admit(newcomer, { where: 'Ward D5, Queen Alexandra Hospital' });
    const [event] = await got;
    // Told in full: CHIE did not hold them when the watch began, so whether they declined sharing there was
    // checked when the notification named them (they had not).
    expect(event).toMatchObject({ kind: 'admitted', nhsNumber: newcomer, sourceName: 'CHIE' });
    expect(event!.where).toContain('Ward D5');
    expect(event!.withheldReason).toBeUndefined();
  });

  it('loses nothing and shows nothing twice when the websocket drops while events happen', async () => {
    await watching();
    const before = connections();
    const got = arrivals(3);
    sandbox.servers.dcr.dropWebsockets();
    await sandbox.servers.dcr.admit(nhs('cross-border'));
    await sandbox.servers.dcr.addLetter(nhs('frail'));
    await until((s) => s.sources[0]!.connected && connections() > before);
    await sandbox.servers.dcr.sendToEd(nhs('long-history'));
    const events = await got;
    expect(events.map((e) => e.kind).sort()).toEqual(['admitted', 'ed-arrival', 'new-letter']);
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
    expect((await watch.events({ limit: 50, offset: 0 })).total).toBe(3);
  });

  it('carries on after the server restarts, with what happened meanwhile', async () => {
    await watching();
    const got = arrivals(2);
    await sandbox.servers.chie.restart();
    await sandbox.servers.chie.admit(nhs('frail'));
    await until(live);
    await sandbox.servers.chie.addLetter(nhs('frail'));
    const events = await got;
    expect(events.map((e) => e.kind).sort()).toEqual(['admitted', 'new-letter']);
    expect((await watch.events({ limit: 50, offset: 0 })).total).toBe(2);
  });

  it('gets a new binding token when the one it holds has expired', async () => {
    await watching();
    const before = connections();
    sandbox.servers.dcr.expireBindingTokens();
    sandbox.servers.dcr.dropWebsockets();
    await until((s) => s.sources[0]!.connected && connections() > before);
    const got = arrivals(1);
    await sandbox.servers.dcr.admit(nhs('cross-border'));
    expect((await got)[0]).toMatchObject({ kind: 'admitted', sourceId: 'dcr' });
  });

  it('puts out-of-order events in order and drops one sent twice', async () => {
    await watching();
    const got = arrivals(3);
    sandbox.servers.dcr.duplicateNextEvent();
    await sandbox.servers.dcr.admit(nhs('cross-border'));
    sandbox.servers.dcr.reorderNextTwoEvents();
    await sandbox.servers.dcr.admit(nhs('frail'));
    await sandbox.servers.dcr.admit(nhs('long-history'));
    const events = await got;
    expect(events.map((e) => e.nhsNumber)).toEqual(['cross-border', 'frail', 'long-history'].map(nhs));
    const next = arrivals(1);
    await sandbox.servers.dcr.addLetter(nhs('cross-border'));
    expect((await next)[0]!.kind).toBe('new-letter');
    expect((await watch.events({ limit: 50, offset: 0 })).total).toBe(4);
  });

  it('shows a role that may not see encounters only that there is new activity', async () => {
    access = 'demographics-only';
    await watching();
    const got = arrivals(2);
    await sandbox.servers.dcr.admit(nhs('cross-border'), { where: 'Ward 7, Dorset County Hospital' });
    await sandbox.servers.chie.addLetter(nhs('frail'));
    for (const event of await got) {
      expect(event).toMatchObject({ kind: 'new-activity', withheldReason: expect.stringMatching(/role/) });
      expect(event.where).toBeUndefined();
      expect(event.title).toBeUndefined();
    }
    // Kept whole (one shared copy), governed again for whoever reads.
    access = 'everything';
    const page = await watch.events({ limit: 10, offset: 0 });
    expect(page.rows.map((e) => e.kind).sort()).toEqual(['admitted', 'new-letter']);
  });

  it('keeps no details of a patient who declined to share their record', async () => {
    await watching();
    const got = arrivals(1);
    await sandbox.servers.dcr.admit(nhs('dissent'), { where: 'Ward 7, Dorset County Hospital' });
    const [event] = await got;
    expect(event).toMatchObject({
      kind: 'new-activity',
      nhsNumber: nhs('dissent'),
      withheldReason: expect.stringMatching(/declined to share/),
    });
    expect(event!.where).toBeUndefined();
  });

  /** The caseload's watch sees `frail` admitted to `where`, and is stopped. */
  async function frailAdmittedWhileWatching(where: string): Promise<void> {
    await watching();
    const got = arrivals(1);
    await sandbox.servers.dcr.admit(nhs('frail'), { where });
    await got;
    await watch.stop();
  }

  it('lists and reports on only the caseload it watches: events another caseload’s watch kept stay theirs', async () => {
    await frailAdmittedWhileWatching('Ward Nine');
    // Another clinician's watch on this computer, of a caseload without that patient.
    await newWatch(sources()).start({ nhsNumbers: [nhs('cross-border')] });
    expect(await watch.events({ limit: 10, offset: 0 })).toEqual({ rows: [], total: 0 });
    expect(await watch.reportsOn(nhs('frail'))).toBe(false);
    // The store still holds it, for the caseload it belongs to.
    expect(await cache.caseloadEvents.reportsOn(nhs('frail'))).toBe(true);
    await watch.stop();
    await newWatch(sources()).start({ nhsNumbers: [nhs('frail')] });
    expect((await watch.events({ limit: 10, offset: 0 })).rows).toMatchObject([{ where: 'Ward Nine' }]);
    expect(await watch.reportsOn(nhs('frail'))).toBe(true);
    // A start that fails lists and covers no one, not the caseload watched before it.
    await expect(watch.start({ nhsNumbers: ['1234567890'] })).rejects.toThrow(/not valid/);
    expect(await watch.events({ limit: 10, offset: 0 })).toEqual({ rows: [], total: 0 });
    expect(await watch.reportsOn(nhs('frail'))).toBe(false);
  });

  it('keeps events encrypted: the NHS number and ward are nowhere in the store’s files', async () => {
    await frailAdmittedWhileWatching('Ward Seventeen Unique');
    cache.close();
    const files = (fs.readdirSync(env.dataDir, { recursive: true }) as string[])
      .map((f) => `${env.dataDir}/${f}`)
      .filter((f) => fs.statSync(f).isFile());
    expect(files).toContain(cacheDatabasePath(env.dataDir));
    for (const file of files) {
      const bytes = fs.readFileSync(file);
      expect(bytesContain(bytes, nhs('frail'))).toBe(false);
      expect(bytesContain(bytes, 'Ward Seventeen Unique')).toBe(false);
    }
    cache = await openOfflineCache({ dataDir: env.dataDir, keyVault: env.vault });
    const kept = await cache.caseloadEvents.page({ limit: 10, offset: 0, patients: [nhs('frail')] });
    expect(kept.rows[0]).toMatchObject({ nhsNumber: nhs('frail'), where: 'Ward Seventeen Unique' });
  });

  it('watches a source that was down when the watch started as soon as it is back, and tells what happens there', async () => {
    await sandbox.servers.chie.setFault('down');
    try {
      const started = await newWatch(sources(), { startRetryMs: 100 }).start({ nhsNumbers: caseload });
      expect(started.sources.map((s) => [s.sourceId, s.mode])).toEqual([
        ['dcr', 'websocket'],
        ['chie', 'unavailable'],
      ]);
      expect(started.sources[1]!.problem).toBe(
        'CHIE could not be reached: the server refused the connection; not watched until it answers (trying again)',
      );
    } finally {
      await sandbox.servers.chie.setFault(undefined);
    }
    const back = await until((s) => live(s) && s.sources.length === 2);
    expect(back.sources.map((s) => [s.sourceId, s.mode])).toEqual([
      ['dcr', 'websocket'],
      ['chie', 'websocket'],
    ]);
    const got = arrivals(1);
    await sandbox.servers.chie.admit(nhs('frail'), { where: 'Ward 9, St Mary’s' });
    expect(await got).toMatchObject([{ kind: 'admitted', sourceId: 'chie', where: 'Ward 9, St Mary’s' }]);
  });

  it('makes one Subscription per topic per source, and deletes them when stopped', async () => {
    await watching();
    const made = watch.sourceWatches.map((w) => ({ base: w.status().sourceId, ids: w.subscriptionIds }));
    expect(made.map((m) => m.ids.length)).toEqual([4, 4]);
    const addresses = made.flatMap((m) =>
      m.ids.map((id) => `${m.base === 'dcr' ? sandbox.urls.dcr : sandbox.urls.chie}/Subscription/${id}`),
    );
    for (const address of addresses) expect((await fetch(address)).status).toBe(200);
    await watch.stop();
    expect(watch.status().watching).toBe(false);
    for (const address of addresses) expect((await fetch(address)).status).toBe(404);
  });
});

describe('caseload watch by polling, on a sandbox whose CHIE has no subscriptions', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ requireAuth: false, subscriptions: { chie: false } });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('gives the same events as the subscriptions would', async () => {
    const nhs = (key: string) => sandbox.patient(key).nhsNumber;
    newWatch([
      { id: 'dcr', name: 'Dorset Care Record', fhirBase: sandbox.urls.dcr },
      { id: 'chie', name: 'CHIE', fhirBase: sandbox.urls.chie },
    ]);
    const started = await watch.start({ nhsNumbers: ['cross-border', 'frail', 'long-history'].map(nhs) });
    expect(started.sources.map((s) => [s.sourceId, s.mode])).toEqual([
      ['dcr', 'websocket'],
      ['chie', 'polling'],
    ]);
    const poller = watch.sourceWatches.find((w) => w.status().sourceId === 'chie')!.polling!;
    await poller.pollNow();
    const got = arrivals(3);
    await sandbox.servers.chie.admit(nhs('cross-border'), { where: 'Ward 3, QA Hospital' });
    await sandbox.servers.chie.addLetter(nhs('frail'));
    await sandbox.servers.chie.recordDeath(nhs('long-history'));
    await poller.pollNow();
    await poller.pollNow();
    const events = await got;
    expect(events.map((e) => e.kind).sort()).toEqual(['admitted', 'died', 'new-letter']);
    expect(events.find((e) => e.kind === 'admitted')).toMatchObject({
      where: 'Ward 3, QA Hospital',
      sourceId: 'chie',
    });
    const next = arrivals(1);
    await sandbox.servers.chie.discharge(nhs('cross-border'));
    await poller.pollNow();
    expect((await next)[0]!.kind).toBe('discharged');
    // A stay that began and ended between two polls is both an admission and a discharge.
    const both = arrivals(2);
    await sandbox.servers.chie.admit(nhs('frail'));
    await sandbox.servers.chie.discharge(nhs('frail'));
    await poller.pollNow();
    expect((await both).map((e) => [e.kind, e.nhsNumber])).toEqual([
      ['admitted', nhs('frail')],
      ['discharged', nhs('frail')],
    ]);
    expect((await watch.events({ limit: 50, offset: 0 })).total).toBe(6);
    expect(watch.status().sources[1]).toMatchObject({ mode: 'polling', connected: true });
  });

  it('says a polled source that goes down could not be reached, in the words the record screens use', async () => {
    newWatch([{ id: 'chie', name: 'CHIE', fhirBase: sandbox.urls.chie }]);
    await watch.start({ nhsNumbers: [sandbox.patient('frail').nhsNumber] });
    const poller = watch.sourceWatches[0]!.polling!;
    await sandbox.servers.chie.setFault('down');
    try {
      await poller.pollNow();
      expect(watch.status().sources[0]).toMatchObject({
        mode: 'polling',
        connected: false,
        problem: 'CHIE could not be reached: the server refused the connection',
      });
    } finally {
      await sandbox.servers.chie.setFault(undefined);
    }
    await poller.pollNow();
    expect(watch.status().sources[0]).toMatchObject({ connected: true });
  });

  it("tells a caseload patient's first admission to a trust that did not hold them, without a restart", async () => {
    // A caseload patient CHIE does not hold when the watch starts: registered there on arrival.
    const newcomer = '9990001235';
    const frail = sandbox.patient('frail').nhsNumber;
    newWatch([{ id: 'chie', name: 'CHIE', fhirBase: sandbox.urls.chie }]);
    await watch.start({ nhsNumbers: [frail, newcomer] });
    const poller = watch.sourceWatches[0]!.polling!;
    await poller.pollNow();
    await sandbox.servers.chie.admit(newcomer, { where: 'Ward D5, Queen Alexandra Hospital' });
    await sandbox.servers.chie.addLetter(frail);
    await poller.pollNow();
    // (The sandbox is shared: what the test before did to `frail` just before this watch began may show too.)
    const about = async (nhsNumber: string) =>
      (await watch.events({ limit: 50, offset: 0 })).rows.filter((e) => e.nhsNumber === nhsNumber);
    expect((await about(newcomer)).map((e) => [e.kind, e.where])).toEqual([
      ['admitted', 'Ward D5, Queen Alexandra Hospital'],
    ]);
    expect((await about(frail)).map((e) => e.kind)).toContain('new-letter');
    // Found once: the next look asks about them as about any patient it holds, and repeats nothing.
    await sandbox.servers.chie.discharge(newcomer);
    await poller.pollNow();
    expect((await about(newcomer)).map((e) => e.kind).sort()).toEqual(['admitted', 'discharged']);
  });
});

describe('caseload watch faults the sandbox cannot make', () => {
  const ON_CASELOAD = ['9990000018', '9990000026'];
  const NOT_ON_CASELOAD = '9990000042';
  let server: FakeSubscriptionServer;
  beforeEach(async () => {
    server = await new FakeSubscriptionServer().start();
    server.addPatient(ON_CASELOAD[0]!, 'Alice Legg');
    server.addPatient(ON_CASELOAD[1]!, 'Bob Hardy');
    server.addPatient(NOT_ON_CASELOAD, 'Dan Stranger');
  });
  afterEach(async () => {
    await watch?.stop();
    await server.close();
  });

  it('checks whether a patient the source starts to hold declined sharing there before telling anything about them', async () => {
    const polled = await new FakeSubscriptionServer({ subscriptions: false }).start();
    try {
      polled.addPatient(ON_CASELOAD[0]!, 'Alice Legg');
      newWatch([{ id: 'chie', name: 'CHIE', fhirBase: polled.base }]);
      await watch.start({ nhsNumbers: ON_CASELOAD });
      const poller = watch.sourceWatches[0]!.polling!;
      await poller.pollNow();
      // Registered on arrival, with a Consent declining all sharing at this source.
      polled.addPatient(ON_CASELOAD[1]!, 'Bob Hardy');
      polled.addConsentDeny(ON_CASELOAD[1]!);
      polled.admit(ON_CASELOAD[1]!, { where: 'Ward 7' });
      await poller.pollNow();
      const { rows } = await watch.events({ limit: 50, offset: 0 });
      const about = rows.filter((e) => e.nhsNumber === ON_CASELOAD[1]);
      expect(about).toHaveLength(1);
      expect(about[0]).toMatchObject({ kind: 'new-activity' });
      expect(about[0]!.withheldReason).toMatch(/^The patient has declined to share/);
      expect(about[0]!.where).toBeUndefined();
      expect(about[0]!.patientName).toBe('HARDY, Bob');
    } finally {
      await watch.stop();
      await polled.close();
    }
  });

  /**
   * A websocket source holding only Alice when the watch begins. Bob is registered there on arrival (`register`
   * may add a Consent or a fault), admitted, then Alice is: once hers is shown, Bob's was dealt with (one
   * Subscription's events are handed on in order). What the watch kept about Bob.
   */
  async function websocketNewcomer(register: (nhsNumber: string) => void): Promise<CaseloadEvent[]> {
    await server.close();
    server = await new FakeSubscriptionServer().start();
    server.addPatient(ON_CASELOAD[0]!, 'Alice Legg');
    newWatch([{ id: 'dcr', name: 'Dorset Care Record', fhirBase: server.base }]);
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(live);
    const alice = new Promise<void>((resolve) => {
      const off = watch.onEvent((event) => {
        if (event.nhsNumber !== ON_CASELOAD[0]) return;
        off();
        resolve();
      });
    });
    server.addPatient(ON_CASELOAD[1]!, 'Bob Hardy');
    register(ON_CASELOAD[1]!);
    server.admit(ON_CASELOAD[1]!, { where: 'Ward 9' });
    server.admit(ON_CASELOAD[0]!);
    await alice;
    const { rows } = await watch.events({ limit: 50, offset: 0 });
    return rows.filter((e) => e.nhsNumber === ON_CASELOAD[1]);
  }

  it('tells in full, with their name, a patient a websocket source starts to hold who has not declined sharing there', async () => {
    const about = await websocketNewcomer(() => undefined);
    expect(about).toHaveLength(1);
    expect(about[0]).toMatchObject({ kind: 'admitted', where: 'Ward 9', patientName: 'HARDY, Bob' });
    expect(about[0]!.withheldReason).toBeUndefined();
  });

  it('tells only as withheld activity a patient a websocket source starts to hold who declined sharing there', async () => {
    const about = await websocketNewcomer((nhsNumber) => server.addConsentDeny(nhsNumber));
    expect(about).toHaveLength(1);
    expect(about[0]).toMatchObject({ kind: 'new-activity', patientName: 'HARDY, Bob' });
    expect(about[0]!.withheldReason).toMatch(/^The patient has declined to share/);
    expect(about[0]!.where).toBeUndefined();
  });

  it('withholds the details of a websocket newcomer whose Consents could not be read, saying so', async () => {
    const about = await websocketNewcomer(() => server.failingSearches.add('Consent'));
    expect(about).toHaveLength(1);
    expect(about[0]).toMatchObject({ kind: 'new-activity' });
    expect(about[0]!.withheldReason).toMatch(/could not be checked/);
    expect(about[0]!.where).toBeUndefined();
  });

  it('ignores and counts an event about a patient not on the caseload', async () => {
    newWatch([{ id: 'dcr', name: 'Dorset Care Record', fhirBase: server.base }]);
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(live);
    const told: CaseloadWatchStatus[] = [];
    watch.onStatus((status) => told.push(status));
    const got = arrivals(1);
    server.admitUnfiltered(NOT_ON_CASELOAD);
    server.admit(ON_CASELOAD[0]!);
    expect((await got)[0]!.nhsNumber).toBe(ON_CASELOAD[0]);
    expect(watch.status().ignoredNotOnCaseload).toBe(1);
    // The status is told when the count moved and when the watch stops (after its deliveries), not for the
    // admission, which moved nothing in it: it went out as an event.
    await watch.stop();
    expect(told.map((s) => [s.watching, s.ignoredNotOnCaseload])).toEqual([
      [true, 1],
      [false, 1],
    ]);
    const page = await watch.events({ limit: 50, offset: 0 });
    expect(page.rows.map((e) => e.nhsNumber)).toEqual([ON_CASELOAD[0]]);
    const auditedPatients = audited.map((a) => (a.action.kind === 'patient-query' ? a.action.nhsNumber : ''));
    expect(auditedPatients).toEqual([ON_CASELOAD[0]]);
  });

  it('looks the caseload up once a minute, not for every notification, for a patient id a faulty filter lets through', async () => {
    // Bob is on the caseload but not at this source, so an unknown Patient id could be his: looked for once.
    await server.close();
    server = await new FakeSubscriptionServer().start();
    server.addPatient(ON_CASELOAD[0]!, 'Alice Legg');
    server.addPatient(NOT_ON_CASELOAD, 'Dan Stranger');
    let now = Date.now();
    newWatch([{ id: 'dcr', name: 'Dorset Care Record', fhirBase: server.base }], {
      clock: () => new Date(now),
    });
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(live);
    const patientSearches = () => server.searched.filter((t) => t === 'Patient').length;
    const before = patientSearches();
    const strangerAdmitted = async () => {
      const got = arrivals(1);
      server.admitUnfiltered(NOT_ON_CASELOAD);
      server.admit(ON_CASELOAD[0]!);
      expect((await got)[0]!.nhsNumber).toBe(ON_CASELOAD[0]);
    };
    for (let i = 0; i < 3; i++) await strangerAdmitted();
    expect(watch.status().ignoredNotOnCaseload).toBe(3);
    expect(patientSearches() - before).toBe(1);
    // In case the source had not yet indexed a patient it had just registered, the id is looked for again later.
    now += 60_000;
    await strangerAdmitted();
    expect(patientSearches() - before).toBe(2);
  });

  it('shows the good admissions of a notification that also carries a malformed one, and counts that one', async () => {
    newWatch([{ id: 'dcr', name: 'Dorset Care Record', fhirBase: server.base }]);
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(live);
    const got = arrivals(2);
    server.admitTogether([
      { nhs: ON_CASELOAD[0]!, patch: { location: [{ location: { display: 'Ward 1' } }] } },
      { nhs: ON_CASELOAD[1]!, patch: { type: 'x' } },
      { nhs: ON_CASELOAD[1]!, patch: { location: [{ location: { display: 'Ward 2' } }] } },
    ]);
    const shown = await got;
    expect(shown.map((e) => [e.nhsNumber, e.kind, e.where])).toEqual([
      [ON_CASELOAD[0], 'admitted', 'Ward 1'],
      [ON_CASELOAD[1], 'admitted', 'Ward 2'],
    ]);
    expect(watch.status()).toMatchObject({ unreadable: 1 });
    expect(watch.status().sources[0]!.connected).toBe(true);
    const later = arrivals(1);
    server.addLetter(ON_CASELOAD[0]!, 'After the hostile one');
    expect((await later)[0]!.title).toBe('After the hostile one');
  });

  it('says updates are missing while they cannot be fetched, though the source stays live, until they are', async () => {
    // A summer afternoon: the notice gives UK time (BST), not the UTC the watch keeps.
    const clock = () => new Date('2026-07-01T14:05:00Z');
    newWatch([{ id: 'dcr', name: 'Dorset Care Record', fhirBase: server.base }], { clock });
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(live);
    server.failEvents(true);
    server.mute(true);
    server.admit(ON_CASELOAD[0]!); // missed: recorded by the server, never sent
    server.mute(false);
    server.admit(ON_CASELOAD[1]!, { where: 'Held behind the gap' });
    const gap = await until((s) => !!s.sources[0]?.incomplete);
    expect(gap.sources[0]).toMatchObject({ connected: true });
    expect(gap.sources[0]!.incomplete).toMatch(
      /^Some updates between 1 Jul 2026, 15:05 BST and 1 Jul 2026, 15:05 BST could not be fetched from Dorset Care Record yet/,
    );
    server.failEvents(false);
    const got = arrivals(2);
    server.dropSockets(); // the reconnection's catch-up fills the gap
    expect((await got).map((e) => e.nhsNumber)).toEqual(ON_CASELOAD);
    const filled = await until((s) => live(s) && !s.sources[0]?.incomplete);
    expect(filled.sources[0]!.incomplete).toBeUndefined();
  });

  it('keeps saying which updates were lost when the server no longer holds them', async () => {
    newWatch([{ id: 'dcr', name: 'Dorset Care Record', fhirBase: server.base }]);
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(live);
    server.mute(true);
    server.admit(ON_CASELOAD[0]!);
    server.mute(false);
    server.forgetEvents(1);
    const got = arrivals(1);
    server.admit(ON_CASELOAD[1]!, { where: 'After the lost one' });
    expect((await got)[0]!.where).toBe('After the lost one');
    const status = await until((s) => !!s.sources[0]?.incomplete);
    expect(status.sources[0]!.incomplete).toMatch(/no longer held by Dorset Care Record and cannot be shown/);
    expect(status.sources[0]!.connected).toBe(true);
  });

  it('drops a connection whose server sends a message over 4 MB, says so, and reconnects', async () => {
    newWatch([{ id: 'dcr', name: 'Dorset Care Record', fhirBase: server.base }]);
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(live);
    const before = connections();
    server.sendRaw(`{"resourceType":"Bundle","x":"${'x'.repeat(5 * 1024 * 1024)}"}`);
    const down = await until((s) => !s.sources[0]!.connected);
    expect(down.sources[0]!.problem).toMatch(/message larger than 4 MB/);
    await until((s) => live(s) && connections() > before);
    const got = arrivals(1);
    server.admit(ON_CASELOAD[0]!);
    expect((await got)[0]!.nhsNumber).toBe(ON_CASELOAD[0]);
  });

  it('fetches again an admission that could not be kept the first time, and shows it', async () => {
    let refusals = 1;
    const store: CaseloadEventKeeper = {
      add: async (events) => {
        if (refusals-- > 0) throw new Error('disk full');
        return cache.caseloadEvents.add(events);
      },
      page: (query) => cache.caseloadEvents.page(query),
      reportsOn: (nhsNumber) => cache.caseloadEvents.reportsOn(nhsNumber),
    };
    newWatch([{ id: 'dcr', name: 'Dorset Care Record', fhirBase: server.base }], { store });
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(live);
    const got = arrivals(2);
    server.admit(ON_CASELOAD[0]!); // not kept: the store refuses it
    await until((s) => !!s.sources[0]?.incomplete);
    server.admit(ON_CASELOAD[1]!); // its gap brings the first one back
    expect((await got).map((e) => e.nhsNumber)).toEqual(ON_CASELOAD);
    await until((s) => !s.sources[0]?.incomplete);
    const page = await watch.events({ limit: 50, offset: 0 });
    expect(page.rows.map((e) => e.nhsNumber).sort()).toEqual([...ON_CASELOAD].sort());
  });

  it('keeps going as its tokens expire, renewing each time', async () => {
    await server.close();
    let valid = 1;
    let issued = 1;
    // A token is good until the server's clock passes it (each round below): older ones are refused.
    const accept = (token: string | undefined) =>
      Number(/^token-(\d+)$/.exec(token ?? '')?.[1] ?? 0) >= valid;
    server = await new FakeSubscriptionServer({ acceptToken: accept }).start();
    server.addPatient(ON_CASELOAD[0]!, 'Alice Legg');
    const tokens: TokenProvider = {
      getToken: async () => `token-${issued}`,
      refresh: async () => `token-${++issued}`,
    };
    newWatch([{ id: 'dcr', name: 'Dorset Care Record', fhirBase: server.base }], { tokens });
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(live);
    for (let round = 0; round < 3; round++) {
      const before = connections();
      valid = issued + 1;
      server.dropSockets();
      await until((s) => s.sources[0]!.connected && connections() > before);
      const got = arrivals(1);
      server.addLetter(ON_CASELOAD[0]!, `Letter ${round}`);
      expect((await got)[0]!.title).toBe(`Letter ${round}`);
    }
    expect(issued).toBeGreaterThanOrEqual(4);
  });

  it('says it is not connected when heartbeats stop on a connection that stays open, and reconnects', async () => {
    newWatch([{ id: 'dcr', name: 'Dorset Care Record', fhirBase: server.base }], { heartbeatSeconds: 1 });
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(live);
    const before = connections();
    server.silence();
    const down = await until((s) => !s.sources[0]!.connected);
    expect(down.sources[0]!.problem).toMatch(/^Dorset Care Record: /);
    await until((s) => connections() > before && s.sources.length === 1);
    const got = arrivals(1);
    server.admit(ON_CASELOAD[1]!);
    expect((await got)[0]!.nhsNumber).toBe(ON_CASELOAD[1]);
  });
});

describe('caseload alerts about what the record withholds (confidentiality labels, sensitive codes)', () => {
  const SCT = 'http://snomed.info/sct';
  const ALICE = '9990000018';
  const BOB = '9990000026';
  const CODE_REASON = 'Some information is not shown because of local policy on sensitive information.';
  const LABEL_REASON = 'Some information is marked confidential at its source and is not shown.';
  /** What none of the withheld alerts may carry: titles, types, places, services, codes. */
  const DETAILS = [
    'Gynaecology',
    'Termination',
    '386639001',
    'Marie Stopes',
    'Sexual health',
    'GUM',
    'Chlamydia',
    '105629000',
    'Psychiatric liaison',
    'Haleys Ward',
    'mental health',
    '788002001',
  ];
  let server: FakeSubscriptionServer;
  afterEach(async () => {
    await watch?.stop();
    await server?.close();
  });

  /** A fake DCR holding these patients (NHS number → name), watched for all of them, live. */
  const watchingDcr = async (patients: Record<string, string>) => {
    server = await new FakeSubscriptionServer().start();
    for (const [nhs, name] of Object.entries(patients)) server.addPatient(nhs, name);
    newWatch([{ id: 'dcr', name: 'Dorset Care Record', fhirBase: server.base }]);
    await watch.start({ nhsNumbers: Object.keys(patients) });
    await until(live);
  };

  const expectToldWithout = (events: CaseloadEvent[], reasons: string[]) => {
    expect(events.map((e) => e.kind)).toEqual(events.map(() => 'new-activity'));
    expect(events.map((e) => e.withheldReason).sort()).toEqual([...reasons].sort());
    for (const event of events) {
      expect(event).toMatchObject({ nhsNumber: ALICE, patientName: 'LEGG, Alice' });
      expect(event.where ?? event.title ?? event.since ?? event.until).toBeUndefined();
    }
    const text = JSON.stringify(events);
    for (const detail of DETAILS) expect(text, detail).not.toContain(detail);
  };

  it('tells an admission, discharge and letters the record would withhold only as new activity, never what, where or which code — live, kept and notified', async () => {
    await watchingDcr({ [ALICE]: 'Alice Legg', [BOB]: 'Bob Hardy' });
    const got = arrivals(6);
    // A day-case termination of pregnancy (a sensitive code in its type), admitted and discharged.
    server.admit(ALICE, {
      where: 'Gynaecology Day Unit, Royal Bournemouth Hospital',
      patch: {
        type: [
          {
            coding: [{ system: SCT, code: '386639001', display: 'Termination of pregnancy' }],
            text: 'Termination of pregnancy',
          },
        ],
        serviceProvider: { display: 'Marie Stopes UK' },
      },
    });
    server.discharge(ALICE);
    // A clinic letter labelled very restricted in its securityLabel, as FHIR R4 documents label theirs…
    server.addLetter(ALICE, 'Sexual health clinic letter', {
      type: { text: 'GUM clinic letter' },
      custodian: { display: 'Sexual health clinic, Poole' },
      securityLabel: [
        {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'V' }],
        },
      ],
    });
    // …one labelled restricted in meta.security, and one whose only sensitive code is in a contained resource.
    server.addLetter(ALICE, 'Chlamydia treatment summary', {
      meta: {
        security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }],
      },
    });
    server.addLetter(ALICE, 'Sexual health results letter', {
      contained: [
        {
          resourceType: 'Condition',
          id: 'c1',
          code: { coding: [{ system: SCT, code: '105629000', display: 'Chlamydial infection' }] },
        },
      ],
    });
    // Bob's ordinary admission is told in full, as before.
    server.admit(BOB, { where: 'Ward 9, Poole Hospital' });
    const events = await got;

    const bob = events.filter((e) => e.nhsNumber === BOB);
    expect(bob).toMatchObject([{ kind: 'admitted', where: 'Ward 9, Poole Hospital' }]);
    const alice = events.filter((e) => e.nhsNumber === ALICE);
    const reasons = [CODE_REASON, CODE_REASON, LABEL_REASON, LABEL_REASON, CODE_REASON];
    // As shown when they arrived…
    expectToldWithout(alice, reasons);
    // …as kept in the encrypted store and listed on the alerts screen…
    const { rows } = await watch.events({ limit: 50, offset: 0 });
    expectToldWithout(
      rows.filter((e) => e.nhsNumber === ALICE),
      reasons,
    );
    // …and as a desktop notification would tell each: the count, never what happened.
    for (const event of alice) {
      expect(caseloadNotificationText([event], 'initials', false).body).toBe('1 caseload update');
    }
    expect(caseloadNotificationText(bob, 'initials', false).body).toBe(
      'B.H. admitted to Ward 9, Poole Hospital',
    );
  });

  it('tells an admission for a condition the patient asked not to share only as new activity; their other admissions in full', async () => {
    server = await new FakeSubscriptionServer().start();
    server.addPatient(ALICE, 'Alice Legg');
    // Partial dissent: Alice shares her record, but not her diabetes (not a code local policy withholds).
    const DIABETES = { system: SCT, code: '73211009', display: 'Diabetes mellitus' };
    server.addConsentDeny(ALICE, [DIABETES]);
    newWatch([{ id: 'dcr', name: 'Dorset Care Record', fhirBase: server.base }]);
    await watch.start({ nhsNumbers: [ALICE] });
    await until(live);
    const got = arrivals(2);
    server.admit(ALICE, {
      where: 'Diabetes Centre, Royal Bournemouth Hospital',
      patch: { reasonCode: [{ coding: [DIABETES], text: 'Diabetic ketoacidosis' }] },
    });
    server.admit(ALICE, { where: 'Ward 9, Poole Hospital' });
    const events = await got;
    const consentReason =
      'Some information is not shown because the patient has asked for it not to be shared.';
    const told = (list: CaseloadEvent[]) => list.map((e) => [e.kind, e.where ?? e.withheldReason]).sort();
    const expected = [
      ['admitted', 'Ward 9, Poole Hospital'],
      ['new-activity', consentReason],
    ];
    expect(told(events)).toEqual(expected);
    const { rows } = await watch.events({ limit: 50, offset: 0 });
    expect(told(rows)).toEqual(expected);
    expect(JSON.stringify(rows)).not.toMatch(/Diabet|73211009/);
  });

  it('tells an admission whose linked diagnosis the record would withhold only as new activity; one it cannot check, saying so', async () => {
    await watchingDcr({ [ALICE]: 'Alice Legg' });
    const chlamydia = server.addEntry(ALICE, {
      system: SCT,
      code: '105629000',
      display: 'Chlamydial infection',
    });
    const fracture = server.addEntry(ALICE, { system: SCT, code: '263225007', display: 'Hip fracture' });
    // An operation whose own reason is the sensitive diagnosis: the record withholds both, and what links to them.
    const operation = server.addEntry(
      ALICE,
      { system: SCT, code: '71388002', display: 'Procedure' },
      'Procedure',
      { reasonReference: [{ reference: `Condition/${chlamydia.id}` }] },
    );
    const got = arrivals(6);
    // Nothing sensitive in the admission itself: only the diagnosis it links to (by reference, as EPRs do) is.
    server.admit(ALICE, {
      where: 'GUM clinic, Poole Hospital',
      patch: { reasonReference: [{ reference: `Condition/${chlamydia.id}` }] },
    });
    server.admit(ALICE, {
      where: 'Ward 9, Poole Hospital',
      patch: { diagnosis: [{ condition: { reference: `${server.base}/Condition/${fracture.id}` } }] },
    });
    // A diagnosis the source does not send (deleted, or hidden from this user), and one held on another server.
    server.admit(ALICE, {
      where: 'Ward 10, Poole Hospital',
      patch: { reasonReference: [{ reference: 'Condition/gone' }] },
    });
    server.admit(ALICE, {
      where: 'Ward 11, Poole Hospital',
      patch: { reasonReference: [{ reference: 'https://elsewhere.example/fhir/Condition/c9' }] },
    });
    server.admit(ALICE, {
      where: 'Day Surgery Unit, Poole Hospital',
      patch: { reasonReference: [{ reference: `Procedure/${operation.id}` }] },
    });
    // One link read and withheld, another not read: the reason is the one known.
    server.admit(ALICE, {
      where: 'Ward 14, Poole Hospital',
      patch: {
        reasonReference: [{ reference: 'Condition/gone' }, { reference: `Condition/${chlamydia.id}` }],
      },
    });
    const unchecked =
      'Details withheld: a diagnosis, procedure or result linked to this could not be checked against local policy on sensitive information';
    const told = (list: CaseloadEvent[]) => list.map((e) => [e.kind, e.where ?? e.withheldReason]).sort();
    const expected = [
      ['admitted', 'Ward 9, Poole Hospital'],
      ['new-activity', unchecked],
      ['new-activity', unchecked],
      ['new-activity', CODE_REASON],
      ['new-activity', CODE_REASON],
      ['new-activity', CODE_REASON],
    ];
    expect(told(await got)).toEqual(expected);
    const { rows } = await watch.events({ limit: 50, offset: 0 });
    expect(told(rows)).toEqual(expected);
    expect(JSON.stringify(rows)).not.toMatch(/GUM|Chlamyd|105629000|Ward 1[014]|Day Surgery/);
    // Read from the source the admissions came from, a search per notification (and per link followed); the one
    // held on another server is not asked for (this source's token goes to this source only).
    expect(server.requests.filter((r) => r === 'GET /fhir/Condition')).toHaveLength(5);
    expect(server.requests.filter((r) => r === 'GET /fhir/Procedure')).toHaveLength(1);
  });

  it('in one notification: withholds only the admissions whose links it cannot check, and checks a procedure given as the reason', async () => {
    await watchingDcr({ [ALICE]: 'Alice Legg', [BOB]: 'Bob Hardy' });
    const fracture = server.addEntry(ALICE, { system: SCT, code: '263225007', display: 'Hip fracture' });
    const bobs = server.addEntry(BOB, { system: SCT, code: '263225007', display: 'Hip fracture' });
    // A termination of pregnancy (a sensitive code) as a procedure, the reason for an admission.
    const procedure = server.addEntry(
      ALICE,
      { system: SCT, code: '386639001', display: 'Termination of pregnancy' },
      'Procedure',
    );
    server.failingSearches.add('Condition');
    const got = arrivals(5);
    server.admitTogether([
      // Its diagnosis cannot be read (the search fails): withheld, saying so.
      { nhs: ALICE, patch: { reasonReference: [{ reference: `Condition/${fracture.id}` }] } },
      // Nothing linked: told in full, whatever became of the search for the other's diagnosis.
      { nhs: BOB, patch: { location: [{ location: { display: 'Ward 9, Poole Hospital' } }] } },
      // Linked by a bundle-internal address, or by display alone: nothing the record could withhold either.
      {
        nhs: ALICE,
        patch: {
          location: [{ location: { display: 'Ward 10, Poole Hospital' } }],
          reasonReference: [{ reference: 'urn:uuid:8b5f0a6e-8d2f-4f0a-9c7e-2d1c0b9a8f7e' }],
        },
      },
      {
        nhs: BOB,
        patch: {
          location: [{ location: { display: 'Ward 11, Poole Hospital' } }],
          diagnosis: [{ condition: { display: 'Hip fracture' } }],
        },
      },
    ]);
    server.admit(ALICE, {
      where: 'Day Unit, Royal Bournemouth Hospital',
      patch: { reasonReference: [{ reference: `Procedure/${procedure.id}` }] },
    });
    const events = await got;
    const unchecked =
      'Details withheld: a diagnosis, procedure or result linked to this could not be checked against local policy on sensitive information';
    expect(events.map((e) => [e.nhsNumber, e.kind, e.where ?? e.withheldReason]).sort()).toEqual(
      [
        [ALICE, 'admitted', 'Ward 10, Poole Hospital'],
        [ALICE, 'new-activity', CODE_REASON],
        [ALICE, 'new-activity', unchecked],
        [BOB, 'admitted', 'Ward 11, Poole Hospital'],
        [BOB, 'admitted', 'Ward 9, Poole Hospital'],
      ].sort(),
    );
    expect(JSON.stringify(events)).not.toMatch(/Termination|386639001|Day Unit/);
    // One patient's admission is not checked against another patient's diagnosis (a hostile reference).
    server.failingSearches.delete('Condition');
    const another = arrivals(1);
    server.admit(ALICE, {
      where: 'Ward 12',
      patch: { reasonReference: [{ reference: `Condition/${bobs.id}` }] },
    });
    expect((await another)[0]).toMatchObject({ kind: 'new-activity', withheldReason: unchecked });
  });

  it('polled: withholds with the code list IT configured (a mental health service) and a label in the STU3 / CareConnect system', async () => {
    server = await new FakeSubscriptionServer({ subscriptions: false }).start();
    server.addPatient(ALICE, 'Alice Legg');
    newWatch([{ id: 'chie', name: 'CHIE', fhirBase: server.base }], { sensitive: MENTAL_HEALTH_SERVICES });
    await watch.start({ nhsNumbers: [ALICE] });
    const poller = watch.sourceWatches[0]!.polling!;
    await poller.pollNow();
    server.admit(ALICE, {
      where: 'Haleys Ward, St Ann’s Hospital',
      patch: {
        serviceType: {
          coding: [{ system: SCT, code: '788002001', display: 'Adult mental health service' }],
        },
      },
    });
    server.admit(ALICE, {
      className: 'EMER',
      where: 'Psychiatric liaison, Emergency Department, Poole Hospital',
      patch: {
        meta: { security: [{ system: 'http://hl7.org/fhir/v3/Confidentiality', code: 'R' }] },
      },
    });
    await poller.pollNow();
    const { rows } = await watch.events({ limit: 50, offset: 0 });
    expectToldWithout(rows, [CODE_REASON, LABEL_REASON]);
  });
});
