// The sandbox resource servers' (DCR, CHIE, locator, audit endpoint) bearer-token check, policy and audit.
// - With a regional verifier set, a regional access token (regional-auth/) is verified for the server's own
//   base URL, the regional policy (access-policy.ts) is enforced, and the request is audited as that user.
// - Without one, auth is off (requests are still audited, with no user).
// Every request a server decides on is appended to `auditEvents`: allowed '0', refused '4', bad token '8'.
import type { AuditEvent } from '../../common/fhir';
import { boundNhsNumber, type RegionalAccessClaims } from '../regional-auth/claims';
import type { RegionalTokenVerifier } from '../regional-auth/verify';
import {
  ACCESS_REFUSAL_SYSTEM,
  isCaseloadSearch,
  refusalFor,
  type AccessRequest,
  type RefusalCode,
} from './access-policy';
import type { SandboxRequest, SandboxResponse } from './loopback-server';
import { operationOutcome } from './outcome';
import { serverAuditEvent, type ServerAuditInput } from './server-audit';

export interface ResourceServerAuth {
  regional?: RegionalTokenVerifier;
}

const REFUSAL_TEXT: Record<RefusalCode, string> = {
  'purpose-not-permitted': 'The purpose of use in the token does not permit this request',
  'role-not-permitted': "The user's role does not permit this request",
  'patient-not-in-token': 'The request is about a patient the token is not bound to',
  'patient-dissent': 'The patient has dissented from sharing their record',
};

export function accessRefusal(code: RefusalCode): SandboxResponse {
  return {
    status: 403,
    body: {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'forbidden',
          details: { coding: [{ system: ACCESS_REFUSAL_SYSTEM, code }] },
          diagnostics: REFUSAL_TEXT[code],
        },
      ],
    },
  };
}

function invalidToken(presented: boolean): SandboxResponse {
  return {
    status: 401,
    body: operationOutcome(
      'login',
      presented ? 'Access token is invalid, expired or not for this server' : 'Bearer token required',
    ),
    headers: {
      'WWW-Authenticate': presented
        ? 'Bearer realm="wessex-sandbox", error="invalid_token"'
        : 'Bearer realm="wessex-sandbox"',
    },
  };
}

/** The most server-side AuditEvents held (a long-running sandbox drops the oldest half past this). */
const MAX_AUDIT_EVENTS_HELD = 20_000;

type Caller = { kind: 'open' } | { kind: 'user'; claims: RegionalAccessClaims };

/** One resource server's token check, policy and server-side audit. */
export class AccessGuard {
  readonly auditEvents: AuditEvent[] = [];
  /** The regional token each request let through was, for what the answer may hold. */
  private readonly allowed = new WeakMap<SandboxRequest, RegionalAccessClaims>();
  auth: ResourceServerAuth = {};

  constructor(
    private readonly observer: string,
    private readonly audience: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return Boolean(this.auth.regional);
  }

  setAuth(auth: ResourceServerAuth): void {
    this.auth = auth;
  }

  /**
   * The refusal (401 or 403) for this request, or undefined when it may go on. `describe` says what the request
   * is about; it is asked only for a regional token.
   */
  async check(
    req: SandboxRequest,
    describe: () => Promise<AccessRequest>,
  ): Promise<SandboxResponse | undefined> {
    const caller = await this.authenticate(req);
    if (!caller) {
      this.record(req, { outcome: '8' });
      return invalidToken(/^Bearer\s+\S+$/i.test(req.headers.authorization ?? ''));
    }
    if (caller.kind === 'open') {
      this.record(req, { outcome: '0' });
      return undefined;
    }
    const { claims } = caller;
    const request = await describe();
    const refusal = await refusalFor(claims, request);
    const named = request.patients.filter((p): p is string => p !== null);
    const bound = boundNhsNumber(claims);
    const patients = [...new Set(named.length === 0 && bound ? [bound] : named)];
    this.record(req, {
      outcome: refusal ? '4' : '0',
      claims,
      patients,
      ...(refusal ? { refusal } : {}),
      ...(request.auditAsQuery || (bound === undefined && isCaseloadSearch(request)) ? { query: true } : {}),
    });
    if (refusal) return accessRefusal(refusal);
    this.allowed.set(req, claims);
    return undefined;
  }

  /** The regional token a request was let through with (undefined: auth off). */
  claimsOf(req: SandboxRequest): RegionalAccessClaims | undefined {
    return this.allowed.get(req);
  }

  private record(
    req: SandboxRequest,
    entry: Pick<ServerAuditInput, 'outcome' | 'claims' | 'caller' | 'refusal' | 'query'> & {
      patients?: string[];
    },
  ): void {
    if (this.auditEvents.length >= MAX_AUDIT_EVENTS_HELD)
      this.auditEvents.splice(0, MAX_AUDIT_EVENTS_HELD / 2);
    this.auditEvents.push(
      serverAuditEvent({
        observer: this.observer,
        method: req.method,
        resourceType: req.segments[0],
        recorded: new Date(this.now()),
        ...entry,
        patients: entry.patients ?? [],
      }),
    );
  }

  private async authenticate(req: SandboxRequest): Promise<Caller | undefined> {
    const { regional } = this.auth;
    if (!regional) return { kind: 'open' };
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return undefined;
    const claims = await regional(token, this.audience()).catch(() => undefined);
    return claims ? { kind: 'user', claims } : undefined;
  }
}
