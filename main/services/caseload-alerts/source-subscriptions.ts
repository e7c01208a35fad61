// One source's Subscription API (R5 Backport IG on R4), through the source's own SourceClient (its origin
// only, its token, bounded answers): discovery, Subscriptions filtered to the caseload, binding tokens,
// `$events` catch-up and `$status`, and the caseload's Patient ids and dissent.
import type { Consent, Resource } from '../../../common/fhir';
import { isObject, objectsIn, str, type JsonObject } from '../../../common/json';
import { NHS_NUMBER_SYSTEM } from '../../../common/nhs-number';
import { findDissent, type DissentFinding } from '../governance/dissent';
import { abortable, FetchFailure, readAllPages, type SourceClient } from '../http';
import { bannerName } from '../record/patient-identity';
import { readNotification, type Notification } from './notification';
import { filterTarget, type CaseloadTopic } from './topics';
import { checkWebsocketAddress } from './websocket-address';

const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
const REQUEST_TIMEOUT_MS = 30_000;
const SEARCH_TIMEOUT_MS = 60_000;
/** NHS numbers per search (a GET's address stays a few kilobytes). */
const SEARCH_CHUNK = 80;
/** Ids per search of entries an alert links to (each with its patient, so the address stays as short). */
const LINKED_CHUNK = 40;
/** The most identifiers one Subscription filter may name (the contract's limit). */
export const MAX_FILTER_IDENTIFIERS = 1_000;

export interface BindingToken {
  token: string;
  url: string;
  expiration?: string;
}

export interface CaseloadPatient {
  nhsNumber: string;
  name?: string;
  /** This source's Patient ids for the NHS number. */
  ids: string[];
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const identifiers = (nhsNumbers: readonly string[]) =>
  nhsNumbers.map((n) => `${NHS_NUMBER_SYSTEM}|${n}`).join(',');

/** The `Encounter?patient:identifier=…` filter of one topic for these patients. */
export function filterCriteria(topic: CaseloadTopic, nhsNumbers: readonly string[]): string {
  const { resourceType, parameter } = filterTarget(topic);
  return `${resourceType}?${parameter}=${identifiers(nhsNumbers)}`;
}

export function subscriptionResource(
  topic: CaseloadTopic,
  nhsNumbers: readonly string[],
  heartbeatSeconds: number,
): JsonObject {
  return {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'Caseload alerts (Wessex Care Record)',
    criteria: topic,
    _criteria: {
      extension: [
        { url: `${BACKPORT}/backport-filter-criteria`, valueString: filterCriteria(topic, nhsNumbers) },
      ],
    },
    channel: {
      type: 'websocket',
      payload: 'application/fhir+json',
      _payload: {
        extension: [{ url: `${BACKPORT}/backport-payload-content`, valueCode: 'full-resource' }],
      },
      extension: [{ url: `${BACKPORT}/backport-heartbeat-period`, valueUnsignedInt: heartbeatSeconds }],
    },
  };
}

function parameter(parameters: unknown, name: string): unknown {
  if (!isObject(parameters)) return undefined;
  const found = objectsIn(parameters.parameter).find((p) => p.name === name);
  if (!found) return undefined;
  for (const [key, v] of Object.entries(found)) if (key.startsWith('value')) return v;
  return undefined;
}

export class SourceSubscriptions {
  constructor(
    readonly client: SourceClient,
    readonly sourceId: string,
  ) {}

  get name(): string {
    return this.client.name;
  }

