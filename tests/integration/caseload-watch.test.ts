// The caseload watch against loopback servers speaking the issue-18 contract (topic-based Subscriptions over
// a websocket, `$events` catch-up, polling where a source has none), an encrypted offline store in a temp
// directory, and the faults a clinician must never notice: nothing lost, nothing shown twice.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaseloadEvent, CaseloadWatchStatus } from '../../common/caseload-events';
import { noTokens } from '../../main/services/auth/token-provider';
import { openOfflineCache, type OfflineCache } from '../../main/services/cache';
import { CaseloadWatch } from '../../main/services/caseload-alerts';
import type { AuditAction } from '../../main/services/audit';
import type { RoleAccess } from '../../main/services/policy/schema';
import { cacheDatabasePath } from '../../main/services/paths';
import { FakeSubscriptionServer } from '../support/fake-subscription-server';
import { bytesContain, cacheTestEnv, type CacheTestEnv } from './cache-support';

const ON_CASELOAD = ['9990000018', '9990000026', '9990000034'];
const NOT_ON_CASELOAD = '9990000042';

let env: CacheTestEnv;
let cache: OfflineCache;
let dcr: FakeSubscriptionServer;
let chie: FakeSubscriptionServer;
let watch: CaseloadWatch;
let audited: { action: AuditAction; ended?: string }[];
let access: RoleAccess;

async function servers(chieSubscriptions = true): Promise<void> {
  dcr = await new FakeSubscriptionServer().start();
  chie = await new FakeSubscriptionServer({ subscriptions: chieSubscriptions }).start();
  for (const s of [dcr, chie]) {
    s.addPatient(ON_CASELOAD[0]!, 'Alice Legg');
    s.addPatient(ON_CASELOAD[1]!, 'Bob Hardy');
    s.addPatient(ON_CASELOAD[2]!, 'Carol Pike');
    s.addPatient(NOT_ON_CASELOAD, 'Dan Stranger');
  }
}

function newWatch(pollSeconds = 60): CaseloadWatch {
  return new CaseloadWatch({
    sources: [
      { id: 'dcr', name: 'Dorset Care Record', fhirBase: dcr.base },
      { id: 'chie', name: 'CHIE', fhirBase: chie.base },
    ],
    tokens: noTokens,
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
    store: cache.caseloadEvents,
    governance: () => ({ access, breakGlass: false, breakGlassOverridesDissent: false }),
    resolveCaseload: async () => ({ nhsNumbers: [], problems: ['none'] }),
    pollSeconds: pollSeconds,
    heartbeatSeconds: 0.2,
    backoffBaseMs: 20,
  });
}

