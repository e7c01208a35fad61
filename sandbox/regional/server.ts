// A regional shared-care-record FHIR server (Dorset Care Record or CHIE) on loopback: medplum's engine for
// search and read, `_count` paging with absolute next links, optional Patient/$everything and bearer auth with
// the regional access policy and a server-side audit (../http/bearer-auth.ts).
import '../fhir/websocket-shim';
import { getStatus, isOperationOutcome } from '@medplum/core';
import type { Binary, Bundle, Resource } from '../../common/fhir';
import { FhirStore } from '../fhir/store';
import {
  LoopbackServer,
  type LoopbackTransportOptions,
  type SandboxRequest,
  type SandboxResponse,
} from '../http/loopback-server';
import { AccessGuard, type ResourceServerAuth } from '../http/bearer-auth';
import type { RegionalTokenVerifier } from '../regional-auth/verify';
import type { AuditEvent } from '../../common/fhir';
import { describeRegionalRequest, hasDissented, nhsOfResourceSubject } from './access-request';
import { boundNhsNumber } from '../regional-auth/claims';

import { operationOutcome } from '../http/outcome';
import { capabilityStatement } from './capability';
import { ClinicalEvents, SOURCE_HOSPITALS, type ClinicalEventOptions } from './clinical-events';
import { SubscriptionHub, type HubResult } from './subscription-hub';
import { acceptSubscription } from './subscription-filter';
import { reachingSearchParam } from './search-reach';
import { topicBasics } from '../alerts/topics';
import type { AccessRequest } from '../http/access-policy';
import type { DocumentReference, Encounter, Patient } from '../../common/fhir';

/** What a caseload search may return that is about a patient's care (their Consent is how dissent is known). */
const CASELOAD_CLINICAL_TYPES = new Set([
  'Encounter',
  'DocumentReference',
  'Condition',
  'Procedure',
  'Observation',
]);
const DEFAULT_COUNT = 100;
const MAX_COUNT = 1000;

export interface RegionalServerOptions extends LoopbackTransportOptions {
  id: string;
  name: string;
  everything: boolean;
  /** Clock (ms) for token expiry and audit times. */
  now?: () => number;
  /** Topic-based Subscriptions for caseload alerts (default true); false: none advertised or served. */
  subscriptions?: boolean;
}

export class RegionalServer extends LoopbackServer {
  readonly store = new FhirStore();
  private readonly regional: RegionalServerOptions;
  private readonly guard: AccessGuard;
  /** Subscriptions and their event history; absent when the server has no subscription support. */
  readonly subscriptions: SubscriptionHub | undefined;
  private readonly clinical: ClinicalEvents;
  private nhsNumberOf: (patientKeyOrNhs: string) => string = requireNhsNumber;

  constructor(options: RegionalServerOptions) {
    super({ ...options, basePath: '/fhir' });
    this.regional = { ...options };
    this.guard = new AccessGuard(options.name, () => this.baseUrl, options.now);
    if (options.subscriptions !== false) {
      this.subscriptions = new SubscriptionHub(() => this.baseUrl, {
        ...(options.now ? { now: options.now } : {}),
        latencyMs: () => this.injectedLatencyMs,
      });
      this.subscriptions.attach(this.httpServer);
    }
    this.clinical = new ClinicalEvents(
      this.store,
      SOURCE_HOSPITALS[options.id] ?? SOURCE_HOSPITALS.dcr!,
      options.name,
      (p) => this.nhsNumberOf(p),
      () => this.subscriptions,
      () => this.baseUrl,
    );
  }

  /** How the test API finds a patient given by sandbox key (an NHS number always works). */
  setPatientKeys(keys: ReadonlyMap<string, string>): void {
    this.nhsNumberOf = (p) => keys.get(p) ?? requireNhsNumber(p);
  }

  // Test API (issue 18): each writes realistic resources and fires the topics to matching Subscriptions.
  admit(patient: string, options?: ClinicalEventOptions): Promise<Encounter> {
    return this.clinical.admit(patient, options);
  }

  sendToEd(patient: string, options?: ClinicalEventOptions): Promise<Encounter> {
    return this.clinical.sendToEd(patient, options);
  }