  private timeout(): { signal: AbortSignal } {
    return { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
  }

  async capability(): Promise<unknown> {
    return this.client.getJson(this.client.url('metadata'), this.timeout());
  }

  /** Creates one Subscription; returns its id. */
  async create(
    topic: CaseloadTopic,
    nhsNumbers: readonly string[],
    heartbeatSeconds: number,
  ): Promise<string> {
    const response = await this.client.send(this.client.url('Subscription'), {
      method: 'POST',
      body: JSON.stringify(subscriptionResource(topic, nhsNumbers, heartbeatSeconds)),
      contentType: 'application/fhir+json',
      ...this.timeout(),
    });
    if (response.status !== 201 && response.status !== 200) {
      throw new FetchFailure(
        'http',
        `refused the caseload subscription (HTTP ${response.status})`,
        response.status,
      );
    }
    const location = response.headers.location;
    const fromLocation = /Subscription\/([A-Za-z0-9\-.]{1,64})/.exec(String(location ?? ''))?.[1];
    let fromBody: string | undefined;
    try {
      const body: unknown = JSON.parse(response.body.toString('utf8'));
      fromBody = isObject(body) ? str(body.id) : undefined;
    } catch {
      fromBody = undefined;
    }
    const id = fromLocation ?? fromBody;
    if (!id || !/^[A-Za-z0-9\-.]{1,64}$/.test(id)) {
      throw new FetchFailure('malformed', 'created a subscription without saying where it is');
    }
    return id;
  }

  async delete(id: string): Promise<void> {
    await this.client.send(this.client.url(`Subscription/${id}`), { method: 'DELETE', ...this.timeout() });
  }

  async bindingToken(id: string): Promise<BindingToken> {
    const response = await this.client.send(this.client.url(`Subscription/${id}/$get-ws-binding-token`), {
      method: 'POST',
      body: JSON.stringify({ resourceType: 'Parameters' }),
      contentType: 'application/fhir+json',
      ...this.timeout(),
    });
    if (response.status !== 200) {
      throw new FetchFailure(
        'http',
        `gave no websocket binding token (HTTP ${response.status})`,
        response.status,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(response.body.toString('utf8'));
    } catch {
      throw new FetchFailure('malformed', 'sent a binding token answer that is not valid JSON');
    }
    const token = str(parameter(body, 'token'));
    if (!token || /\s/.test(token))
      throw new FetchFailure('malformed', 'sent a binding token answer without a token');
    const address = checkWebsocketAddress(parameter(body, 'websocket-url'), this.client.baseUrl);
    if (!address.ok) throw new FetchFailure('other-origin', address.problem);
    const expiration = str(parameter(body, 'expiration'));
    return { token, url: address.url, ...(expiration ? { expiration } : {}) };
  }

  /** Every event numbered from `from` to `to` (inclusive), as one notification. */
  async events(id: string, from: number, to: number): Promise<Notification> {
    const url = this.client.url(
      `Subscription/${id}/$events?eventsSinceNumber=${from}&eventsUntilNumber=${to}`,
    );
    return this.notificationAt(url);
  }

  async status(id: string): Promise<Notification> {
    return this.notificationAt(this.client.url(`Subscription/${id}/$status`));
  }

  private async notificationAt(url: string): Promise<Notification> {
    const read = readNotification(await this.client.getJson(url, this.timeout()));
    if (!read.ok)
      throw new FetchFailure(
        'malformed',
        `sent a subscription answer that could not be read: ${read.problem}`,
      );
    return read.notification;
  }

  /** The caseload's patients as this source holds them (ids to recognise events by; the source's name). */
  async patients(nhsNumbers: readonly string[]): Promise<CaseloadPatient[]> {
    const found = new Map<string, CaseloadPatient>();
    for (const chunk of chunks(nhsNumbers, SEARCH_CHUNK)) {
      await this.search(
        `Patient?identifier=${encodeURIComponent(identifiers(chunk))}`,
        'Patient',
        (patient) => {
          const nhs = objectsIn(patient.identifier).find((i) => i.system === NHS_NUMBER_SYSTEM);
          const nhsNumber = str(nhs?.value)?.replace(/\s/g, '');
          const id = str(patient.id);
          if (!nhsNumber || !id || !chunk.includes(nhsNumber)) return;
          const entry = found.get(nhsNumber) ?? { nhsNumber, ids: [] };
          entry.ids.push(id);
          entry.name ??= bannerName(patient);
          found.set(nhsNumber, entry);
        },
      );
    }
    return [...found.values()];
  }

  /**
   * Resources of this type by id, each of the patient given with it, as this source sends them (by id; one it
   * did not send is not in it). Each search names the patients its ids belong to, as every caseload search does:
   * whether an entry is truly that patient's is the caller's to check.
   */
  async byIds(
    type: string,
    wanted: readonly { id: string; patientId: string }[],
  ): Promise<Map<string, JsonObject>> {
    const found = new Map<string, JsonObject>();
    for (const chunk of chunks(wanted, LINKED_CHUNK)) {
      const ids = [...new Set(chunk.map((w) => w.id))];
      const patients = [...new Set(chunk.map((w) => `Patient/${w.patientId}`))];
      const query = `_id=${encodeURIComponent(ids.join(','))}&patient=${encodeURIComponent(patients.join(','))}`;
      await this.search(`${type}?${query}`, type, (resource) => {
        const id = str(resource.id);
        if (id && ids.includes(id)) found.set(id, resource);
      });
    }
    return found;
  }

  /**
   * What each patient's privacy Consents at this source decline (all sharing, or some codes), by NHS number;
   * a patient with none declines nothing.
   */
  async dissenting(patients: readonly CaseloadPatient[], now: Date): Promise<Map<string, DissentFinding>> {
    const nhsById = new Map(patients.flatMap((p) => p.ids.map((id) => [id, p.nhsNumber] as const)));
    const consents = new Map<string, Resource[]>();
    for (const chunk of chunks([...nhsById.keys()], SEARCH_CHUNK)) {
      const refs = chunk.map((id) => `Patient/${id}`).join(',');
      await this.search(`Consent?patient=${encodeURIComponent(refs)}`, 'Consent', (consent) => {
        const ref = isObject(consent.patient) ? str(consent.patient.reference) : undefined;
        const id = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(ref ?? '')?.[1];
        const nhs = id ? nhsById.get(id) : undefined;
        if (nhs) consents.set(nhs, [...(consents.get(nhs) ?? []), consent as unknown as Consent]);
      });
    }
    return new Map(patients.map((p) => [p.nhsNumber, findDissent(consents.get(p.nhsNumber) ?? [], now)]));
  }

  /** Every page of a search, each resource of `type` handed to `each`. */
  async search(path: string, type: string, each: (resource: JsonObject) => void): Promise<void> {
    // The long-lived client has no overall deadline: each search has its own, so a server that stops
    // answering shows as a problem instead of holding the watch.
    const reading = readAllPages(this.client, this.client.url(path), {
      pageCap: 200,
      priority: 'bulk',
      label: type,
      onPage: (resources) => {
        for (const r of resources) if (r.resourceType === type) each(r);
      },
    });
    reading.catch(() => undefined);
    const result = await abortable(reading, AbortSignal.timeout(SEARCH_TIMEOUT_MS)).catch(
      (error: unknown) => {
        if (error instanceof FetchFailure) throw error;
        throw new FetchFailure('timeout', `did not answer a ${type} search in time`);
      },
    );
    // Half an answer about who is on the caseload (or who dissented) is not an answer.
    if (result.incomplete) {
      throw new FetchFailure('http', `sent an incomplete ${type} search: ${result.warnings.join('; ')}`);
    }
  }
}