/** Resolves with the events seen once `count` have arrived (the watch's own listener, no timers). */
function arrivals(count: number): { seen: CaseloadEvent[]; done: Promise<CaseloadEvent[]> } {
  const seen: CaseloadEvent[] = [];
  let resolve: (events: CaseloadEvent[]) => void = () => undefined;
  const done = new Promise<CaseloadEvent[]>((r) => (resolve = r));
  watch.onEvent((event) => {
    seen.push(event);
    if (seen.length === count) resolve([...seen]);
  });
  return { seen, done };
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

const allLive = (s: CaseloadWatchStatus) => s.sources.length === 2 && s.sources.every((x) => x.connected);

beforeEach(async () => {
  env = cacheTestEnv();
  cache = await openOfflineCache({ dataDir: env.dataDir, keyVault: env.vault });
  audited = [];
  access = 'everything';
});

afterEach(async () => {
  await watch?.stop();
  await dcr?.close();
  await chie?.close();
  cache.close();
  await env.cleanup();
});

describe('caseload watch over subscriptions', () => {
  it('shows an admission, discharge, ED arrival, letter and death once each, with where and the source', async () => {
    await servers();
    watch = newWatch();
    const started = await watch.start({ nhsNumbers: ON_CASELOAD });
    expect(started.patients).toBe(3);
    expect(started.sources.map((s) => s.mode)).toEqual(['websocket', 'websocket']);
    await until(allLive);
    // One Subscription per topic per source, each filtered to the caseload.
    expect(dcr.subs.size).toBe(4);
    for (const sub of dcr.subs.values()) expect([...sub.nhs].sort()).toEqual([...ON_CASELOAD].sort());

    const got = arrivals(5);
    dcr.admit(ON_CASELOAD[0]!, { where: 'Ward 7, Dorset County Hospital' });
    dcr.discharge(ON_CASELOAD[0]!);
    chie.admit(ON_CASELOAD[1]!, { className: 'EMER', where: 'Emergency Department, QA Hospital' });
    chie.addLetter(ON_CASELOAD[2]!, 'Discharge summary');
    dcr.recordDeath(ON_CASELOAD[2]!);
    const events = await got.done;
    expect(events.map((e) => [e.kind, e.nhsNumber, e.sourceName]).sort()).toEqual(
      [
        ['admitted', ON_CASELOAD[0], 'Dorset Care Record'],
        ['discharged', ON_CASELOAD[0], 'Dorset Care Record'],
        ['ed-arrival', ON_CASELOAD[1], 'CHIE'],
        ['new-letter', ON_CASELOAD[2], 'CHIE'],
        ['died', ON_CASELOAD[2], 'Dorset Care Record'],
      ].sort(),
    );
    expect(events.find((e) => e.kind === 'admitted')).toMatchObject({
      where: 'Ward 7, Dorset County Hospital',
      patientName: expect.stringMatching(/Legg/i),
    });
    expect(events.find((e) => e.kind === 'new-letter')?.title).toBe('Discharge summary');
    const page = await watch.events({ limit: 10, offset: 0 });
    expect(page.total).toBe(5);
    // Audited ahead, a PatientQuery per patient per notification, each finished.
    expect(audited).toHaveLength(5);
    expect(audited.every((a) => a.action.kind === 'patient-query' && a.ended === 'done')).toBe(true);
  });

  it('loses nothing and shows nothing twice when the websocket drops and the events come while away', async () => {
    await servers();
    watch = newWatch();
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(allLive);
    const got = arrivals(4);
    dcr.admit(ON_CASELOAD[0]!);
    dcr.mute(true);
    dcr.dropSockets();
    dcr.admit(ON_CASELOAD[1]!);
    dcr.addLetter(ON_CASELOAD[1]!);
    dcr.mute(false);
    dcr.admit(ON_CASELOAD[2]!);
    const events = await got.done;
    expect(events.map((e) => e.nhsNumber).sort()).toEqual(
      [ON_CASELOAD[0], ON_CASELOAD[1], ON_CASELOAD[1], ON_CASELOAD[2]].sort(),
    );
    expect(new Set(events.map((e) => e.id)).size).toBe(4);
    expect((await watch.events({ limit: 50, offset: 0 })).total).toBe(4);
  });

  it('carries on after the server restarts, catching up what happened meanwhile', async () => {
    await servers();
    watch = newWatch();
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(allLive);
    const got = arrivals(2);
    dcr.mute(true);
    await dcr.restart();
    dcr.admit(ON_CASELOAD[0]!);
    dcr.mute(false);
    dcr.addLetter(ON_CASELOAD[0]!);
    const events = await got.done;
    expect(events.map((e) => e.kind).sort()).toEqual(['admitted', 'new-letter']);
    await until(allLive);
  });

  it('gets a new binding token when the one it had has expired', async () => {
    await servers();
    watch = newWatch();
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(allLive);
    const before = watch.sourceWatches[0]!.channels.reduce((n, c) => n + c.connections, 0);
    dcr.expireTokens();
    dcr.dropSockets();
    await until((s) => !s.sources[0]!.connected);
    await until(allLive);
    const after = watch.sourceWatches[0]!.channels.reduce((n, c) => n + c.connections, 0);
    expect(after).toBeGreaterThan(before);
    const got = arrivals(1);
    dcr.admit(ON_CASELOAD[0]!);
    expect((await got.done)[0]!.kind).toBe('admitted');
  });

  it('reconnects when heartbeats stop on a connection that stays open', async () => {
    await servers();
    watch = newWatch();
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(allLive);
    dcr.silence();
    const down = await until((s) => !s.sources[0]!.connected);
    expect(down.sources[0]!.problem).toMatch(/Dorset Care Record: .+/);
  });

  it('puts out-of-order events in order and drops a duplicate', async () => {
    await servers();
    watch = newWatch();
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(allLive);
    const got = arrivals(3);
    dcr.sendNextTwice();
    dcr.admit(ON_CASELOAD[0]!);
    dcr.reorderNext(2);
    dcr.admit(ON_CASELOAD[1]!);
    dcr.admit(ON_CASELOAD[2]!);
    const events = await got.done;
    expect(events.map((e) => e.nhsNumber)).toEqual(ON_CASELOAD);
    dcr.addLetter(ON_CASELOAD[0]!);
    const more = arrivals(1);
    expect((await more.done)[0]!.kind).toBe('new-letter');
    expect((await watch.events({ limit: 50, offset: 0 })).total).toBe(4);
  });

  it('ignores and counts an event about a patient not on the caseload', async () => {
    await servers();
    watch = newWatch();
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(allLive);
    const got = arrivals(1);
    dcr.admitUnfiltered(NOT_ON_CASELOAD);
    dcr.admit(ON_CASELOAD[0]!);
    expect((await got.done)[0]!.nhsNumber).toBe(ON_CASELOAD[0]);
    expect(watch.status().ignoredNotOnCaseload).toBe(1);
    const page = await watch.events({ limit: 50, offset: 0 });
    expect(page.rows.map((e) => e.nhsNumber)).toEqual([ON_CASELOAD[0]]);
    expect(
      audited.some((a) => a.action.kind === 'patient-query' && a.action.nhsNumber === NOT_ON_CASELOAD),
    ).toBe(false);
  });
});

describe('caseload watch by polling', () => {
  it('gives the same events from a source without subscriptions', async () => {
    await servers(false);
    watch = newWatch(3600);
    const started = await watch.start({ nhsNumbers: ON_CASELOAD });
    const chieStatus = started.sources.find((s) => s.sourceId === 'chie')!;
    expect(chieStatus.mode).toBe('polling');
    const poller = watch.sourceWatches.find((w) => w.status().sourceId === 'chie')!.polling!;
    await poller.pollNow();
    const got = arrivals(3);
    chie.admit(ON_CASELOAD[0]!, { where: 'Ward 3, QA Hospital' });
    chie.addLetter(ON_CASELOAD[1]!);
    chie.recordDeath(ON_CASELOAD[2]!);
    await poller.pollNow();
    await poller.pollNow();
    const events = await got.done;
    expect(events.map((e) => e.kind).sort()).toEqual(['admitted', 'died', 'new-letter']);
    expect(events.find((e) => e.kind === 'admitted')).toMatchObject({
      where: 'Ward 3, QA Hospital',
      sourceId: 'chie',
    });
    chie.discharge(ON_CASELOAD[0]!);
    const next = arrivals(1);
    await poller.pollNow();
    expect((await next.done)[0]!.kind).toBe('discharged');
    expect((await watch.events({ limit: 50, offset: 0 })).total).toBe(4);
    expect(watch.status().sources.find((s) => s.sourceId === 'chie')).toMatchObject({
      mode: 'polling',
      connected: true,
    });
  });
});

describe('caseload watch governance and storage', () => {
  it('shows a role that may not see encounters only that there is new activity', async () => {
    await servers();
    access = 'demographics-only';
    watch = newWatch();
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(allLive);
    const got = arrivals(2);
    dcr.admit(ON_CASELOAD[0]!, { where: 'Ward 7, Dorset County Hospital' });
    dcr.addLetter(ON_CASELOAD[1]!, 'Discharge summary');
    const events = await got.done;
    for (const event of events) {
      expect(event.kind).toBe('new-activity');
      expect(event.where).toBeUndefined();
      expect(event.title).toBeUndefined();
      expect(event.withheldReason).toMatch(/Your role does not include/);
    }
    // Kept whole (one shared copy), governed again for whoever reads.
    access = 'everything';
    const page = await watch.events({ limit: 10, offset: 0 });
    expect(page.rows.map((e) => e.kind).sort()).toEqual(['admitted', 'new-letter']);
  });

  it('keeps no details of a patient who declined to share their record', async () => {
    await servers();
    dcr.addConsentDeny(ON_CASELOAD[0]!);
    watch = newWatch();
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(allLive);
    const got = arrivals(1);
    dcr.admit(ON_CASELOAD[0]!, { where: 'Ward 7, Dorset County Hospital' });
    const [event] = await got.done;
    expect(event).toMatchObject({
      kind: 'new-activity',
      withheldReason: expect.stringMatching(/declined to share/),
    });
    expect(event!.where).toBeUndefined();
  });

  it('keeps events encrypted: the NHS number and ward are nowhere in the store file', async () => {
    await servers();
    watch = newWatch();
    await watch.start({ nhsNumbers: ON_CASELOAD });
    await until(allLive);
    const got = arrivals(1);
    dcr.admit(ON_CASELOAD[0]!, { where: 'Ward Seventeen Unique' });
    await got.done;
    await watch.stop();
    cache.close();
    const dir = fs.readdirSync(env.dataDir, { recursive: true }) as string[];
    const files = dir.map((f) => `${env.dataDir}/${f}`).filter((f) => fs.statSync(f).isFile());
    expect(files).toContain(cacheDatabasePath(env.dataDir));
    for (const file of files) {
      const bytes = fs.readFileSync(file);
      expect(bytesContain(bytes, ON_CASELOAD[0]!)).toBe(false);
      expect(bytesContain(bytes, 'Ward Seventeen Unique')).toBe(false);
    }
    cache = await openOfflineCache({ dataDir: env.dataDir, keyVault: env.vault });
    const kept = await cache.caseloadEvents.page({ limit: 10, offset: 0 });
    expect(kept.rows[0]).toMatchObject({ nhsNumber: ON_CASELOAD[0], where: 'Ward Seventeen Unique' });
  });

  it('deletes its subscriptions when stopped', async () => {
    await servers();
    watch = newWatch();
    await watch.start({ nhsNumbers: ON_CASELOAD });
    expect(dcr.subs.size + chie.subs.size).toBe(8);
    await watch.stop();
    expect(dcr.subs.size + chie.subs.size).toBe(0);
    expect(watch.status().watching).toBe(false);
  });
});
