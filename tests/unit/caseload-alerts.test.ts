// The caseload watch's pure parts: reading notifications (hostile ones included), what a resource means for a
// caseload, ordering and redelivery, where the websocket may connect, and governance of an event.
import { describe, expect, it } from 'vitest';
import type { CaseloadEvent } from '../../common/caseload-events';
import { buildEvent, HeldPatients } from '../../main/services/caseload-alerts/caseload-event';
import type { JsonObject } from '../../common/json';
import { CaseloadPoller } from '../../main/services/caseload-alerts/polling';
import type {
  CaseloadPatient,
  SourceSubscriptions,
} from '../../main/services/caseload-alerts/source-subscriptions';
import { classify, readableShape } from '../../main/services/caseload-alerts/classify';
import { hospitalKind } from '../../common/summary/hospital-activity';
import { DeliveredFocus, EventSequence } from '../../main/services/caseload-alerts/event-sequence';
import { governForPatient, governForUser } from '../../main/services/caseload-alerts/govern-event';
import { readNotification } from '../../main/services/caseload-alerts/notification';
import {
  advertisedTopics,
  CASELOAD_TOPICS,
  TOPIC_CANONICAL_EXTENSION,
} from '../../main/services/caseload-alerts/topics';
import { checkWebsocketAddress } from '../../main/services/caseload-alerts/websocket-address';

const status = (parameter: unknown[]) => ({
  resourceType: 'Bundle',
  type: 'history',
  entry: [{ resource: { resourceType: 'Parameters', parameter } }],
});

describe('reading a notification', () => {
  it('reads the status, each event number and its focus resource', () => {
    const parameters = [
      { name: 'subscription', valueReference: { reference: 'http://x/fhir/Subscription/s1' } },
      { name: 'topic', valueCanonical: CASELOAD_TOPICS.encounterStart },
      { name: 'type', valueCode: 'event-notification' },
      { name: 'events-since-subscription-start', valueString: '7' },
      {
        name: 'notification-event',
        part: [
          { name: 'event-number', valueString: '7' },
          { name: 'focus', valueReference: { reference: 'http://x/fhir/Encounter/e1' } },
        ],
      },
    ];
    const bundle = status(parameters);
    bundle.entry.push({
      fullUrl: 'http://x/fhir/Encounter/e1',
      resource: { resourceType: 'Encounter', id: 'e1' },
    } as never);
    const read = readNotification(bundle);
    expect(read).toMatchObject({
      ok: true,
      notification: {
        type: 'event-notification',
        subscriptionId: 's1',
        eventsSinceStart: 7,
        events: [{ eventNumber: 7, focusReference: 'Encounter/e1', focus: { id: 'e1' } }],
      },
    });
  });

  it.each([
    ['not JSON-shaped', 'hello'],
    ['not a Bundle', { resourceType: 'Patient' }],
    ['no status', { resourceType: 'Bundle', entry: [] }],
    ['an unknown type', status([{ name: 'type', valueCode: 'surprise' }])],
  ])('says what is wrong with a message that is %s, without throwing', (_what, message) => {
    const read = readNotification(message);
    expect(read.ok).toBe(false);
  });

  it('skips events whose number is not a whole number', () => {
    const read = readNotification(
      status([
        { name: 'type', valueCode: 'event-notification' },
        { name: 'notification-event', part: [{ name: 'event-number', valueString: '-3' }] },
        { name: 'notification-event', part: [{ name: 'event-number', valueString: '1e9' }] },
      ]),
    );
    expect(read.ok && read.notification.events).toEqual([]);
  });
});

