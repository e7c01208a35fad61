// A regional shared-care-record FHIR server (Dorset Care Record or CHIE) on loopback: medplum's engine for
// search and read, `_count` paging with absolute next links, optional Patient/$everything and bearer auth with
// the regional access policy and a server-side audit (../http/bearer-auth.ts).
import '../fhir/websocket-shim';
import { getStatus, isOperationOutcome } from '@medplum/core';
import type { Binary, Bundle, Resource } from '../../common/fhir';
import { FhirStore } from '../fhir/store';
import { LoopbackServer, type SandboxRequest, type SandboxResponse } from '../http/loopback-server';
import { AccessGuard, type ResourceServerAuth } from '../http/bearer-auth';
import type { RegionalTokenVerifier } from '../regional-auth/verify';
import type { AuditEvent } from '../../common/fhir';
import { describeRegionalRequest } from './access-request';
import { operationOutcome } from '../http/outcome';
import { capabilityStatement } from './capability';

const DEFAULT_COUNT = 100;
const MAX_COUNT = 1000;

export interface RegionalServerOptions {
  id: string;
  name: string;
  host: string;
  port?: number;
  everything: boolean;
  latencyMs?: number;
  otherOrigin?: () => string | undefined;
  /** Clock (ms) for token expiry and audit times. */
  now?: () => number;
}

export class RegionalServer extends LoopbackServer {
  readonly store = new FhirStore();
  private readonly regional: RegionalServerOptions;
  private readonly guard: AccessGuard;

  constructor(options: RegionalServerOptions) {
    super({ ...options, basePath: '/fhir' });
    this.regional = { ...options };
    this.guard = new AccessGuard(options.name, () => this.baseUrl, options.now);
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
        }),
      };
    }
    // Everything but the capability statement is checked and audited, even what is then refused as unsupported.
    const denied = await this.guard.check(req, () => describeRegionalRequest(this.store, req));
    if (denied) return denied;
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
      return this.page(req, await this.store.search(type, query(req)));
    } catch (error) {
      // medplum may be loaded twice (CJS + ESM), so recognise its OperationOutcomeError by shape, not class.
      const outcome = (error as { outcome?: unknown } | undefined)?.outcome;
      if (isOperationOutcome(outcome)) return { status: getStatus(outcome), body: outcome };
      throw error;
    }
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

function notFound(path: string): SandboxResponse {
  return { status: 404, body: operationOutcome('not-found', `Unknown path ${path}`) };
}

function query(req: SandboxRequest): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(req.url.searchParams.keys())) {
    const values = req.url.searchParams.getAll(key);
    out[key] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return out;
}

function listParam(req: SandboxRequest, name: string): string[] | undefined {
  const v = req.url.searchParams.get(name);
  return v ? v.split(',').map((s) => s.trim()) : undefined;
}
