// One regional server's topic-based Subscriptions (R5 Backport on R4, websocket channel): the Subscriptions,
// each one's numbered event history (the newest MAX_HISTORY kept, for $events catch-up), single-use binding
// tokens, the websocket endpoint (`/ws`: `bind-with-token <token>` → handshake, heartbeats, event
// notifications) and the fault hooks tests use. It lives in the server object, not the listener, so a
// restart drops the sockets but keeps every Subscription and its history.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Bundle, Parameters, Subscription } from '@medplum/fhirtypes';
import { WebSocketServer, type WebSocket } from 'ws';
import { operationOutcome } from '../http/outcome';
import { acceptSubscription, type AcceptedSubscription } from './subscription-filter';
import {
  notificationBundle,
  type NotificationType,
  type NumberedEvent,
  type TopicEvent,
} from './subscription-notification';

/** Events each Subscription keeps for `$events` (the contract asks for at least 5,000). */
export const MAX_HISTORY = 10_000;
export const BINDING_TOKEN_SECONDS = 60;
export const WEBSOCKET_PATH = '/ws';

interface SubscriptionRecord {
  resource: Subscription;
  /** The `sub` of the user whose token created it; null when created with auth off. */
  owner: string | null;
  accepted: AcceptedSubscription;
  /** Oldest first; event numbers are consecutive. */
  history: NumberedEvent[];
  eventsSinceStart: number;
}

interface BindingToken {
  subscriptionId: string;
  expiresAt: number;
}

/** What a fault hook holds back or repeats: the next notification(s), whichever Subscription they are for. */
interface DeliveryFaults {
  duplicateNext: boolean;
  reorderNextTwo: boolean;
  held?: { subscriptionId: string; payload: string };
}

export type HubResult<T> =
  { ok: true; value: T } | { ok: false; status: number; outcome: ReturnType<typeof operationOutcome> };

export class SubscriptionHub {
  private readonly subscriptions = new Map<string, SubscriptionRecord>();
  private readonly tokens = new Map<string, BindingToken>();
  /** Each open websocket, with the Subscriptions bound on it and their heartbeat timers. */
  private readonly connections = new Map<WebSocket, Map<string, NodeJS.Timeout>>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly faults: DeliveryFaults = { duplicateNext: false, reorderNextTwo: false };
  private nextId = 1;

  private readonly now: () => number;
  /** The server's injected latency, added to every message pushed (in order: each waits the same time). */
  private readonly latencyMs: () => number;

