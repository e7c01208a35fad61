// A small loopback FHIR server with R5 Backport topic-based Subscriptions over a websocket (the contract of
// issue 18), for the caseload watch's tests and bench before (and besides) the sandbox: patients, encounters,
// letters and deaths, `$get-ws-binding-token`, `$events`, `$status`, and the fault hooks the tests need.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
const TOPIC = 'https://fhir.wessexcarerecords.nhs.uk/SubscriptionTopic';
const TOPICS = ['encounter-start', 'encounter-end', 'document-new', 'patient-death'].map(
  (t) => `${TOPIC}/${t}`,
);

// The server only reads back JSON it wrote itself (and the client's Subscription), so loose typing is enough.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

interface Sub {
  id: string;
  topic: string;
  nhs: Set<string>;
  heartbeatMs: number;
  events: { n: number; focus: Json; at: string }[];
}

export interface FakeServerOptions {
  subscriptions?: boolean;
  /** Added to every HTTP answer and websocket message. */
  latencyMs?: number;
  name?: string;
  /** Whether a bearer token is accepted now (otherwise 401, as when it has expired); default none needed. */
  acceptToken?: (token: string | undefined) => boolean;
}

export class FakeSubscriptionServer {
  private http!: Server;
  private wss!: WebSocketServer;
  private port = 0;
  readonly patients: { id: string; nhs: string; name: string }[] = [];
  readonly resources = new Map<string, Json>();
  readonly subs = new Map<string, Sub>();
  private readonly tokens = new Map<string, { sub: string; expires: number }>();
  private readonly sockets = new Map<WebSocket, { sub: string; timer?: NodeJS.Timeout }>();
  private version = 0;
  /** Requests seen (method and path). */
  readonly requests: string[] = [];
  private duplicateNext = false;
  private holdNext = 0;
  private held: { sub: Sub; n: number }[] = [];