  discharge(patient: string, options?: ClinicalEventOptions): Promise<Encounter> {
    return this.clinical.discharge(patient, options);
  }

  addLetter(patient: string, options?: ClinicalEventOptions): Promise<DocumentReference> {
    return this.clinical.addLetter(patient, options);
  }

  recordDeath(patient: string, options?: ClinicalEventOptions): Promise<Patient> {
    return this.clinical.recordDeath(patient, options);
  }

  // Fault hooks for the subscription channel (restart() — close and listen again, state kept — is inherited).
  dropWebsockets(): void {
    this.subscriptions?.dropConnections();
  }

  expireBindingTokens(): void {
    this.subscriptions?.expireBindingTokens();
  }

  duplicateNextEvent(): void {
    this.subscriptions?.duplicateNextEvent();
  }

  reorderNextTwoEvents(): void {
    this.subscriptions?.reorderNextTwoEvents();
  }

  override async close(): Promise<void> {
    this.subscriptions?.close();
    await super.close();
  }

  /** Every request this server decided on (allowed '0', refused '4', invalid token '8'), in order. */
  get auditEvents(): AuditEvent[] {
    return this.guard.auditEvents;
  }

  clearAuditEvents(): void {
    this.guard.auditEvents.length = 0;
  }

  /** Stores a new version of a resource now (its meta.lastUpdated moves on). */
  updateResource(resource: Resource): Promise<Resource> {
    return this.store.update(resource);
  }

  deleteResource(resourceType: string, id: string): Promise<void> {
    return this.store.delete(resourceType, id);
  }

  readResource(resourceType: string, id: string): Promise<Resource> {
    return this.store.read(resourceType, id);
  }

  /** Sets every part of the token check at once (see ../http/bearer-auth.ts). */
  setAuth(auth: ResourceServerAuth): void {
    this.guard.setAuth(auth);
  }

  /** Require regional access tokens (verified for this server's base URL) and enforce the regional policy. */
  setRegionalVerifier(verify: RegionalTokenVerifier | undefined): void {
    this.guard.auth = { ...this.guard.auth, regional: verify };
  }

  get auth(): ResourceServerAuth {
    return this.guard.auth;
  }

  protected override async route(req: SandboxRequest): Promise<SandboxResponse> {
    const [type, id, operation, ...rest] = req.segments;
    if (req.method === 'GET' && type === 'metadata' && !id) {
      return {
        status: 200,
        body: capabilityStatement({
          name: this.name,
          baseUrl: this.baseUrl,
          everything: this.regional.everything,
          smart: this.guard.enabled,
          subscriptions: Boolean(this.subscriptions),
        }),
      };
    }
    if (
      req.method === 'GET' &&
      type === 'Basic' &&
      !id &&
      req.url.searchParams.get('code') === 'SubscriptionTopic'
    ) {
      // Topic discovery is published like the capability statement: it is about no patient.
      return this.page(req, this.subscriptions ? topicBasics() : []);
    }
    // Everything but discovery is checked and audited, even what is then refused as unsupported.
    const denied = await this.guard.check(req, () =>
      type === 'Subscription'
        ? describeSubscriptionRequest(req, this.subscriptions)
        : describeRegionalRequest(this.store, req),
    );
    if (denied) return denied;
    if (type === 'Subscription') return this.subscriptionRoute(req);
    const reaching = this.guard.enabled ? reachingSearchParam(req.url.searchParams) : undefined;
    if (reaching) {
      return {
        status: 400,
        body: operationOutcome(
          'not-supported',
          `${reaching} is not supported here: it would reach past the patients the access token names`,
        ),
      };
    }
    if (req.method !== 'GET') {
      return {
        status: 405,
        body: operationOutcome('not-supported', `${req.method} is not supported here (read-only)`),
      };
    }
    try {
      if (!type || rest.length) return notFound(req.url.pathname);
      if (operation === '$everything' && type === 'Patient' && id) {
        if (!this.regional.everything) {
          return {
            status: 404,
            body: operationOutcome('not-supported', 'Patient/$everything is not supported by this server'),
          };
        }
        return this.page(req, await this.store.everything(id, listParam(req, '_type')));
      }
      if (operation) return notFound(req.url.pathname);
      if (id) return await this.read(req, type, id);
      const found = await this.store.search(type, query(req));
      return this.page(req, await this.withoutDissentersForCaseload(req, type, found));
    } catch (error) {
      // medplum may be loaded twice (CJS + ESM), so recognise its OperationOutcomeError by shape, not class.
      const outcome = (error as { outcome?: unknown } | undefined)?.outcome;
      if (isOperationOutcome(outcome)) return { status: getStatus(outcome), body: outcome };
      throw error;
    }
  }

