// Kept out of sandbox/regional/ (which is bundled with the FHIR engine, loaded only when a sandbox starts) so the
// sandbox's public constants can be imported without it.
// The caseload-alert topics a regional server offers (issue 18, R5 Backport IG on R4): their canonical URLs,
// the CapabilityStatement extensions that advertise them, and the same topics as Basic resources (code
// SubscriptionTopic), which is how an R4 server without the SubscriptionTopic type can serve them.
import type { Basic, Extension } from '@medplum/fhirtypes';

const TOPIC_BASE = 'https://fhir.wessexcarerecords.nhs.uk/SubscriptionTopic';
export const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
export const TOPIC_CANONICAL_EXTENSION = `${BACKPORT}/capabilitystatement-subscriptiontopic-canonical`;

export const TOPICS = {
  encounterStart: `${TOPIC_BASE}/encounter-start`,
  encounterEnd: `${TOPIC_BASE}/encounter-end`,
  documentNew: `${TOPIC_BASE}/document-new`,
  patientDeath: `${TOPIC_BASE}/patient-death`,
} as const;
export type TopicUrl = (typeof TOPICS)[keyof typeof TOPICS];

/** The type of the discharge letters the sandbox files (SNOMED CT, UK edition). */
export const DISCHARGE_LETTER_TYPE = {
  system: 'http://snomed.info/sct',
  code: '823701000000103',
  display: 'Discharge letter',
} as const;

interface TopicDefinition {
  url: TopicUrl;
  id: string;
  title: string;
  /** The resource type the topic's events are about (its focus) and so its filter criteria name. */
  resourceType: 'Encounter' | 'DocumentReference' | 'Patient';
  description: string;
}

export const TOPIC_DEFINITIONS: readonly TopicDefinition[] = [
  {
    url: TOPICS.encounterStart,
    id: 'encounter-start',
    title: 'Encounter start',
    resourceType: 'Encounter',
    description:
      'An Encounter is created or moves to in-progress or arrived: class IMP is an admission, EMER an ED arrival.',
  },
  {
    url: TOPICS.encounterEnd,
    id: 'encounter-end',
    title: 'Encounter end',
    resourceType: 'Encounter',
    description: 'An Encounter moves to finished: a discharge, or leaving the emergency department.',
  },
  {
    url: TOPICS.documentNew,
    id: 'document-new',
    title: 'New document',
    resourceType: 'DocumentReference',
    description: 'A DocumentReference is created, e.g. a discharge letter.',
  },
  {
    url: TOPICS.patientDeath,
    id: 'patient-death',
    title: 'Death notification',
    resourceType: 'Patient',
    description: 'A Patient gains deceasedDateTime or deceasedBoolean true.',
  },
];

export function topicDefinition(url: string): TopicDefinition | undefined {
  return TOPIC_DEFINITIONS.find((t) => t.url === url);
}

/** One extension per topic, for the CapabilityStatement's `rest.resource` entry for Subscription. */
export function topicCanonicalExtensions(): Extension[] {
  return TOPIC_DEFINITIONS.map((t) => ({ url: TOPIC_CANONICAL_EXTENSION, valueCanonical: t.url }));
}

/** The topics as Basic resources (code SubscriptionTopic), for `GET {base}/Basic?code=SubscriptionTopic`. */
export function topicBasics(): Basic[] {
  return TOPIC_DEFINITIONS.map((t) => ({
    resourceType: 'Basic',
    id: `topic-${t.id}`,
    code: { coding: [{ system: 'http://hl7.org/fhir/fhir-types', code: 'SubscriptionTopic' }] },
    extension: [
      { url: `${BACKPORT}/subscriptiontopic-url`, valueUri: t.url },
      { url: `${BACKPORT}/subscriptiontopic-title`, valueString: t.title },
      { url: `${BACKPORT}/subscriptiontopic-resource-trigger`, valueUri: t.resourceType },
      { url: `${BACKPORT}/subscriptiontopic-description`, valueMarkdown: t.description },
    ],
  }));
}