describe('what a resource means for the caseload', () => {
  const encounter = (status: string, cls: string) => ({
    resourceType: 'Encounter',
    id: 'e',
    status,
    class: { code: cls },
    period: {
      start: '2026-11-30T10:00:00Z',
      ...(status === 'finished' ? { end: '2026-12-01T09:00:00Z' } : {}),
    },
    location: [{ location: { display: 'Ward 7' } }],
  });
  it('admission, discharge, ED arrival and departure by class and status', () => {
    expect(classify(encounter('in-progress', 'IMP'), CASELOAD_TOPICS.encounterStart)).toMatchObject({
      kind: 'admitted',
      where: 'Ward 7',
      since: '2026-11-30T10:00:00Z',
    });
    expect(classify(encounter('finished', 'IMP'), CASELOAD_TOPICS.encounterEnd)).toMatchObject({
      kind: 'discharged',
      until: '2026-12-01T09:00:00Z',
    });
    expect(classify(encounter('arrived', 'EMER'), CASELOAD_TOPICS.encounterStart)?.kind).toBe('ed-arrival');
    expect(classify(encounter('finished', 'EMER'), undefined)?.kind).toBe('ed-departure');
  });
  it('reads any JSON shape without throwing, and says which shapes are unreadable', () => {
    const hostile = [
      { type: 'x' },
      { type: [null] },
      { type: [{ coding: [null, 5] }] },
      { class: 'IMP' },
      { class: null, location: 'Ward 7', period: 'today' },
    ];
    for (const patch of hostile) {
      const resource = { ...encounter('in-progress', 'AMB'), ...patch };
      expect(() => hospitalKind(resource as never)).not.toThrow();
      expect(() => classify(resource, CASELOAD_TOPICS.encounterStart)).not.toThrow();
      expect(readableShape(resource)).toBe(false);
    }
    expect(readableShape(encounter('in-progress', 'IMP'))).toBe(true);
  });
  it('a clinic visit, or a resource of the wrong type for its topic, is no alert', () => {
    expect(classify(encounter('in-progress', 'AMB'), CASELOAD_TOPICS.encounterStart)).toBeUndefined();
    expect(classify({ resourceType: 'Observation' }, CASELOAD_TOPICS.encounterStart)).toBeUndefined();
    expect(classify(encounter('finished', 'IMP'), CASELOAD_TOPICS.encounterStart)).toBeUndefined();
  });
  it('a letter and a death', () => {
    expect(
      classify(
        { resourceType: 'DocumentReference', description: 'Discharge summary' },
        CASELOAD_TOPICS.documentNew,
      ),
    ).toMatchObject({ kind: 'new-letter', title: 'Discharge summary' });
    expect(classify({ resourceType: 'Patient', deceasedBoolean: true }, undefined)).toMatchObject({
      kind: 'died',
    });
    expect(classify({ resourceType: 'Patient' }, CASELOAD_TOPICS.patientDeath)).toBeUndefined();
  });
});

describe('an event from a notified resource', () => {
  const patients = { names: new Map([['9990000018', 'LEGG, Alice']]), byId: new Map([['p1', '9990000018']]) };
  const source = { sourceId: 'dcr', sourceName: 'Dorset Care Record' };
  const letter = (description: string, subject = 'Patient/p1') => ({
    resourceType: 'DocumentReference',
    id: 'd1',
    description,
    subject: { reference: subject },
  });
  it('names the caseload patient by the source’s Patient id and keeps a hostile title short', () => {
    const built = buildEvent(
      letter('x'.repeat(100_000)),
      CASELOAD_TOPICS.documentNew,
      source,
      patients,
      new Date(),
    );
    expect('event' in built && built.event).toMatchObject({ nhsNumber: '9990000018', kind: 'new-letter' });
    expect('event' in built && built.event.title!.length).toBeLessThanOrEqual(300);
  });
  it('keeps when it happened in UTC, so events from servers writing different offsets list in time order', () => {
    const at = (timestamp: string) => {
      const built = buildEvent(letter('x'), undefined, source, patients, new Date(), timestamp);
      return 'event' in built ? built.event.at : undefined;
    };
    // 15:05 BST is 14:05 UTC: earlier than 14:30Z, although later as written.
    expect(at('2026-07-01T15:05:00+01:00')).toBe('2026-07-01T14:05:00.000Z');
    expect(at('2026-07-01T14:30:00Z')).toBe('2026-07-01T14:30:00.000Z');
    expect([at('2026-07-01T15:05:00+01:00')!, at('2026-07-01T14:30:00Z')!].sort().reverse()).toEqual([
      '2026-07-01T14:30:00.000Z',
      '2026-07-01T14:05:00.000Z',
    ]);
    // A date alone is kept as recorded (no time is made up for it).
    expect(at('2026-07-01')).toBe('2026-07-01');
  });
  it('says when a resource is about someone not on the caseload', () => {
    expect(buildEvent(letter('x', 'Patient/p9'), undefined, source, patients, new Date())).toEqual({
      notOnCaseload: true,
    });
  });
});

