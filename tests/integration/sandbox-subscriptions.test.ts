// Caseload alerts, the sandbox side (issue 18): topic-based Subscriptions (R5 Backport on R4) on the regional
// servers, over real loopback HTTP and websockets — discovery, subscribe, bind, handshake, heartbeats, event
// notifications from the test API, `$events` catch-up, the fault hooks, the access policy and its audit, a
// source without subscriptions, and `wessex sandbox event` against a running sandbox.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type {
  AuditEvent,
  Bundle,
  CapabilityStatement,
  DocumentReference,
  Encounter,
  OperationOutcome,
  Resource,
} from '../../common/fhir';
import type { Parameters, ParametersParameter, Subscription } from '@medplum/fhirtypes';
import { startSandbox, TOPIC_CANONICAL_EXTENSION, TOPICS, type RunningSandbox } from '../../sandbox';
import { runWessex, WESSEX_CLI } from '../support/cli';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
const REFUSAL = 'https://fhir.wessexcarerecords.nhs.uk/CodeSystem/access-refusal';

let sandbox: RunningSandbox;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox?.close();
});
afterEach(() => {
  for (const ws of sockets.splice(0)) ws.terminate();
});

const nhsOf = (key: string): string => sandbox.patient(key).nhsNumber;

/** A regional access token as the regional authorization server signs it (its documented test hook). */
interface TokenClaims {
  role?: string;
  purpose?: string;
  patient?: string;
  audience?: string;
  /** Another sandbox user than the nurse (Priya Shah), e.g. the paramedic. */
  user?: { sub: string; name: string; practitioner: string };
}

const PARAMEDIC = { sub: 'sandbox-paramedic', name: 'Sam Okafor', practitioner: 'sandbox-paramedic' };

async function token(o: TokenClaims = {}): Promise<string> {
  return sandbox.servers.regionalAuth.signAccessToken(
    {
      client_id: 'wessex-viewer',
      scope: o.patient ? 'patient/*.rs' : 'user/*.rs',
      fhirUser: `Practitioner/${o.user?.practitioner ?? 'sandbox-nurse'}`,
      extensions: {
        ihe_iua: {
          subject_name: o.user?.name ?? 'Priya Shah',
          subject_organization: 'Dorset HealthCare University NHS Foundation Trust',
          subject_organization_id: 'RDY',
          subject_role: {
            system: 'https://fhir.wessexcarerecords.nhs.uk/CodeSystem/role',
            code: o.role ?? 'nurse',
          },
          purpose_of_use: {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
            code: o.purpose ?? 'TREAT',
          },
          ...(o.patient ? { person_id: `${NHS}|${o.patient}` } : {}),
        },
      },
    },
    { sub: o.user?.sub ?? 'sandbox-nurse', aud: o.audience ?? sandbox.urls.dcr },
  );
}

