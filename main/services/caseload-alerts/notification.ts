// Reading an R4 Backport notification Bundle (a websocket message, or a `$events` answer): the
// SubscriptionStatus Parameters first, then the focus resources. Read loosely and defensively: a message
// that is not a notification comes back as a problem in plain words, never as a throw.
import { isObject, objectsIn, str, type JsonObject } from '../../../common/json';
import { NHS_NUMBER_SYSTEM } from '../../../common/nhs-number';

export type NotificationType =
  'handshake' | 'heartbeat' | 'event-notification' | 'query-status' | 'query-event';

export interface NotifiedEvent {
  eventNumber: number;
  /** When the server says the event happened. */
  timestamp?: string;
  /** "Encounter/123" (relative), as the status names it. */
  focusReference?: string;
  /** The full focus resource, when the bundle carried it. */
  focus?: JsonObject;
  /**
   * The patient's NHS number from `additional-context` (a Patient reference with its identifier): all a
   * server sends, without a focus, about a patient who declined to share their record.
   */
  patientNhsNumber?: string;
}

export interface Notification {
  type: NotificationType;
  /** "Subscription/abc" → "abc". */
  subscriptionId?: string;
  topic?: string;
  status?: string;
  eventsSinceStart?: number;
  events: NotifiedEvent[];
}

export type NotificationRead = { ok: true; notification: Notification } | { ok: false; problem: string };

const TYPES = new Set<string>([
  'handshake',
  'heartbeat',
  'event-notification',
  'query-status',
  'query-event',
]);

function value(part: JsonObject): unknown {
  for (const [key, v] of Object.entries(part)) if (key.startsWith('value')) return v;
  return undefined;
}

function count(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function nhsIdentifier(reference: unknown): string | undefined {
  const identifier = isObject(reference) ? reference.identifier : undefined;
  if (!isObject(identifier) || identifier.system !== NHS_NUMBER_SYSTEM) return undefined;
  const nhs = str(identifier.value)?.replace(/\s/g, '');
  return nhs && /^\d{10}$/.test(nhs) ? nhs : undefined;
}

function referenceOf(v: unknown): string | undefined {
  return isObject(v) ? str(v.reference) : str(v);
}

/** "https://x/fhir/Encounter/1", "Encounter/1", "Encounter/1/_history/2" → "Encounter/1". */
export function relativeReference(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(ref);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

export function readNotification(data: unknown): NotificationRead {
  if (!isObject(data) || data.resourceType !== 'Bundle') {
    return { ok: false, problem: 'the message is not a FHIR Bundle' };
  }
  const entries = objectsIn(data.entry);
  const status = entries[0]?.resource;
  if (!isObject(status) || status.resourceType !== 'Parameters') {
    return { ok: false, problem: 'the notification has no SubscriptionStatus' };
  }
  const params = objectsIn(status.parameter);
  const named = (name: string) => params.find((p) => p.name === name);
  const type = str(value(named('type') ?? {}));
  if (!type || !TYPES.has(type)) return { ok: false, problem: 'the notification has no known type' };

  const resources = new Map<string, JsonObject>();
  for (const entry of entries.slice(1)) {
    const resource = entry.resource;
    if (!isObject(resource)) continue;
    const key =
      relativeReference(str(entry.fullUrl)) ??
      (str(resource.resourceType) && str(resource.id)
        ? `${resource.resourceType}/${resource.id}`
        : undefined);
    if (key) resources.set(key, resource);
  }

  const events: NotifiedEvent[] = [];
  for (const param of params.filter((p) => p.name === 'notification-event')) {
    const parts = objectsIn(param.part);
    const part = (name: string) => parts.find((p) => p.name === name);
    const eventNumber = count(value(part('event-number') ?? {}));
    if (eventNumber === undefined) continue;
    const focusReference = relativeReference(referenceOf(value(part('focus') ?? {})));
    const timestamp = str(value(part('timestamp') ?? {}));
    const focus = focusReference ? resources.get(focusReference) : undefined;
    const patientNhsNumber = parts
      .filter((p) => p.name === 'additional-context')
      .map((p) => nhsIdentifier(value(p)))
      .find(Boolean);
    events.push({
      ...(patientNhsNumber ? { patientNhsNumber } : {}),
      eventNumber,
      ...(timestamp ? { timestamp } : {}),
      ...(focusReference ? { focusReference } : {}),
      ...(focus ? { focus } : {}),
    });
  }
  const subscription = relativeReference(referenceOf(value(named('subscription') ?? {})));
  const topic = str(value(named('topic') ?? {}));
  const statusCode = str(value(named('status') ?? {}));
  const since = count(value(named('events-since-subscription-start') ?? {}));
  return {
    ok: true,
    notification: {
      type: type as NotificationType,
      ...(subscription?.startsWith('Subscription/')
        ? { subscriptionId: subscription.slice('Subscription/'.length) }
        : {}),
      ...(topic ? { topic } : {}),
      ...(statusCode ? { status: statusCode } : {}),
      ...(since !== undefined ? { eventsSinceStart: since } : {}),
      events,
    },
  };
}