  /**
   * A caseload search (a token bound to no one patient, naming many) leaves out the clinical entries of
   * patients who dissented from sharing, as their Subscription notifications do; break-glass is per patient.
   */
  private async withoutDissentersForCaseload(
    req: SandboxRequest,
    type: string,
    found: Resource[],
  ): Promise<Resource[]> {
    const claims = this.guard.claimsOf(req);
    if (!claims || boundNhsNumber(claims) !== undefined || !CASELOAD_CLINICAL_TYPES.has(type)) return found;
    // Asked once per patient: a caseload's entries are many per patient.
    const dissentOf = new Map<string, Promise<boolean>>();
    const dissented = (nhs: string | null): Promise<boolean> => {
      if (!nhs) return Promise.resolve(true);
      if (!dissentOf.has(nhs)) dissentOf.set(nhs, hasDissented(this.store, nhs));
      return dissentOf.get(nhs)!;
    };
    const kept: Resource[] = [];
    for (const resource of found) {
      const patients = await nhsOfResourceSubject(this.store, type, resource.id ?? '');
      if (!(await Promise.all(patients.map(dissented))).includes(true)) kept.push(resource);
    }
    return kept;
  }

  private subscriptionRoute(req: SandboxRequest): SandboxResponse {
    const hub = this.subscriptions;
    if (!hub) {
      return {
        status: 404,
        body: operationOutcome('not-supported', `${this.name} does not support Subscriptions`),
      };
    }
    const [, id, operation, ...rest] = req.segments;
    const { method } = req;
    if (rest.length) return notFound(req.url.pathname);
    if (!id && method === 'POST') {
      const created = hub.create(req.body, this.guard.claimsOf(req)?.sub ?? null);
      return created.ok
        ? {
            status: 201,
            body: created.value,
            headers: { Location: `${this.baseUrl}/Subscription/${created.value.id}` },
          }
        : hubFailure(created);
    }
    if (!id) return notAllowed(method);
    if (!operation) {
      if (method === 'GET') return hubAnswer(hub.read(id));
      if (method === 'DELETE') {
        const deleted = hub.delete(id);
        return deleted.ok ? { status: 204 } : hubFailure(deleted);
      }
      return notAllowed(method);
    }
    if (operation === '$get-ws-binding-token' && (method === 'GET' || method === 'POST'))
      return hubAnswer(hub.bindingToken(id));
    if (operation === '$status' && method === 'GET') return hubAnswer(hub.status(id));
    if (operation === '$events' && method === 'GET') {
      const since = eventNumberParam(req, 'eventsSinceNumber');
      const until = eventNumberParam(req, 'eventsUntilNumber');
      if (since === null || until === null) {
        return {
          status: 400,
          body: operationOutcome(
            'invalid',
            'eventsSinceNumber and eventsUntilNumber must be whole numbers from 1',
          ),
        };
      }
      return hubAnswer(hub.events(id, since, until));
    }
    return notFound(req.url.pathname);
  }

  private async read(req: SandboxRequest, type: string, id: string): Promise<SandboxResponse> {
    const resource = await this.store.read(type, id);
    const accept = req.headers.accept ?? '';
    if (resource.resourceType === 'Binary' && accept && !/json|\*\/\*/.test(accept)) {
      const binary = resource as Binary;
      return { status: 200, body: Buffer.from(binary.data ?? '', 'base64'), contentType: binary.contentType };
    }
    return { status: 200, body: resource };
  }

