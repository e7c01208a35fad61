// NRL-style record locator: DocumentReference pointers searched by NHS number (`subject:identifier`, and
// optionally type). With auth on it takes regional access tokens and enforces the regional policy (purpose,
// role, the patient binding; it holds no Consent, so dissent is the regional sources' to apply), and audits
// every request (../http/bearer-auth.ts).
import type { AuditEvent, Bundle, DocumentReference } from '../../common/fhir';
import { AccessGuard, type ResourceServerAuth } from '../http/bearer-auth';
import type { AccessRequest } from '../http/access-policy';
import {
  LoopbackServer,
  type LoopbackTransportOptions,
  type SandboxRequest,
  type SandboxResponse,
} from '../http/loopback-server';
import { operationOutcome } from '../http/outcome';
import type { RegionalTokenVerifier } from '../regional-auth/verify';

const NHS_NUMBER = 'https://fhir.nhs.uk/Id/nhs-number';

export interface LocatorServerOptions extends LoopbackTransportOptions {
  /** Clock (ms) for token expiry and audit times. */
  now?: () => number;
}

export class LocatorServer extends LoopbackServer {
  private pointers: DocumentReference[] = [];
  private readonly guard: AccessGuard;

  constructor(options: LocatorServerOptions) {
    super({ ...options, id: 'locator', name: 'Wessex record locator', basePath: '/record-locator/FHIR/R4' });
    this.guard = new AccessGuard(this.name, () => this.baseUrl, options.now);
  }

  /** Every request this server decided on (allowed '0', refused '4', invalid token '8'), in order. */
  get auditEvents(): AuditEvent[] {
    return this.guard.auditEvents;
  }

  clearAuditEvents(): void {
    this.guard.auditEvents.length = 0;
  }

  /** Sets every part of the token check at once (see ../http/bearer-auth.ts). */
  setAuth(auth: ResourceServerAuth): void {
    this.guard.setAuth(auth);
  }

  /** Require regional access tokens (verified for this server's base URL) and enforce the regional policy. */
  setRegionalVerifier(verify: RegionalTokenVerifier | undefined): void {
    this.guard.auth = { ...this.guard.auth, regional: verify };
  }

  load(pointers: DocumentReference[]): void {
    this.pointers = [...this.pointers, ...pointers];
  }

  protected override async route(req: SandboxRequest): Promise<SandboxResponse> {
    const [type, id, ...rest] = req.segments;
    const denied = await this.guard.check(req, async () => this.describe(req, id));
    if (denied) return denied;
    if (req.method !== 'GET')
      return { status: 405, body: operationOutcome('not-supported', 'The locator is read-only') };
    if (type !== 'DocumentReference' || rest.length) {
      return { status: 404, body: operationOutcome('not-found', 'Only DocumentReference is served here') };
    }
    if (id) {
      const found = this.pointers.find((p) => p.id === id);
      return found
        ? { status: 200, body: found }
        : { status: 404, body: operationOutcome('not-found', `DocumentReference/${id} not found`) };
    }
    const nhs = searchedNhsNumber(req);
    if (!nhs) {
      return {
        status: 400,
        body: operationOutcome(
          'invalid',
          `subject:identifier=${NHS_NUMBER}|<10-digit NHS number> is required`,
        ),
      };
    }
    const typeFilter = req.url.searchParams.get('type')?.split(',');
    const matches = this.pointers.filter(
      (p) =>
        p.subject?.identifier?.value === nhs &&
        (!typeFilter ||
          typeFilter.some((t) => {
            const [s, c] = t.includes('|') ? t.split('|') : [undefined, t];
            return p.type?.coding?.some((coding) => coding.code === c && (!s || coding.system === s));
          })),
    );
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matches.length,
      link: [{ relation: 'self', url: new URL(req.url.pathname + req.url.search, this.origin).toString() }],
      entry: matches.map((resource) => ({
        fullUrl: `${this.baseUrl}/DocumentReference/${resource.id}`,
        resource,
        search: { mode: 'match' },
      })),
    };
    return { status: 200, body: bundle };
  }

  private describe(req: SandboxRequest, id: string | undefined): AccessRequest {
    const nhs = id
      ? (this.pointers.find((p) => p.id === id)?.subject?.identifier?.value ?? null)
      : (searchedNhsNumber(req) ?? null);
    return {
      service: 'clinical',
      resourceType: req.segments[0],
      interaction: req.method !== 'GET' ? 'write' : id ? 'read' : 'search',
      patients: [nhs],
      dissented: async () => false,
    };
  }
}

function searchedNhsNumber(req: SandboxRequest): string | undefined {
  const subject =
    req.url.searchParams.get('subject:identifier') ?? req.url.searchParams.get('subject.identifier');
  const [system, nhs] = (subject ?? '').split('|');
  return system === NHS_NUMBER && nhs && /^\d{10}$/.test(nhs) ? nhs : undefined;
}
