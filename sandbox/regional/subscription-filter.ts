// A Subscription as the sandbox accepts it (R4 Backport): the topic, the patients its filter names, the
// heartbeat period and the payload, read from the client's resource, or the reason it cannot be accepted.
import type { Subscription } from '@medplum/fhirtypes';
import { NHS_NUMBER_SYSTEM } from '../regional-auth/claims';
import { BACKPORT, topicDefinition, type TopicUrl } from '../alerts/topics';

export const FILTER_CRITERIA_EXTENSION = `${BACKPORT}/backport-filter-criteria`;
export const HEARTBEAT_EXTENSION = `${BACKPORT}/backport-heartbeat-period`;
export const PAYLOAD_CONTENT_EXTENSION = `${BACKPORT}/backport-payload-content`;
export const MAX_FILTER_IDENTIFIERS = 1000;
const DEFAULT_HEARTBEAT_SECONDS = 60;

/** The search parameter each focus type is filtered by, as the contract writes it. */
const FILTER_PARAMS: Record<string, string[]> = {
  Encounter: ['patient:identifier', 'subject:identifier'],
  DocumentReference: ['patient:identifier', 'subject:identifier'],
  Patient: ['identifier'],
};

export interface AcceptedSubscription {
  topic: TopicUrl;
  /** NHS numbers the filter names (a Subscription must name its patients: none means no one, not everyone). */
  nhsNumbers: Set<string>;
  heartbeatSeconds: number;
}

export type SubscriptionCheck = { ok: true; accepted: AcceptedSubscription } | { ok: false; problem: string };

export function acceptSubscription(body: unknown): SubscriptionCheck {
  const sub = body as Partial<Subscription> | undefined;
  if (!sub || typeof sub !== 'object' || sub.resourceType !== 'Subscription')
    return { ok: false, problem: 'The body must be a Subscription resource' };
  const topic = topicDefinition(typeof sub.criteria === 'string' ? sub.criteria : '');
  if (!topic)
    return { ok: false, problem: 'criteria must be the canonical URL of a topic this server offers' };
  if (sub.channel?.type !== 'websocket')
    return { ok: false, problem: 'Only the websocket channel is supported (channel.type "websocket")' };
  if (sub.channel.payload !== undefined && sub.channel.payload !== 'application/fhir+json')
    return { ok: false, problem: 'channel.payload must be application/fhir+json' };
  const content = (
    sub.channel as { _payload?: { extension?: { url: string; valueCode?: string }[] } }
  )._payload?.extension?.find((e) => e.url === PAYLOAD_CONTENT_EXTENSION)?.valueCode;
  if (content !== undefined && content !== 'full-resource')
    return { ok: false, problem: 'Only full-resource payloads are supported' };
  const heartbeat = sub.channel.extension?.find((e) => e.url === HEARTBEAT_EXTENSION)?.valueUnsignedInt;
  if (heartbeat !== undefined && (!Number.isInteger(heartbeat) || heartbeat < 1))
    return { ok: false, problem: 'The heartbeat period must be a whole number of seconds, at least 1' };

  const filter = (
    sub as { _criteria?: { extension?: { url: string; valueString?: string }[] } }
  )._criteria?.extension?.find((e) => e.url === FILTER_CRITERIA_EXTENSION)?.valueString;
  if (filter === undefined)
    return {
      ok: false,
      problem: 'The Subscription must name its patients in a backport-filter-criteria filter',
    };
  const parsed = parseFilter(filter, topic.resourceType);
  if ('problem' in parsed) return { ok: false, problem: parsed.problem };
  return {
    ok: true,
    accepted: {
      topic: topic.url,
      nhsNumbers: parsed.nhs,
      heartbeatSeconds: heartbeat ?? DEFAULT_HEARTBEAT_SECONDS,
    },
  };
}

/** `Encounter?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018,...` → the NHS numbers. */
function parseFilter(filter: string, resourceType: string): { nhs: Set<string> } | { problem: string } {
  const [type, query = ''] = filter.split('?', 2);
  if (type !== resourceType) return { problem: `The filter must be on ${resourceType} for this topic` };
  const nhs = new Set<string>();
  for (const [name, value] of new URLSearchParams(query)) {
    if (!FILTER_PARAMS[resourceType]?.includes(name))
      return { problem: `The filter may use only ${FILTER_PARAMS[resourceType]?.join(' or ')}` };
    for (const token of value.split(',')) {
      const [system, number] = token.split('|');
      if (system !== NHS_NUMBER_SYSTEM || !number || !/^\d{10}$/.test(number))
        return { problem: `Each filter value must be ${NHS_NUMBER_SYSTEM}|<10-digit NHS number>` };
      nhs.add(number);
    }
  }
  if (nhs.size === 0) return { problem: 'The filter names no patient' };
  if (nhs.size > MAX_FILTER_IDENTIFIERS)
    return { problem: `The filter may name at most ${MAX_FILTER_IDENTIFIERS} patients` };
  return { nhs };
}