  constructor(
    private readonly baseUrl: () => string,
    options: { now?: () => number; latencyMs?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
    this.latencyMs = options.latencyMs ?? (() => 0);
  }

  /** Serves the websocket endpoint on this HTTP server's upgrade requests (other paths are refused). */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (new URL(req.url ?? '/', 'http://sandbox').pathname !== WEBSOCKET_PATH) return void socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
    });
  }

  websocketUrl(): string {
    return `${new URL(this.baseUrl()).origin.replace(/^http/, 'ws')}${WEBSOCKET_PATH}`;
  }

  /** Creates a Subscription owned by the user `owner` names (null: auth is off, no user). */
  create(body: unknown, owner: string | null = null): HubResult<Subscription> {
    const check = acceptSubscription(body);
    if (!check.ok) return { ok: false, status: 400, outcome: operationOutcome('invalid', check.problem) };
    const id = `sub-${this.nextId++}-${randomBytes(4).toString('hex')}`;
    const resource: Subscription = {
      ...(body as Subscription),
      id,
      meta: { versionId: '1', lastUpdated: new Date(this.now()).toISOString() },
      status: 'active',
    };
    this.subscriptions.set(id, {
      resource,
      owner,
      accepted: check.accepted,
      history: [],
      eventsSinceStart: 0,
    });
    return { ok: true, value: resource };
  }

  /** Whose Subscription this is: a user's `sub`, null for no user's, undefined when there is no such id. */
  ownerOf(id: string): string | null | undefined {
    return this.subscriptions.get(id)?.owner;
  }

  read(id: string): HubResult<Subscription> {
    const record = this.subscriptions.get(id);
    return record ? { ok: true, value: record.resource } : missing(id);
  }

  delete(id: string): HubResult<undefined> {
    if (!this.subscriptions.delete(id)) return missing(id);
    for (const bound of this.connections.values()) {
      const timer = bound.get(id);
      if (timer) clearInterval(timer);
      bound.delete(id);
    }
    for (const [token, binding] of this.tokens) if (binding.subscriptionId === id) this.tokens.delete(token);
    return { ok: true, value: undefined };
  }

  /** `$get-ws-binding-token`: a single-use token, valid BINDING_TOKEN_SECONDS. */
  bindingToken(id: string): HubResult<Parameters> {
    if (!this.subscriptions.has(id)) return missing(id);
    const token = randomBytes(24).toString('base64url');
    const expiresAt = this.now() + BINDING_TOKEN_SECONDS * 1000;
    this.tokens.set(token, { subscriptionId: id, expiresAt });
    return {
      ok: true,
      value: {
        resourceType: 'Parameters',
        parameter: [
          { name: 'token', valueString: token },
          { name: 'expiration', valueDateTime: new Date(expiresAt).toISOString() },
          { name: 'subscription', valueString: `${this.baseUrl()}/Subscription/${id}` },
          { name: 'websocket-url', valueUrl: this.websocketUrl() },
        ],
      },
    };
  }

  status(id: string): HubResult<Bundle> {
    const record = this.subscriptions.get(id);
    return record ? { ok: true, value: this.bundle(id, record, 'query-status') } : missing(id);
  }

  /** `$events`: every retained event numbered from `since` to `until` (both inclusive; default all). */
  events(id: string, since?: number, until?: number): HubResult<Bundle> {
    const record = this.subscriptions.get(id);
    if (!record) return missing(id);
    const from = since ?? 1;
    const to = until ?? record.eventsSinceStart;
    const oldest = record.history[0]?.eventNumber ?? record.eventsSinceStart + 1;
    const start = Math.max(0, from - oldest);
    const end = Math.max(start, to - oldest + 1);
    return { ok: true, value: this.bundle(id, record, 'query-event', record.history.slice(start, end)) };
  }

  /** Numbers and records the event for every Subscription whose topic and filter match, and sends it. */
  fire(event: TopicEvent): number {
    let matched = 0;
    for (const [id, record] of this.subscriptions) {
      const { topic, nhsNumbers } = record.accepted;
      if (topic !== event.topic || !nhsNumbers.has(event.patientNhs)) continue;
      matched += 1;
      record.eventsSinceStart += 1;
      const numbered: NumberedEvent = { ...event, eventNumber: record.eventsSinceStart };
      record.history.push(numbered);
      if (record.history.length > MAX_HISTORY) record.history.splice(0, record.history.length - MAX_HISTORY);
      this.deliver(id, JSON.stringify(this.bundle(id, record, 'event-notification', [numbered])));
    }
    return matched;
  }

  /** Fault hook: closes every websocket at once, as a network drop would. */
  dropConnections(): void {
    for (const ws of [...this.connections.keys()]) ws.terminate();
  }

  /** Fault hook: every binding token issued so far is expired. */
  expireBindingTokens(): void {
    for (const binding of this.tokens.values()) binding.expiresAt = Number.NEGATIVE_INFINITY;
  }

  /** Fault hook: the next event notification is sent twice. */
  duplicateNextEvent(): void {
    this.faults.duplicateNext = true;
  }

  /**
   * Fault hook: the next event notification is held back and sent straight after the one that follows it
   * (until a second event comes, the first is not sent at all; `$events` has both throughout).
   */
  reorderNextTwoEvents(): void {
    this.faults.reorderNextTwo = true;
  }

  get openConnections(): number {
    return this.connections.size;
  }

  close(): void {
    this.dropConnections();
    this.wss.close();
  }

  private bundle(
    id: string,
    record: SubscriptionRecord,
    type: NotificationType,
    events?: NumberedEvent[],
  ): Bundle {
    return notificationBundle(
      {
        baseUrl: this.baseUrl(),
        subscriptionId: id,
        topic: record.accepted.topic,
        status: 'active',
        eventsSinceStart: record.eventsSinceStart,
      },
      type,
      events,
    );
  }

  private deliver(subscriptionId: string, payload: string): void {
    const faults = this.faults;
    if (faults.reorderNextTwo) {
      if (!faults.held) {
        faults.held = { subscriptionId, payload };
        return;
      }
      const held = faults.held;
      faults.reorderNextTwo = false;
      faults.held = undefined;
      this.send(subscriptionId, payload);
      this.send(held.subscriptionId, held.payload);
      return;
    }
    this.send(subscriptionId, payload);
    if (faults.duplicateNext) {
      faults.duplicateNext = false;
      this.send(subscriptionId, payload);
    }
  }

  private send(subscriptionId: string, payload: string): void {
    for (const [ws, bound] of this.connections) {
      if (bound.has(subscriptionId)) this.push(ws, payload);
    }
  }

  private push(ws: WebSocket, payload: string): void {
    const delay = this.latencyMs();
    const send = (): void => {
      if (ws.readyState === ws.OPEN) ws.send(payload);
    };
    if (delay > 0) setTimeout(send, delay);
    else send();
  }

  private onConnection(ws: WebSocket): void {
    const bound = new Map<string, NodeJS.Timeout>();
    this.connections.set(ws, bound);
    ws.on('close', () => {
      for (const timer of bound.values()) clearInterval(timer);
      this.connections.delete(ws);
    });
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      const match = /^bind-with-token\s+(\S+)\s*$/.exec(text);
      if (!match?.[1]) return this.refuse(ws, 'Send "bind-with-token <token>" to bind this connection');
      this.bind(ws, bound, match[1]);
    });
  }

  private bind(ws: WebSocket, bound: Map<string, NodeJS.Timeout>, token: string): void {
    const binding = this.tokens.get(token);
    this.tokens.delete(token); // single use, whatever the outcome
    const record = binding && this.subscriptions.get(binding.subscriptionId);
    if (!binding || !record || binding.expiresAt <= this.now())
      return this.refuse(ws, 'The binding token is unknown, already used or expired', true);
    const id = binding.subscriptionId;
    const previous = bound.get(id);
    if (previous) clearInterval(previous);
    bound.set(
      id,
      setInterval(
        () => this.push(ws, JSON.stringify(this.bundle(id, record, 'heartbeat'))),
        record.accepted.heartbeatSeconds * 1000,
      ),
    );
    this.push(ws, JSON.stringify(this.bundle(id, record, 'handshake')));
  }

  private refuse(ws: WebSocket, message: string, close = false): void {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(JSON.stringify(operationOutcome(close ? 'security' : 'invalid', message)));
    if (close) ws.close(1008, 'binding refused');
  }
}

function missing(id: string): { ok: false; status: number; outcome: ReturnType<typeof operationOutcome> } {
  return { ok: false, status: 404, outcome: operationOutcome('not-found', `No Subscription ${id}`) };
}
