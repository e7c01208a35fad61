// Which caseload topics a source offers (R5 Backport IG discovery): the CapabilityStatement's Subscription
// resource entry carries one `capabilitystatement-subscriptiontopic-canonical` extension per topic. A source
// that names none of ours has no subscription support, and is polled instead.
import { isObject, objectsIn, str } from '../../../common/json';

const TOPIC_BASE = 'https://fhir.wessexcarerecords.nhs.uk/SubscriptionTopic';

export const CASELOAD_TOPICS = {
  encounterStart: `${TOPIC_BASE}/encounter-start`,
  encounterEnd: `${TOPIC_BASE}/encounter-end`,
  documentNew: `${TOPIC_BASE}/document-new`,
  patientDeath: `${TOPIC_BASE}/patient-death`,
} as const;

export type CaseloadTopic = (typeof CASELOAD_TOPICS)[keyof typeof CASELOAD_TOPICS];

const KNOWN = new Set<string>(Object.values(CASELOAD_TOPICS));

export const TOPIC_CANONICAL_EXTENSION =
  'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical';

export function isCaseloadTopic(value: unknown): value is CaseloadTopic {
  return typeof value === 'string' && KNOWN.has(value);
}

/** The caseload topics a CapabilityStatement advertises (empty: no subscription support, poll instead). */
export function advertisedTopics(capability: unknown): CaseloadTopic[] {
  if (!isObject(capability)) return [];
  const found = new Set<CaseloadTopic>();
  for (const rest of objectsIn(capability.rest)) {
    for (const resource of objectsIn(rest.resource)) {
      if (resource.type !== 'Subscription') continue;
      for (const ext of objectsIn(resource.extension)) {
        const canonical = str(ext.valueCanonical);
        if (ext.url === TOPIC_CANONICAL_EXTENSION && isCaseloadTopic(canonical)) found.add(canonical);
      }
    }
  }
  return [...found];
}

/** The resource type a topic's filter is written on, and the search parameter naming the patient. */
export function filterTarget(topic: CaseloadTopic): { resourceType: string; parameter: string } {
  switch (topic) {
    case CASELOAD_TOPICS.encounterStart:
    case CASELOAD_TOPICS.encounterEnd:
      return { resourceType: 'Encounter', parameter: 'patient:identifier' };
    case CASELOAD_TOPICS.documentNew:
      return { resourceType: 'DocumentReference', parameter: 'patient:identifier' };
    case CASELOAD_TOPICS.patientDeath:
      return { resourceType: 'Patient', parameter: 'identifier' };
  }
}