  constructor(private readonly options: FakeServerOptions = {}) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}/fhir`;
  }

  async start(port = 0): Promise<this> {
    this.http = createServer((req, res) => void this.handle(req, res));
    this.wss = new WebSocketServer({ server: this.http, path: '/ws' });
    this.wss.on('connection', (ws) => this.connected(ws));
    await new Promise<void>((resolve) => this.http.listen(port, '127.0.0.1', resolve));
    this.port = (this.http.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const [ws, s] of this.sockets) {
      clearInterval(s.timer);
      ws.terminate();
    }
    this.sockets.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  /** Stops and starts again on the same port; subscriptions and event history survive. */
  async restart(downMs = 50): Promise<void> {
    const port = this.port;
    await this.close();
    await new Promise((r) => setTimeout(r, downMs));
    await this.start(port);
  }

  addPatient(nhs: string, name: string): string {
    const id = `p${this.patients.length + 1}`;
    this.patients.push({ id, nhs, name });
    this.put({
      resourceType: 'Patient',
      id,
      identifier: [{ system: NHS, value: nhs }],
      name: [{ family: name.split(' ').at(-1), given: [name.split(' ')[0]] }],
    });
    return id;
  }

  /** A privacy Consent declining all sharing, or (`codes`) only entries with those codes. */
  addConsentDeny(nhs: string, codes?: { system: string; code: string; display?: string }[]): void {
    const patient = this.patientFor(nhs);
    this.put({
      resourceType: 'Consent',
      id: `c-${patient.id}`,
      status: 'active',
      scope: { coding: [{ code: 'patient-privacy' }] },
      patient: { reference: `Patient/${patient.id}` },
      provision: codes
        ? { type: 'permit', provision: [{ type: 'deny', code: [{ coding: codes }] }] }
        : { type: 'deny' },
    });
  }

  /** Fault hooks. */
  dropSockets(): void {
    for (const ws of this.sockets.keys()) ws.terminate();
  }
  expireTokens(): void {
    for (const t of this.tokens.values()) t.expires = 0;
  }
  /** Stop heartbeats on open sockets without closing them (a half-open connection). */
  silence(): void {
    for (const s of this.sockets.values()) clearInterval(s.timer);
    this.silent = true;
  }
  private silent = false;
  sendNextTwice(): void {
    this.duplicateNext = true;
  }
  /** The next `count` events are held back, then sent in reverse order. */
  reorderNext(count: number): void {
    this.holdNext = count;
  }
  /** Events recorded but not sent (as if the socket was down): the catch-up must find them. */
  private muted = false;
  mute(on: boolean): void {
    this.muted = on;
  }

  /** `patch` is laid over the encounter (its type, reason, service, labels …). */
  admit(nhs: string, options: { where?: string; className?: 'IMP' | 'EMER'; patch?: Json } = {}): Json {
    const patient = this.patientFor(nhs);
    const encounter = this.put({
      resourceType: 'Encounter',
      id: randomUUID(),
      status: 'in-progress',
      class: { code: options.className ?? 'IMP' },
      subject: { reference: `Patient/${patient.id}` },
      period: { start: new Date().toISOString() },
      location: [{ location: { display: options.where ?? 'Ward 7, Dorset County Hospital' } }],
      ...options.patch,
    });
    this.fire(`${TOPIC}/encounter-start`, encounter, nhs);
    return encounter;
  }

  discharge(nhs: string): Json {
    const open = [...this.resources.values()].find(
      (r) =>
        r.resourceType === 'Encounter' &&
        r.status === 'in-progress' &&
        r.subject.reference === `Patient/${this.patientFor(nhs).id}`,
    );
    if (!open) throw new Error('not in hospital');
    const finished = this.put({
      ...open,
      status: 'finished',
      period: { ...open.period, end: new Date().toISOString() },
    });
    this.fire(`${TOPIC}/encounter-end`, finished, nhs);
    return finished;
  }

  /** A diagnosis (or procedure …) in the patient's record here, with no event: what an admission's reason may link to. */
  addEntry(
    nhs: string,
    coding: { system: string; code: string; display?: string },
    resourceType = 'Condition',
    patch: Json = {},
  ): Json {
    const patient = this.patientFor(nhs);
    return this.put({
      ...patch,
      resourceType,
      id: randomUUID(),
      subject: { reference: `Patient/${patient.id}` },
      code: { coding: [coding], ...(coding.display ? { text: coding.display } : {}) },
    });
  }

  /** `patch` is laid over the letter (its type, custodian, labels …). */
  addLetter(nhs: string, title = 'Discharge summary', patch: Json = {}): Json {
    const patient = this.patientFor(nhs);
    const doc = this.put({
      resourceType: 'DocumentReference',
      id: randomUUID(),
      status: 'current',
      description: title,
      date: new Date().toISOString(),
      subject: { reference: `Patient/${patient.id}` },
      ...patch,
    });
    this.fire(`${TOPIC}/document-new`, doc, nhs);
    return doc;
  }

  recordDeath(nhs: string): Json {
    const patient = this.resources.get(`Patient/${this.patientFor(nhs).id}`)!;
    const updated = this.put({ ...patient, deceasedDateTime: new Date().toISOString() });
    this.fire(`${TOPIC}/patient-death`, updated, nhs);
    return updated;
  }

  /**
   * Several admissions in ONE notification (a hostile or buggy server): each `patch` is laid over its
   * encounter as sent, so one can carry a malformed field (`type: "x"`).
   */
  admitTogether(admissions: { nhs: string; patch?: Json }[]): void {
    for (const sub of this.subs.values()) {
      if (sub.topic !== `${TOPIC}/encounter-start`) continue;
      const numbers: number[] = [];
      for (const { nhs, patch } of admissions) {
        if (!sub.nhs.has(nhs)) continue;
        const encounter = this.put({
          resourceType: 'Encounter',
          id: randomUUID(),
          status: 'in-progress',
          class: { code: 'IMP' },
          subject: { reference: `Patient/${this.patientFor(nhs).id}` },
          period: { start: new Date().toISOString() },
          ...patch,
        });
        numbers.push(sub.events.length + 1);
        sub.events.push({ n: numbers.at(-1)!, focus: encounter, at: new Date().toISOString() });
      }
      if (numbers.length && !this.muted) this.send(sub, numbers, 'event-notification');
    }
  }

  /** `$events` no longer returns events up to `upTo` (as a server that keeps them only for a while). */
  private forgottenUpTo = 0;
  forgetEvents(upTo: number): void {
    this.forgottenUpTo = upTo;
  }

  /** Sends this text, as it is, on every open websocket (a hostile server). */
  sendRaw(text: string): void {
    for (const ws of this.sockets.keys()) if (ws.readyState === ws.OPEN) ws.send(text);
  }

  /** While on, `$events` answers 500: missed events cannot be fetched. */
  private eventsFail = false;
  failEvents(on: boolean): void {
    this.eventsFail = on;
  }

  /** While a type is named here, searches for it answer 500 (Consent: whether a patient dissented is unknown). */
  readonly failingSearches = new Set<string>();
  /** The type of every search made, in order. */
  readonly searched: string[] = [];

  /** An event about a patient the subscription's filter does not name (a faulty server). */
  admitUnfiltered(nhs: string): void {
    const patient = this.patientFor(nhs);
    const encounter = this.put({
      resourceType: 'Encounter',
      id: randomUUID(),
      status: 'in-progress',
      class: { code: 'IMP' },
      subject: { reference: `Patient/${patient.id}` },
      period: { start: new Date().toISOString() },
    });
    for (const sub of this.subs.values())
      if (sub.topic === `${TOPIC}/encounter-start`) this.record(sub, encounter);
  }

  private patientFor(nhs: string) {
    const p = this.patients.find((x) => x.nhs === nhs);
    if (!p) throw new Error(`no patient ${nhs}`);
    return p;
  }

  private put(resource: Json): Json {
    const stored: Json = {
      ...resource,
      // A resource's own meta (its security labels) is kept, as a server keeps it.
      meta: { ...resource.meta, versionId: String(++this.version), lastUpdated: new Date().toISOString() },
    };
    this.resources.set(`${stored.resourceType}/${stored.id}`, stored);
    return stored;
  }

  private fire(topic: string, focus: Json, nhs: string): void {
    for (const sub of this.subs.values())
      if (sub.topic === topic && sub.nhs.has(nhs)) this.record(sub, focus);
  }

  private record(sub: Sub, focus: Json): void {
    const n = sub.events.length + 1;
    sub.events.push({ n, focus, at: new Date().toISOString() });
    if (this.muted) return;
    if (this.holdNext > 0) {
      this.held.push({ sub, n });
      if (--this.holdNext === 0) {
        for (const h of this.held.splice(0).reverse()) this.send(h.sub, [h.n], 'event-notification');
      }
      return;
    }
    this.send(sub, [n], 'event-notification');
    if (this.duplicateNext) {
      this.duplicateNext = false;
      this.send(sub, [n], 'event-notification');
    }
  }

  private send(sub: Sub, numbers: number[], type: string): void {
    const text = JSON.stringify(this.bundle(sub, numbers, type));
    for (const [ws, s] of this.sockets) {
      if (s.sub !== sub.id) continue;
      const go = () => ws.readyState === ws.OPEN && ws.send(text);
      if (this.options.latencyMs) setTimeout(go, this.options.latencyMs);
      else go();
    }
  }

  bundle(sub: Sub, numbers: number[], type: string): Json {
    const events = numbers.map((n) => sub.events[n - 1]!);
    return {
      resourceType: 'Bundle',
      type: 'history',
      timestamp: new Date().toISOString(),
      entry: [
        {
          fullUrl: `urn:uuid:${randomUUID()}`,
          resource: {
            resourceType: 'Parameters',
            parameter: [
              { name: 'subscription', valueReference: { reference: `${this.base}/Subscription/${sub.id}` } },
              { name: 'topic', valueCanonical: sub.topic },
              { name: 'status', valueCode: 'active' },
              { name: 'type', valueCode: type },
              { name: 'events-since-subscription-start', valueString: String(sub.events.length) },
              ...events.map((e) => ({
                name: 'notification-event',
                part: [
                  { name: 'event-number', valueString: String(e.n) },
                  { name: 'timestamp', valueInstant: e.at },
                  { name: 'focus', valueReference: { reference: `${e.focus.resourceType}/${e.focus.id}` } },
                ],
              })),
            ],
          },
        },
        ...events.map((e) => ({
          fullUrl: `${this.base}/${e.focus.resourceType}/${e.focus.id}`,
          resource: e.focus,
        })),
      ],
    };
  }

  private connected(ws: WebSocket): void {
    ws.on('message', (data) => {
      const text = String(data);
      const token = /^bind-with-token (\S+)$/.exec(text)?.[1];
      const bound = token ? this.tokens.get(token) : undefined;
      if (token) this.tokens.delete(token);
      if (!bound || bound.expires < Date.now()) {
        ws.close(4001, 'binding token not valid');
        return;
      }
      const sub = this.subs.get(bound.sub);
      if (!sub) {
        ws.close(4004, 'no such subscription');
        return;
      }
      const state: { sub: string; timer?: NodeJS.Timeout } = { sub: sub.id };
      this.sockets.set(ws, state);
      ws.send(JSON.stringify(this.bundle(sub, [], 'handshake')));
      if (!this.silent) {
        state.timer = setInterval(() => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(this.bundle(sub, [], 'heartbeat')));
        }, sub.heartbeatMs);
      }
    });
    ws.on('close', () => {
      clearInterval(this.sockets.get(ws)?.timer);
      this.sockets.delete(ws);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    this.requests.push(`${req.method} ${url.pathname}`);
    let body = '';
    for await (const chunk of req) body += String(chunk);
    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));
    const reply = (status: number, json: Json, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/fhir+json', ...headers });
      res.end(JSON.stringify(json));
    };
    const [, fhir, type, id, op] = url.pathname.split('/');
    if (fhir !== 'fhir') return reply(404, {});
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (this.options.acceptToken && type !== 'metadata' && !this.options.acceptToken(token)) {
      return reply(401, { resourceType: 'OperationOutcome' });
    }
    if (type === 'metadata') return reply(200, this.capability());
    if (type === 'Subscription') return this.subscription(req.method ?? 'GET', id, op, url, body, reply);
    if (req.method === 'GET' && type && !id) {
      this.searched.push(type);
      if (this.failingSearches.has(type)) return reply(500, { resourceType: 'OperationOutcome' });
      return reply(200, this.search(type, url.searchParams));
    }
    if (req.method === 'GET' && type && id) {
      const found = this.resources.get(`${type}/${id}`);
      return found ? reply(200, found) : reply(404, {});
    }
    reply(404, {});
  }

  private capability(): Json {
    return {
      resourceType: 'CapabilityStatement',
      status: 'active',
      kind: 'instance',
      fhirVersion: '4.0.1',
      format: ['json'],
      rest: [
        {
          mode: 'server',
          resource: [
            {
              type: 'Subscription',
              ...(this.options.subscriptions === false
                ? {}
                : {
                    extension: TOPICS.map((t) => ({
                      url: `${BACKPORT}/capabilitystatement-subscriptiontopic-canonical`,
                      valueCanonical: t,
                    })),
                  }),
            },
          ],
        },
      ],
    };
  }

  private search(type: string, params: URLSearchParams): Json {
    const since = params.get('_lastUpdated')?.replace(/^(ge|gt)/, '');
    const ids = params.get('_id')?.split(',');
    const identifiers = params
      .get('identifier')
      ?.split(',')
      .map((v) => v.split('|').at(-1));
    const patients = params.get('patient')?.split(',');
    const matches = [...this.resources.values()].filter(
      (r) =>
        r.resourceType === type &&
        (!since || r.meta.lastUpdated >= since) &&
        (!ids || ids.includes(r.id)) &&
        (!identifiers || r.identifier?.some((i: Json) => identifiers.includes(i.value))) &&
        (!patients || patients.includes(r.patient?.reference ?? r.subject?.reference)),
    );
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matches.length,
      entry: matches.map((resource) => ({ resource, search: { mode: 'match' } })),
    };
  }

  private subscription(
    method: string,
    id: string | undefined,
    op: string | undefined,
    url: URL,
    body: string,
    reply: (status: number, json: Json, headers?: Record<string, string>) => void,
  ): void {
    if (this.options.subscriptions === false) return reply(404, {});
    if (method === 'POST' && !id) {
      const resource = JSON.parse(body) as Json;
      const filter: string = resource._criteria.extension[0].valueString;
      const nhs = new Set(
        filter
          .split('=')[1]!
          .split(',')
          .map((v) => v.split('|').at(-1)!),
      );
      const heartbeat = resource.channel.extension?.[0]?.valueUnsignedInt ?? 20;
      const sub: Sub = {
        id: randomUUID(),
        topic: resource.criteria,
        nhs,
        heartbeatMs: heartbeat * 1000,
        events: [],
      };
      this.subs.set(sub.id, sub);
      return reply(
        201,
        { ...resource, id: sub.id, status: 'active' },
        { location: `${this.base}/Subscription/${sub.id}` },
      );
    }
    const sub = id ? this.subs.get(id) : undefined;
    if (!sub) return reply(404, {});
    if (method === 'DELETE') {
      this.subs.delete(sub.id);
      return reply(204, {});
    }
    if (op === '$get-ws-binding-token') {
      const token = randomUUID();
      this.tokens.set(token, { sub: sub.id, expires: Date.now() + 60_000 });
      return reply(200, {
        resourceType: 'Parameters',
        parameter: [
          { name: 'token', valueString: token },
          { name: 'expiration', valueDateTime: new Date(Date.now() + 60_000).toISOString() },
          { name: 'subscription', valueString: `Subscription/${sub.id}` },
          { name: 'websocket-url', valueUrl: `ws://127.0.0.1:${this.port}/ws` },
        ],
      });
    }
    if (op === '$events') {
      if (this.eventsFail) return reply(500, { resourceType: 'OperationOutcome' });
      const from = Number(url.searchParams.get('eventsSinceNumber') ?? 1);
      const to = Number(url.searchParams.get('eventsUntilNumber') ?? sub.events.length);
      const numbers = sub.events
        .filter((e) => e.n >= from && e.n <= to && e.n > this.forgottenUpTo)
        .map((e) => e.n);
      return reply(200, this.bundle(sub, numbers, 'query-event'));
    }
    if (op === '$status') return reply(200, this.bundle(sub, [], 'query-status'));
    reply(404, {});
  }
}