async function call<T = Resource>(
  url: string,
  o: { method?: string; body?: unknown; bearer?: string | null } = {},
): Promise<{ status: number; body: T; location: string | null }> {
  const bearer = o.bearer === undefined ? await token({ audience: new URL(url).origin + '/fhir' }) : o.bearer;
  const response = await fetch(url, {
    method: o.method ?? 'GET',
    headers: {
      accept: 'application/fhir+json',
      ...(o.body ? { 'content-type': 'application/fhir+json' } : {}),
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
    ...(o.body ? { body: JSON.stringify(o.body) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : undefined) as T,
    location: response.headers.get('location'),
  };
}

function subscription(topic: string, filterType: string, patients: string[], heartbeat = 20): Subscription {
  const param = filterType === 'Patient' ? 'identifier' : 'patient:identifier';
  return {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'Caseload alerts',
    criteria: topic,
    _criteria: {
      extension: [
        {
          url: `${BACKPORT}/backport-filter-criteria`,
          valueString: `${filterType}?${param}=${patients.map((p) => `${NHS}|${p}`).join(',')}`,
        },
      ],
    },
    channel: {
      type: 'websocket',
      payload: 'application/fhir+json',
      _payload: { extension: [{ url: `${BACKPORT}/backport-payload-content`, valueCode: 'full-resource' }] },
      extension: [{ url: `${BACKPORT}/backport-heartbeat-period`, valueUnsignedInt: heartbeat }],
    },
  } as Subscription;
}

async function subscribe(base: string, body: Subscription): Promise<string> {
  const created = await call<Subscription>(`${base}/Subscription`, { method: 'POST', body });
  expect(created.status).toBe(201);
  return created.body.id!;
}

async function bindingToken(base: string, id: string): Promise<{ token: string; url: string }> {
  const { status, body } = await call<Parameters>(`${base}/Subscription/${id}/$get-ws-binding-token`);
  expect(status).toBe(200);
  const value = (name: string): string => {
    const p = body.parameter?.find((x) => x.name === name);
    return p?.valueString ?? p?.valueUrl ?? '';
  };
  return { token: value('token'), url: value('websocket-url') };
}

/** A websocket with its messages queued, parsed as JSON. */
interface Client {
  ws: WebSocket;
  next(): Promise<Bundle | OperationOutcome>;
  closed: Promise<number>;
}

async function connect(url: string): Promise<Client> {
  const ws = new WebSocket(url);
  sockets.push(ws);
  const queue: (Bundle | OperationOutcome)[] = [];
  const waiting: ((m: Bundle | OperationOutcome) => void)[] = [];
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as Bundle | OperationOutcome;
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    closed,
    next: () => {
      const queued = queue.shift();
      return queued ? Promise.resolve(queued) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

/** Subscribes, binds a fresh websocket and reads the handshake. */
async function subscribeAndBind(
  base: string,
  body: Subscription,
): Promise<{ id: string; client: Client; handshake: Bundle }> {
  const id = await subscribe(base, body);
  const binding = await bindingToken(base, id);
  const client = await connect(binding.url);
  client.ws.send(`bind-with-token ${binding.token}`);
  const handshake = (await client.next()) as Bundle;
  return { id, client, handshake };
}

function status(bundle: Bundle | OperationOutcome): ParametersParameter[] {
  expect(bundle.resourceType).toBe('Bundle');
  const first = (bundle as Bundle).entry?.[0]?.resource as Parameters | undefined;
  expect(first?.resourceType).toBe('Parameters');
  return first?.parameter ?? [];
}

const param = (bundle: Bundle | OperationOutcome, name: string): ParametersParameter | undefined =>
  status(bundle).find((p) => p.name === name);
const notificationType = (bundle: Bundle | OperationOutcome): string | undefined =>
  param(bundle, 'type')?.valueCode;
const eventNumbers = (bundle: Bundle | OperationOutcome): number[] =>
  status(bundle)
    .filter((p) => p.name === 'notification-event')
    .map((p) => Number(p.part?.find((x) => x.name === 'event-number')?.valueString));

/** The focus resources of a notification's events, in order. */
function focuses(bundle: Bundle | OperationOutcome): (Resource | undefined)[] {
  const entries = (bundle as Bundle).entry ?? [];
  return status(bundle)
    .filter((p) => p.name === 'notification-event')
    .map((p) => {
      const ref = p.part?.find((x) => x.name === 'focus')?.valueReference?.reference;
      return entries.find((e) => e.fullUrl === ref)?.resource;
    });
}

const encounterStart = (...keys: string[]): Subscription =>
  subscription(TOPICS.encounterStart, 'Encounter', keys.map(nhsOf));

describe('topic discovery', () => {
  it('DCR and CHIE advertise the four caseload topics in the CapabilityStatement and as Basic resources', async () => {
    for (const base of [sandbox.urls.dcr, sandbox.urls.chie]) {
      const { body } = await call<CapabilityStatement>(`${base}/metadata`, { bearer: null });
      const entry = body.rest?.[0]?.resource?.find((r) => r.type === 'Subscription');
      const topics = entry?.extension
        ?.filter((e) => e.url === TOPIC_CANONICAL_EXTENSION)
        .map((e) => e.valueCanonical);
      expect(topics?.sort()).toEqual(Object.values(TOPICS).sort());
      expect(entry?.operation?.map((o) => o.name)).toEqual(
        expect.arrayContaining(['get-ws-binding-token', 'status', 'events']),
      );

      const basics = await call<Bundle>(`${base}/Basic?code=SubscriptionTopic`, { bearer: null });
      expect(basics.status).toBe(200);
      const urls = (basics.body.entry ?? []).map(
        (e) =>
          (e.resource as { extension?: { url: string; valueUri?: string }[] }).extension?.find((x) =>
            x.url.endsWith('subscriptiontopic-url'),
          )?.valueUri,
      );
      expect(urls.sort()).toEqual(Object.values(TOPICS).sort());
    }
  });
});

describe('subscribing and the websocket channel', () => {
  it('creates, reads and deletes a Subscription; binding with the token gives a handshake', async () => {
    const created = await call<Subscription>(`${sandbox.urls.dcr}/Subscription`, {
      method: 'POST',
      body: encounterStart('frail'),
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('active');
    expect(created.location).toContain(`${sandbox.urls.dcr}/Subscription/${created.body.id}`);
    const read = await call<Subscription>(`${sandbox.urls.dcr}/Subscription/${created.body.id}`);
    expect(read.body.criteria).toBe(TOPICS.encounterStart);

    const binding = await bindingToken(sandbox.urls.dcr, created.body.id!);
    expect(binding.url).toBe(`${new URL(sandbox.urls.dcr).origin.replace('http', 'ws')}/ws`);
    const client = await connect(binding.url);
    client.ws.send(`bind-with-token ${binding.token}`);
    const handshake = await client.next();
    expect((handshake as Bundle).type).toBe('history');
    expect(notificationType(handshake)).toBe('handshake');
    expect(param(handshake, 'topic')?.valueCanonical).toBe(TOPICS.encounterStart);
    expect(param(handshake, 'subscription')?.valueReference?.reference).toBe(
      `${sandbox.urls.dcr}/Subscription/${created.body.id}`,
    );
    expect(param(handshake, 'events-since-subscription-start')?.valueString).toBe('0');

    expect(
      (await call(`${sandbox.urls.dcr}/Subscription/${created.body.id}`, { method: 'DELETE' })).status,
    ).toBe(204);
    expect((await call(`${sandbox.urls.dcr}/Subscription/${created.body.id}`)).status).toBe(404);
  });

  it('an admission arrives as an event notification carrying the Encounter, numbered from 1', async () => {
    const { client } = await subscribeAndBind(sandbox.urls.dcr, encounterStart('frail'));
    const written = await sandbox.servers.dcr.admit('frail', { where: 'Royal Bournemouth Hospital, Ward 9' });
    const notification = await client.next();
    expect(notificationType(notification)).toBe('event-notification');
    expect(eventNumbers(notification)).toEqual([1]);
    const [encounter] = focuses(notification) as Encounter[];
    expect(encounter?.id).toBe(written.id);
    expect(encounter?.status).toBe('in-progress');
    expect(encounter?.class?.code).toBe('IMP');
    expect(encounter?.location?.[0]?.location?.display).toBe('Royal Bournemouth Hospital, Ward 9');
    expect(encounter?.serviceProvider?.display).toMatch(/University Hospitals Dorset/);
    expect(encounter?.period?.start).toBeTruthy();
    // Clients deduplicate by focus id and version.
    expect(encounter?.meta?.versionId).toBeTruthy();
    // The patient comes as additional context, identified by NHS number.
    const context = status(notification)
      .find((p) => p.name === 'notification-event')
      ?.part?.find((p) => p.name === 'additional-context')?.valueReference;
    expect(context?.identifier).toEqual({ system: NHS, value: nhsOf('frail') });
  });

  it('ED arrival, discharge, a discharge letter and a death each reach their topic', async () => {
    const key = 'cross-border';
    const base = sandbox.urls.chie;
    const listen = async (topic: string, type: string) =>
      (await subscribeAndBind(base, subscription(topic, type, [nhsOf(key)]))).client;
    const starts = await listen(TOPICS.encounterStart, 'Encounter');
    const ends = await listen(TOPICS.encounterEnd, 'Encounter');
    const documents = await listen(TOPICS.documentNew, 'DocumentReference');
    const deaths = await listen(TOPICS.patientDeath, 'Patient');

    await sandbox.servers.chie.sendToEd(key);
    const [ed] = focuses(await starts.next()) as Encounter[];
    expect(ed?.class?.code).toBe('EMER');
    expect(ed?.location?.[0]?.location?.display).toMatch(/Emergency Department/);

    await sandbox.servers.chie.discharge(key);
    const [ended] = focuses(await ends.next()) as Encounter[];
    expect(ended?.id).toBe(ed?.id);
    expect(ended?.status).toBe('finished');
    expect(ended?.period?.end).toBeTruthy();

    await sandbox.servers.chie.addLetter(key);
    const [letter] = focuses(await documents.next()) as DocumentReference[];
    expect(letter?.type?.coding?.[0]).toMatchObject({
      system: 'http://snomed.info/sct',
      code: '823701000000103',
    });
    const binary = await fetch(letter!.content[0]!.attachment.url!, {
      headers: {
        authorization: `Bearer ${await token({ audience: base, patient: nhsOf(key) })}`,
        accept: 'text/plain',
      },
    });
    expect(await binary.text()).toMatch(/Discharge letter/);

    await sandbox.servers.chie.recordDeath(key);
    const [patient] = focuses(await deaths.next());
    expect((patient as { deceasedDateTime?: string }).deceasedDateTime).toBeTruthy();
  });

  it('sends heartbeats at the period the Subscription asked for', async () => {
    const { client } = await subscribeAndBind(
      sandbox.urls.dcr,
      subscription(TOPICS.encounterStart, 'Encounter', [nhsOf('frail')], 1),
    );
    const first = await client.next();
    const second = await client.next();
    expect([notificationType(first), notificationType(second)]).toEqual(['heartbeat', 'heartbeat']);
  });

  it('after a drop, $events gives every event missed, in order, from the retained history', async () => {
    const { id, client } = await subscribeAndBind(sandbox.urls.dcr, encounterStart('synthea-1'));
    await sandbox.servers.dcr.admit('synthea-1');
    expect(eventNumbers(await client.next())).toEqual([1]);

    sandbox.servers.dcr.dropWebsockets();
    expect(await client.closed).toBeGreaterThan(0);
    await sandbox.servers.dcr.sendToEd('synthea-1');
    await sandbox.servers.dcr.admit('synthea-1', { where: 'Poole Hospital, Ward B' });

    const statusBundle = await call<Bundle>(`${sandbox.urls.dcr}/Subscription/${id}/$status`);
    expect(param(statusBundle.body, 'events-since-subscription-start')?.valueString).toBe('3');
    const missed = await call<Bundle>(`${sandbox.urls.dcr}/Subscription/${id}/$events?eventsSinceNumber=2`);
    expect(notificationType(missed.body)).toBe('query-event');
    expect(eventNumbers(missed.body)).toEqual([2, 3]);
    const [ed, ward] = focuses(missed.body) as Encounter[];
    expect(ed?.class?.code).toBe('EMER');
    expect(ward?.location?.[0]?.location?.display).toBe('Poole Hospital, Ward B');
    const one = await call<Bundle>(
      `${sandbox.urls.dcr}/Subscription/${id}/$events?eventsSinceNumber=1&eventsUntilNumber=1`,
    );
    expect(eventNumbers(one.body)).toEqual([1]);
  });

  it('keeps at least 5,000 events for catch-up', async () => {
    const id = await subscribe(sandbox.urls.chie, encounterStart('synthea-2'));
    const hub = sandbox.servers.chie.subscriptions!;
    const focus = (await sandbox.servers.chie.admit('synthea-2')) as Resource;
    for (let i = 0; i < 5_100; i++) {
      hub.fire({
        topic: TOPICS.encounterStart,
        focus,
        patientNhs: nhsOf('synthea-2'),
        withheld: false,
        timestamp: new Date().toISOString(),
      });
    }
    const events = await call<Bundle>(
      `${sandbox.urls.chie}/Subscription/${id}/$events?eventsSinceNumber=100`,
    );
    const numbers = eventNumbers(events.body);
    expect(numbers.length).toBe(5_002);
    expect(numbers[0]).toBe(100);
    expect(numbers.at(-1)).toBe(5_101);
  });

  it('Subscriptions and their events survive a server restart; the sockets do not', async () => {
    const { id, client } = await subscribeAndBind(sandbox.urls.dcr, encounterStart('synthea-3'));
    await sandbox.servers.dcr.admit('synthea-3');
    expect(eventNumbers(await client.next())).toEqual([1]);
    const base = sandbox.urls.dcr;

    await sandbox.servers.dcr.restart();
    expect(await client.closed).toBeGreaterThan(0);
    expect(sandbox.servers.dcr.baseUrl).toBe(base);
    expect((await call(`${base}/Subscription/${id}`)).status).toBe(200);

    const binding = await bindingToken(base, id);
    const again = await connect(binding.url);
    again.ws.send(`bind-with-token ${binding.token}`);
    const handshake = await again.next();
    expect(param(handshake, 'events-since-subscription-start')?.valueString).toBe('1');
    await sandbox.servers.dcr.discharge('synthea-3');
    await sandbox.servers.dcr.admit('synthea-3');
    expect(eventNumbers(await again.next())).toEqual([2]);
    const all = await call<Bundle>(`${base}/Subscription/${id}/$events`);
    expect(eventNumbers(all.body)).toEqual([1, 2]);
  });

  it('refuses a binding token that has expired, or that was already used', async () => {
    const id = await subscribe(sandbox.urls.dcr, encounterStart('frail'));
    const expired = await bindingToken(sandbox.urls.dcr, id);
    sandbox.servers.dcr.expireBindingTokens();
    const client = await connect(expired.url);
    client.ws.send(`bind-with-token ${expired.token}`);
    const refusal = (await client.next()) as OperationOutcome;
    expect(refusal.resourceType).toBe('OperationOutcome');
    expect(refusal.issue[0]?.diagnostics).toMatch(/expired/);
    expect(await client.closed).toBe(1008);

    const fresh = await bindingToken(sandbox.urls.dcr, id);
    const first = await connect(fresh.url);
    first.ws.send(`bind-with-token ${fresh.token}`);
    expect(notificationType(await first.next())).toBe('handshake');
    const second = await connect(fresh.url);
    second.ws.send(`bind-with-token ${fresh.token}`);
    expect((await second.next()).resourceType).toBe('OperationOutcome');
    expect(await second.closed).toBe(1008);
  });

  it('the duplicate hook sends the next event twice; the reorder hook swaps the next two', async () => {
    const { client } = await subscribeAndBind(sandbox.urls.chie, encounterStart('frail'));
    sandbox.servers.chie.duplicateNextEvent();
    await sandbox.servers.chie.admit('frail');
    const once = await client.next();
    const twice = await client.next();
    expect(eventNumbers(once)).toEqual([1]);
    expect(eventNumbers(twice)).toEqual([1]);
    expect(focuses(twice)[0]?.id).toBe(focuses(once)[0]?.id);

    sandbox.servers.chie.reorderNextTwoEvents();
    await sandbox.servers.chie.sendToEd('frail');
    await sandbox.servers.chie.admit('frail');
    await sandbox.servers.chie.admit('frail');
    expect(eventNumbers(await client.next())).toEqual([3]);
    expect(eventNumbers(await client.next())).toEqual([2]);
    expect(eventNumbers(await client.next())).toEqual([4]);
  });

  it('the filter excludes other patients', async () => {
    const { id, client } = await subscribeAndBind(sandbox.urls.dcr, encounterStart('mixed-identity'));
    await sandbox.servers.dcr.admit('frail');
    await sandbox.servers.dcr.admit('mixed-identity');
    const notification = await client.next();
    expect(eventNumbers(notification)).toEqual([1]);
    const [encounter] = focuses(notification) as Encounter[];
    const patient = await call<Resource & { identifier?: { system?: string; value?: string }[] }>(
      `${sandbox.urls.dcr}/${encounter?.subject?.reference}`,
      { bearer: await token({ patient: nhsOf('mixed-identity') }) },
    );
    expect(patient.body.identifier?.find((i) => i.system === NHS)?.value).toBe(nhsOf('mixed-identity'));
    const all = await call<Bundle>(`${sandbox.urls.dcr}/Subscription/${id}/$events`);
    expect(eventNumbers(all.body)).toEqual([1]);
  });

  it('for a patient who dissented, an event carries no resource, only their NHS number', async () => {
    const { client } = await subscribeAndBind(sandbox.urls.dcr, encounterStart('dissent'));
    await sandbox.servers.dcr.admit('dissent');
    const notification = (await client.next()) as Bundle;
    expect(eventNumbers(notification)).toEqual([1]);
    expect(notification.entry).toHaveLength(1);
    const parts = status(notification).find((p) => p.name === 'notification-event')?.part ?? [];
    expect(parts.find((p) => p.name === 'focus')).toBeUndefined();
    expect(parts.find((p) => p.name === 'additional-context')?.valueReference?.identifier).toEqual({
      system: NHS,
      value: nhsOf('dissent'),
    });
  });
});

describe('who may subscribe', () => {
  const audits = (): AuditEvent[] => sandbox.servers.dcr.auditEvents;
  const refusal = (body: unknown): string | undefined =>
    (body as OperationOutcome).issue?.[0]?.details?.coding?.find((c) => c.system === REFUSAL)?.code;

  it('refuses and audits creation without a token, with the wrong role, purpose or a patient-bound token', async () => {
    const url = `${sandbox.urls.dcr}/Subscription`;
    const body = encounterStart('frail');
    expect((await call(url, { method: 'POST', body, bearer: null })).status).toBe(401);
    expect(audits().at(-1)?.outcome).toBe('8');

    const cases: [TokenClaims, string][] = [
      [{ role: 'admin-staff' }, 'role-not-permitted'],
      [{ purpose: 'ETREAT' }, 'purpose-not-permitted'],
      [{ patient: nhsOf('frail') }, 'patient-not-in-token'],
    ];
    for (const [claims, code] of cases) {
      const refused = await call(url, { method: 'POST', body, bearer: await token(claims) });
      expect(refused.status).toBe(403);
      expect(refusal(refused.body)).toBe(code);
      const audited = audits().at(-1);
      expect(audited?.outcome).toBe('4');
      expect(audited?.outcomeDesc).toContain(code);
      expect(audited?.entity?.find((e) => e.name)?.name).toBe('Subscription');
    }
  });

  it('audits a creation as a PatientQuery naming the user and every patient the filter names', async () => {
    await subscribe(sandbox.urls.dcr, encounterStart('frail', 'cross-border'));
    const audited = audits().at(-1);
    expect(audited?.outcome).toBe('0');
    expect(audited?.subtype?.[0]?.code).toBe('search-type');
    expect(audited?.agent?.[0]?.who?.display).toBe('Priya Shah');
    expect(audited?.agent?.[0]?.purposeOfUse?.[0]?.coding?.[0]?.code).toBe('TREAT');
    const patients = (audited?.entity ?? []).flatMap((e) =>
      e.what?.identifier ? [e.what.identifier.value] : [],
    );
    expect(patients.sort()).toEqual([nhsOf('frail'), nhsOf('cross-border')].sort());
  });

  it('only a regional access token may manage Subscriptions: any other bearer is refused and audited', async () => {
    const refused = await call<OperationOutcome>(`${sandbox.urls.dcr}/Subscription`, {
      method: 'POST',
      body: encounterStart('frail'),
      bearer: 'an-epr-backend-services-token',
    });
    expect(refused.status).toBe(401);
    expect(audits().at(-1)?.outcome).toBe('8');
  });

  it('refuses a Subscription whose filter names no patient: none would mean every patient', async () => {
    const { _criteria: _, ...unfiltered } = encounterStart('frail') as Subscription & { _criteria?: unknown };
    const answer = await call<OperationOutcome>(`${sandbox.urls.dcr}/Subscription`, {
      method: 'POST',
      body: unfiltered,
    });
    expect(answer.status).toBe(400);
    expect(answer.body.issue[0]?.diagnostics).toMatch(/filter/);
    expect(answer.location).toBeNull();
  });

  it("refuses and audits another user's read, delete, $events, $status and binding of a Subscription", async () => {
    const id = await subscribe(sandbox.urls.dcr, encounterStart('frail'));
    const base = `${sandbox.urls.dcr}/Subscription/${id}`;
    const paramedic = await token({ user: PARAMEDIC });
    const attempts: [string, string][] = [
      ['GET', base],
      ['DELETE', base],
      ['GET', `${base}/$events`],
      ['GET', `${base}/$status`],
      ['GET', `${base}/$get-ws-binding-token`],
      ['POST', `${base}/$get-ws-binding-token`],
    ];
    for (const [method, url] of attempts) {
      const refused = await call(url, { method, bearer: paramedic });
      expect(refused.status, `${method} ${url}`).toBe(403);
      expect(refusal(refused.body), `${method} ${url}`).toBe('patient-not-in-token');
      const audited = audits().at(-1);
      expect(audited?.outcome).toBe('4');
      expect(audited?.agent?.[0]?.who?.display).toBe('Sam Okafor');
    }
    // The nurse who made it still has it, whole, and may bind to it.
    const own = await call<Subscription>(base);
    expect(own.status).toBe(200);
    expect(own.body.id).toBe(id);
    const binding = await bindingToken(sandbox.urls.dcr, id);
    const client = await connect(binding.url);
    client.ws.send(`bind-with-token ${binding.token}`);
    expect(notificationType(await client.next())).toBe('handshake');
  });

  it('refuses a Subscription it cannot serve with a clear reason', async () => {
    const url = `${sandbox.urls.dcr}/Subscription`;
    const unknownTopic = { ...encounterStart('frail'), criteria: 'https://example.org/SubscriptionTopic/x' };
    const rest = {
      ...encounterStart('frail'),
      channel: { type: 'rest-hook', endpoint: 'https://example.org' },
    };
    for (const body of [unknownTopic, rest]) {
      const answer = await call<OperationOutcome>(url, { method: 'POST', body });
      expect(answer.status).toBe(400);
      expect(answer.body.issue[0]?.diagnostics).toBeTruthy();
    }
  });
});

describe('a source without subscription support', () => {
  let plain: RunningSandbox;
  beforeAll(async () => {
    plain = await startSandbox({ subscriptions: { chie: false }, requireAuth: false });
  });
  afterAll(async () => {
    await plain?.close();
  });

  it('advertises no topics, refuses Subscription, and still records the admission for polling', async () => {
    const metadata = await call<CapabilityStatement>(`${plain.urls.chie}/metadata`, { bearer: null });
    const resources = metadata.body.rest?.[0]?.resource ?? [];
    expect(resources.find((r) => r.type === 'Subscription')).toBeUndefined();
    expect(JSON.stringify(metadata.body)).not.toContain(TOPIC_CANONICAL_EXTENSION);
    const basics = await call<Bundle>(`${plain.urls.chie}/Basic?code=SubscriptionTopic`, { bearer: null });
    expect(basics.body.entry ?? []).toHaveLength(0);
    const refused = await call(`${plain.urls.chie}/Subscription`, {
      method: 'POST',
      body: encounterStart('frail'),
      bearer: null,
    });
    expect(refused.status).toBe(404);

    // DCR still offers them.
    const dcrMetadata = await call<CapabilityStatement>(`${plain.urls.dcr}/metadata`, { bearer: null });
    expect(JSON.stringify(dcrMetadata.body)).toContain(TOPIC_CANONICAL_EXTENSION);

    const admitted = await plain.servers.chie.admit(plain.patient('frail').nhsNumber);
    const found = await call<Bundle>(
      `${plain.urls.chie}/Encounter?patient:identifier=${encodeURIComponent(`${NHS}|${plain.patient('frail').nhsNumber}`)}&status=in-progress`,
      { bearer: null },
    );
    expect(found.body.entry?.map((e) => e.resource?.id)).toContain(admitted.id);
  });
});

describe('wessex sandbox event', () => {
  let child: ChildProcess | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    child = undefined;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('admits a patient on a running sandbox, and its subscribers are told', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'wessex-sandbox-event-'));
    const env = { ...process.env, WESSEX_DATA_DIR: dataDir };
    const proc = spawn(process.execPath, [WESSEX_CLI, 'sandbox', '--json', '--no-auth'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let out = '';
    const info = await new Promise<{
      urls: { dcr: string; admin: string };
      patients: { key: string; nhsNumber: string }[];
    }>((resolve, reject) => {
      proc.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (/\n}\s*$/.test(out)) resolve(JSON.parse(out) as never);
      });
      proc.on('exit', (code) => reject(new Error(`sandbox exited ${code}: ${out}`)));
    });
    expect(info.urls.admin).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/admin\/\S+$/);
    const frail = info.patients.find((p) => p.key === 'frail')!;

    const created = await call<Subscription>(`${info.urls.dcr}/Subscription`, {
      method: 'POST',
      body: subscription(TOPICS.encounterStart, 'Encounter', [frail.nhsNumber]),
      bearer: null,
    });
    const binding = await call<Parameters>(
      `${info.urls.dcr}/Subscription/${created.body.id}/$get-ws-binding-token`,
      {
        bearer: null,
      },
    );
    const get = (name: string): string =>
      binding.body.parameter?.find((p) => p.name === name)?.[name === 'token' ? 'valueString' : 'valueUrl'] ??
      '';
    const client = await connect(get('websocket-url'));
    client.ws.send(`bind-with-token ${get('token')}`);
    expect(notificationType(await client.next())).toBe('handshake');

    const result = await runWessex(
      ['sandbox', 'event', 'admit', 'frail', '--where', 'Ward 7, Dorset County Hospital'],
      {
        env,
      },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Admitted frail on Dorset Care Record: Encounter\/\S+ \(in-progress\)/);
    const [encounter] = focuses(await client.next()) as Encounter[];
    expect(encounter?.location?.[0]?.location?.display).toBe('Ward 7, Dorset County Hospital');

    const unknown = await runWessex(['sandbox', 'event', 'admit', 'nobody-here'], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/neither a sandbox patient key nor an NHS number/);

    proc.kill('SIGTERM');
    await new Promise((resolve) => (proc.exitCode !== null ? resolve(null) : proc.on('exit', resolve)));
    const stopped = await runWessex(['sandbox', 'event', 'discharge', 'frail'], { env });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/No running sandbox found/);
  });
});