describe('order and redelivery', () => {
  const e = (n: number) => ({ eventNumber: n });
  it('hands events on in order, holds those ahead of a gap and names the gap', () => {
    const sequence = new EventSequence();
    expect(sequence.accept([e(1)]).ready.map((x) => x.eventNumber)).toEqual([1]);
    const ahead = sequence.accept([e(4)]);
    expect(ahead.ready).toEqual([]);
    expect(ahead.gap).toEqual({ from: 2, to: 3 });
    expect(sequence.accept([e(3), e(2)]).ready.map((x) => x.eventNumber)).toEqual([2, 3, 4]);
    expect(sequence.accept([e(2), e(4)])).toMatchObject({ ready: [], duplicates: 2 });
    expect(sequence.missingUpTo(6)).toEqual({ from: 5, to: 6 });
  });
  it('goes on past a gap the server cannot fill', () => {
    const sequence = new EventSequence();
    sequence.accept([e(3)]);
    expect(sequence.skipGap().map((x) => x.eventNumber)).toEqual([3]);
    expect(sequence.lastDelivered).toBe(3);
  });
  it('recognises the same change however it came, and forgets the oldest beyond its limit', () => {
    const seen = new DeliveredFocus(2);
    expect(seen.firstTime(['a', 'a-v1'])).toBe(true);
    expect(seen.firstTime(['a'])).toBe(false);
    expect(seen.firstTime(['b'])).toBe(true);
    expect(seen.firstTime(['a'])).toBe(true);
  });
});

describe('where the websocket may connect', () => {
  it('the source’s own origin, or another port on the same loopback host', () => {
    expect(checkWebsocketAddress('wss://dcr.example.nhs.uk/ws', 'https://dcr.example.nhs.uk/fhir').ok).toBe(
      true,
    );
    expect(checkWebsocketAddress('ws://127.0.0.1:5000/ws', 'http://127.0.0.1:4000/fhir').ok).toBe(true);
  });
  it.each([
    ['another server', 'wss://evil.example.com/ws', 'https://dcr.example.nhs.uk/fhir'],
    [
      'another port of a remote server',
      'wss://dcr.example.nhs.uk:8443/ws',
      'https://dcr.example.nhs.uk/fhir',
    ],
    ['plain text from a secure source', 'ws://dcr.example.nhs.uk/ws', 'https://dcr.example.nhs.uk/fhir'],
    ['credentials in the address', 'ws://u:p@127.0.0.1:5000/ws', 'http://127.0.0.1:4000/fhir'],
    ['not a websocket', 'http://127.0.0.1:4000/ws', 'http://127.0.0.1:4000/fhir'],
    ['not an address', 'not a url', 'http://127.0.0.1:4000/fhir'],
  ])('refuses %s', (_what, address, base) => {
    expect(checkWebsocketAddress(address, base).ok).toBe(false);
  });
});

describe('topic discovery', () => {
  it('reads our topics from the Subscription resource entry, ignoring others', () => {
    const capability = {
      rest: [
        {
          resource: [
            {
              type: 'Subscription',
              extension: [
                { url: TOPIC_CANONICAL_EXTENSION, valueCanonical: CASELOAD_TOPICS.encounterStart },
                { url: TOPIC_CANONICAL_EXTENSION, valueCanonical: 'https://elsewhere/SubscriptionTopic/x' },
              ],
            },
          ],
        },
      ],
    };
    expect(advertisedTopics(capability)).toEqual([CASELOAD_TOPICS.encounterStart]);
    expect(advertisedTopics({ rest: [{ resource: [{ type: 'Subscription' }] }] })).toEqual([]);
    expect(advertisedTopics('garbage')).toEqual([]);
  });
});

describe('governing an event', () => {
  const admitted: CaseloadEvent = {
    id: 'dcr|Encounter/e|admitted',
    sourceId: 'dcr',
    sourceName: 'Dorset Care Record',
    nhsNumber: '9990000018',
    patientName: 'LEGG, Alice',
    kind: 'admitted',
    at: '2026-12-01T00:00:00Z',
    receivedAt: '2026-12-01T00:00:01Z',
    where: 'Ward 7',
  };
  it('a role without encounters sees only new activity, with why', () => {
    const event = governForUser(admitted, { access: 'urgent-care-and-documents' });
    expect(event).toMatchObject({
      kind: 'new-activity',
      withheldReason: expect.stringMatching(/encounters/),
    });
    expect(event.where).toBeUndefined();
    expect(governForUser(admitted, { access: 'everything' })).toEqual(admitted);
  });
  it('dissent withholds details unless break-glass may override it', () => {
    expect(
      governForPatient(admitted, true, { breakGlass: false, breakGlassOverridesDissent: true }).kind,
    ).toBe('new-activity');
    expect(governForPatient(admitted, true, { breakGlass: true, breakGlassOverridesDissent: true })).toEqual(
      admitted,
    );
    expect(
      governForPatient(admitted, true, { breakGlass: true, breakGlassOverridesDissent: false }).kind,
    ).toBe('new-activity');
    expect(
      governForPatient(admitted, false, { breakGlass: false, breakGlassOverridesDissent: false }),
    ).toEqual(admitted);
  });
  it('withholds details, saying why, when the source could not say whether the patient dissented', () => {
    expect(
      governForPatient(admitted, undefined, { breakGlass: false, breakGlassOverridesDissent: true }),
    ).toMatchObject({ kind: 'new-activity', withheldReason: expect.stringMatching(/could not be checked/) });
  });
});

