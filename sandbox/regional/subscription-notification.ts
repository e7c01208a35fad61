// Backport R4 notification Bundles: `type: "history"`, the first entry a SubscriptionStatus Parameters, then
// the full focus resources (and the patient as additional context). A patient who dissented from sharing gets
// events with no resource at all: only the event number, the time and the patient's NHS number.
import { randomUUID } from 'node:crypto';
import type {
  Bundle,
  BundleEntry,
  Parameters,
  ParametersParameter,
  Patient,
  Resource,
} from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../regional-auth/claims';
import type { TopicUrl } from '../alerts/topics';

export type NotificationType =
  'handshake' | 'heartbeat' | 'event-notification' | 'query-status' | 'query-event';

/** One event as a Subscription's history keeps it. */
export interface TopicEvent {
  topic: TopicUrl;
  /** The resource as written (Encounter, DocumentReference or Patient). */
  focus: Resource;
  patientNhs: string;
  patient?: Patient;
  /** The patient dissented: the notification carries their NHS number only. */
  withheld: boolean;
  timestamp: string;
}

export interface NumberedEvent extends TopicEvent {
  eventNumber: number;
}

export interface NotificationContext {
  baseUrl: string;
  subscriptionId: string;
  topic: TopicUrl;
  status: 'requested' | 'active' | 'error' | 'off';
  eventsSinceStart: number;
}

export function notificationBundle(
  context: NotificationContext,
  type: NotificationType,
  events: readonly NumberedEvent[] = [],
): Bundle {
  const resourceEntries: BundleEntry[] = [];
  const seen = new Set<string>();
  const addEntry = (resource: Resource): string => {
    const url = fullUrl(context.baseUrl, resource);
    if (!seen.has(url)) {
      seen.add(url);
      resourceEntries.push({
        fullUrl: url,
        resource,
        request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
        response: { status: '200' },
      });
    }
    return url;
  };
  const eventParameters: ParametersParameter[] = events.map((event) => {
    const patientIdentifier = { system: NHS_NUMBER_SYSTEM, value: event.patientNhs };
    const part: ParametersParameter[] = [
      { name: 'event-number', valueString: String(event.eventNumber) },
      { name: 'timestamp', valueInstant: event.timestamp },
    ];
    if (event.withheld) {
      part.push({
        name: 'additional-context',
        valueReference: { type: 'Patient', identifier: patientIdentifier },
      });
    } else {
      part.push({ name: 'focus', valueReference: { reference: addEntry(event.focus) } });
      if (event.patient && event.focus.resourceType !== 'Patient') {
        part.push({
          name: 'additional-context',
          valueReference: { reference: addEntry(event.patient), identifier: patientIdentifier },
        });
      }
    }
    return { name: 'notification-event', part };
  });
  const status: Parameters = {
    resourceType: 'Parameters',
    meta: {
      profile: [
        'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4',
      ],
    },
    parameter: [
      {
        name: 'subscription',
        valueReference: { reference: `${context.baseUrl}/Subscription/${context.subscriptionId}` },
      },
      { name: 'topic', valueCanonical: context.topic },
      { name: 'status', valueCode: context.status },
      { name: 'type', valueCode: type },
      { name: 'events-since-subscription-start', valueString: String(context.eventsSinceStart) },
      ...eventParameters,
    ],
  };
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    type: 'history',
    timestamp: new Date().toISOString(),
    entry: [
      {
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: status,
        request: { method: 'GET', url: `Subscription/${context.subscriptionId}/$status` },
        response: { status: '200' },
      },
      ...resourceEntries,
    ],
  };
}

function fullUrl(baseUrl: string, resource: Resource): string {
  return `${baseUrl}/${resource.resourceType}/${resource.id ?? ''}`;
}
