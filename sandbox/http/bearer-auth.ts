// The sandbox resource servers' (DCR, CHIE, locator, audit endpoint) bearer-token check, policy and audit.
// - With a regional verifier set, a regional access token (regional-auth/) is verified for the server's own
//   base URL, the regional policy (access-policy.ts) is enforced, and the request is audited as that user.
// - TRANSITION: with a legacy verifier set, today's EPR-issued SMART Backend Services tokens are accepted too,
//   with no user and none of the policy (as before). This goes when the client is switched to token exchange
//   (branch feat-txc): then `acceptLegacyBackendTokens` and the legacy verifier are removed.
// - With neither set, auth is off (requests are still audited, with no user).
// Every request a server decides on is appended to `auditEvents`: allowed '0', refused '4', bad token '8'.
import type { AuditEvent } from '../../common/fhir';
import { boundNhsNumber, type RegionalAccessClaims } from '../regional-auth/claims';
import type { RegionalTokenVerifier } from '../regional-auth/verify';
import { ACCESS_REFUSAL_SYSTEM, refusalFor, type AccessRequest, type RefusalCode } from './access-policy';
import type { SandboxRequest, SandboxResponse } from './loopback-server';
import { operationOutcome } from './outcome';
import { serverAuditEvent, type ServerAuditInput } from './server-audit';

/** Whether a bearer token is valid for this audience (the server's base URL): the legacy, user-less check. */
export type TokenVerifier = (bearer: string, audience: string) => Promise<boolean>;

export interface ResourceServerAuth {
  regional?: RegionalTokenVerifier;
  /** TRANSITION (goes when the client uses token exchange): EPR backend-services tokens, no policy. */
  legacy?: TokenVerifier;
  /** TRANSITION (goes with `legacy`): a request with no token passes, with no policy (the locator was open). */
  legacyAnonymous?: boolean;
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

type Caller =
  { kind: 'open' } | { kind: 'legacy'; caller: string } | { kind: 'user'; claims: RegionalAccessClaims };

/** One resource server's token check, policy and server-side audit. */
export class AccessGuard {
  readonly auditEvents: AuditEvent[] = [];
  auth: ResourceServerAuth = {};

  constructor(
    private readonly observer: string,
    private readonly audience: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return Boolean(this.auth.regional || this.auth.legacy);
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
    if (caller.kind !== 'user') {
      this.record(req, { outcome: '0', ...(caller.kind === 'legacy' ? { caller: caller.caller } : {}) });
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
      ...(request.auditAsQuery ? { query: true } : {}),
    });
    return refusal ? accessRefusal(refusal) : undefined;
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
    const { regional, legacy, legacyAnonymous } = this.auth;
    if (!regional && !legacy) return { kind: 'open' };
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return legacyAnonymous ? { kind: 'legacy', caller: 'no token (transition)' } : undefined;
    const audience = this.audience();
    const claims = regional ? await regional(token, audience).catch(() => undefined) : undefined;
    if (claims) return { kind: 'user', claims };
    if (legacy && (await legacy(token, audience).catch(() => false))) {
      return { kind: 'legacy', caller: 'EPR backend-services client' };
    }
    return undefined;
  }
}