describe('polling when a delivery fails', () => {
  it('looks again from the same point, so what could not be delivered is not skipped for good', async () => {
    const startedAt = new Date('2026-12-01T08:00:00Z');
    const asked: string[] = [];
    const admission = {
      resourceType: 'Encounter',
      id: 'e1',
      meta: { lastUpdated: '2026-12-01T08:30:00Z' },
    };
    const subscriptions = {
      search: async (url: string, type: string, collect: (r: JsonObject) => void) => {
        asked.push(url);
        if (type === 'Encounter') collect(admission);
      },
    } as unknown as SourceSubscriptions;
    let deliveries = 0;
    const states: boolean[] = [];
    const poller = new CaseloadPoller({
      subscriptions,
      patients: new HeldPatients(['9990000018'], [{ nhsNumber: '9990000018', ids: ['p1'] }]),
      takeOn: async () => [],
      intervalMs: 60_000,
      startedAt,
      clock: () => new Date('2026-12-01T08:31:00Z'),
      deliver: async () => {
        if (++deliveries === 1) throw new Error('the store is busy');
      },
      onState: (state) => states.push(state.connected),
    });
    await poller.pollNow();
    await poller.pollNow();
    await poller.pollNow();
    const from = (url: string) => /_lastUpdated=ge([^&]+)/.exec(url)?.[1];
    const encounterSearches = asked.filter((u) => u.startsWith('Encounter?')).map(from);
    expect(states).toEqual([false, true, true]);
    // The second look starts where the first did; only after a delivery succeeded does it move on.
    expect(encounterSearches[1]).toBe(encounterSearches[0]);
    expect(encounterSearches[2]).not.toBe(encounterSearches[1]);
  });

  it('finds a caseload patient the source registers after the watch began, takes them on, and hands on their changes since it began', async () => {
    const startedAt = new Date('2026-12-01T08:00:00Z');
    const held = '9990000018';
    const newcomer = '9990001235';
    let registered = false;
    const asked: string[] = [];
    const lookedFor: string[][] = [];
    // A server whose encounters name the patient by Patient id only.
    const admission = {
      resourceType: 'Encounter',
      id: 'e2',
      subject: { reference: 'Patient/p2' },
      meta: { lastUpdated: '2026-12-01T08:40:00Z' },
    };
    const patients = new HeldPatients([held, newcomer], [{ nhsNumber: held, ids: ['p1'] }]);
    // As the watch does: what the source holds of those looked for joins the watch's patients.
    const takeOn = async (nhsNumbers: readonly string[]) => {
      lookedFor.push([...nhsNumbers]);
      const found: CaseloadPatient[] = registered ? [{ nhsNumber: newcomer, ids: ['p2'] }] : [];
      patients.hold(found);
      return found;
    };
    const subscriptions = {
      search: async (url: string, type: string, collect: (r: JsonObject) => void) => {
        asked.push(url);
        if (type === 'Encounter' && url.includes('Patient%2Fp2')) collect(admission);
      },
    } as unknown as SourceSubscriptions;
    const delivered: JsonObject[][] = [];
    let now = new Date('2026-12-01T08:10:00Z');
    const poller = new CaseloadPoller({
      subscriptions,
      patients,
      takeOn,
      intervalMs: 60_000,
      startedAt,
      clock: () => now,
      deliver: async (found) => void delivered.push(found),
      onState: () => undefined,
    });
    await poller.pollNow();
    expect(lookedFor).toEqual([[newcomer]]);
    expect(delivered).toEqual([[]]);

    registered = true;
    now = new Date('2026-12-01T08:45:00Z');
    asked.length = 0;
    await poller.pollNow();
    expect(delivered[1]).toEqual([admission]);
    // Their changes since the watch began (less the overlap), not only since the last look.
    const newcomerSearch = asked.find((u) => u.startsWith('Encounter?') && u.includes('Patient%2Fp2'));
    expect(decodeURIComponent(newcomerSearch ?? '')).toContain('_lastUpdated=ge2026-12-01T07:59:55.000Z');

    // Held from now on: asked about with the others, and no longer looked for.
    asked.length = 0;
    await poller.pollNow();
    expect(lookedFor).toHaveLength(2);
    expect(asked.filter((u) => u.startsWith('Encounter?')).map(decodeURIComponent)).toEqual([
      expect.stringContaining('patient=Patient/p1,Patient/p2&'),
    ]);
  });
});