  private page(req: SandboxRequest, matches: Resource[]): SandboxResponse {
    const countParam = req.url.searchParams.get('_count');
    const offsetParam = req.url.searchParams.get('_offset');
    const count = countParam === null ? DEFAULT_COUNT : Number(countParam);
    const offset = offsetParam === null ? 0 : Number(offsetParam);
    if (!Number.isInteger(count) || count < 0 || !Number.isInteger(offset) || offset < 0) {
      return {
        status: 400,
        body: operationOutcome('invalid', '_count and _offset must be non-negative integers'),
      };
    }
    const size = Math.min(count, MAX_COUNT);
    const summaryCount = req.url.searchParams.get('_summary') === 'count';
    const slice = summaryCount ? [] : matches.slice(offset, offset + size);
    const self = new URL(req.url.pathname + req.url.search, this.origin);
    const link: NonNullable<Bundle['link']> = [{ relation: 'self', url: self.toString() }];
    if (!summaryCount && size > 0 && offset + size < matches.length) {
      const next = new URL(self);
      next.searchParams.set('_count', String(size));
      next.searchParams.set('_offset', String(offset + size));
      link.push({ relation: 'next', url: next.toString() });
    }
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matches.length,
      link,
      entry: slice.map((resource) => ({
        fullUrl: `${this.baseUrl}/${resource.resourceType}/${resource.id}`,
        resource,
        search: { mode: 'match' },
      })),
    };
    return { status: 200, body: bundle };
  }
}

/** The NHS number a test-API call names (a sandbox key needs `setPatientKeys`). */
function requireNhsNumber(patient: string): string {
  if (/^\d{10}$/.test(patient.replace(/\s/g, ''))) return patient.replace(/\s/g, '');
  throw new Error(`"${patient}" is neither a sandbox patient key nor an NHS number`);
}

/**
 * For the access policy and audit: a Subscription's creation names the patients its filter names; a request
 * on an existing one says whose it is (only its creator may read, delete, bind to or catch up on it).
 */
async function describeSubscriptionRequest(
  req: SandboxRequest,
  hub: SubscriptionHub | undefined,
): Promise<AccessRequest> {
  const [, id] = req.segments;
  const creation = req.method === 'POST' && !id;
  const checked = creation ? acceptSubscription(req.body) : undefined;
  const patients = checked?.ok ? [...checked.accepted.nhsNumbers] : [];
  const owner = id ? hub?.ownerOf(id) : undefined;
  return {
    service: 'clinical',
    resourceType: 'Subscription',
    interaction: req.method === 'GET' ? 'read' : 'write',
    patients,
    dissented: () => Promise.resolve(false),
    ...(creation ? { auditAsQuery: true } : {}),
    ...(owner !== undefined ? { subscriptionOwner: owner } : {}),
  };
}

function hubAnswer<T extends Resource>(result: HubResult<T>): SandboxResponse {
  return result.ok ? { status: 200, body: result.value } : hubFailure(result);
}

function hubFailure(result: { status: number; outcome: Resource }): SandboxResponse {
  return { status: result.status, body: result.outcome };
}

function notAllowed(method: string): SandboxResponse {
  return { status: 405, body: operationOutcome('not-supported', `${method} is not supported here`) };
}

/** undefined when absent, null when not a whole number from 1. */
function eventNumberParam(req: SandboxRequest, name: string): number | undefined | null {
  const raw = req.url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  const value = Number(raw);
  return Number.isInteger(value) && value >= 1 ? value : null;
}

function notFound(path: string): SandboxResponse {
  return { status: 404, body: operationOutcome('not-found', `Unknown path ${path}`) };
}

/** `patient:identifier` / `subject:identifier`, as NHS clients write "the patient with this NHS number". */
const IDENTIFIER_OF_PATIENT = /^(patient|subject):identifier$/;

function query(req: SandboxRequest): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(req.url.searchParams.keys())) {
    const values = req.url.searchParams.getAll(key);
    // The FHIR engine reads `:identifier` as Reference.identifier only; the chained form finds the patient
    // whatever the reference carries (seeded records reference the patient by id alone).
    const name = IDENTIFIER_OF_PATIENT.test(key) ? key.replace(':', '.') : key;
    out[name] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return out;
}

function listParam(req: SandboxRequest, name: string): string[] | undefined {
  const v = req.url.searchParams.get(name);
  return v ? v.split(',').map((s) => s.trim()) : undefined;
}
