// The sandbox SMART authorization server's logic, independent of HTTP: authorize (auto-approve), token
// (authorization_code + PKCE S256, refresh_token with rotation, client_credentials + private_key_jwt) and
// access-token verification. State lives in memory for the life of the sandbox.
import { jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { randomBytes } from 'node:crypto';
import { findSandboxUser, type SandboxUser } from '../epr/users';
import { BackendClientRegistry, CLIENT_ASSERTION_TYPE } from './backend-clients';
import { verifyS256 } from './pkce';
import { SIGNING_ALG, type SigningKey } from './signing-key';

/** Misbehaviour switches for negative tests; mutable while the server runs. */
export interface SandboxAuthBehaviour {
  /** Advertise S256 in code_challenge_methods_supported (false: a server a hardened client must refuse). */
  advertiseS256: boolean;
  /** Advertise permission-v2 (false: clients fall back to v1 scopes). */
  advertisePermissionV2: boolean;
  /** Answer every authorize request with this OAuth error in the callback (e.g. "access_denied"). */
  authorizeError?: string;
  /** Show a login page instead of auto-approving (a server headless mode cannot get through). */
  requireInteractiveLogin: boolean;
  accessTokenLifetimeSeconds: number;
  /** Requested scopes the server never grants (e.g. ["offline_access"]). */
  withheldScopes: string[];
  /** Add the NHS CIS2 `nhsid_nrbac_roles` claim to id_tokens. */
  includeNrbacRoles: boolean;
}

export const defaultBehaviour = (): SandboxAuthBehaviour => ({
  advertiseS256: true,
  advertisePermissionV2: true,
  requireInteractiveLogin: false,
  accessTokenLifetimeSeconds: 3600,
  withheldScopes: [],
  includeNrbacRoles: true,
});

export interface EhrLaunchContext {
  patientId: string;
  userKey: string;
  encounterId?: string;
  /** When set, exactly these scopes are granted (a partial grant), whatever was requested. */
  scopesGranted?: string[];
}

interface Grant {
  clientId: string;
  scopes: string[];
  userKey: string;
  patientId?: string;
  encounterId?: string;
}

interface PendingCode extends Grant {
  redirectUri: string;
  codeChallenge: string;
  expiresAt: number;
}

interface RefreshRecord extends Grant {
  family: string;
  used: boolean;
}

export interface AccessTokenClaims extends JWTPayload {
  scope: string;
  client_id: string;
  patient?: string;
}

export type AuthorizeOutcome =
  { kind: 'redirect'; location: string } | { kind: 'page'; status: number; html: string };

export interface TokenOutcome {
  status: number;
  body: Record<string, unknown>;
}

export interface AuthorizationServerOptions {
  issuer: string;
  authBase: string;
  signingKey: SigningKey;
  nowMs: () => number;
  behaviour: SandboxAuthBehaviour;
  publicClientIds: string[];
  /** Patient id for a standalone launch: `patient` (key or id) when given, else the first patient. */
  resolveStandalonePatient: (requested: string | null) => string | undefined;
}

const CODE_LIFETIME_S = 60;
const LOOPBACK_CALLBACK = /^http:\/\/127\.0\.0\.1:\d{1,5}\/callback$/;
const SCHEME_CALLBACK = 'uk.nhs.wessexcarerecords://callback';

const token = (): string => randomBytes(32).toString('base64url');
const err = (status: number, error: string, description: string): TokenOutcome => ({
  status,
  body: { error, error_description: description },
});

export class SandboxAuthorizationServer {
  private readonly launches = new Map<string, EhrLaunchContext>();
  private readonly codes = new Map<string, PendingCode>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  private readonly revokedFamilies = new Set<string>();
  private readonly audiences = new Set<string>();
  readonly backendClients: BackendClientRegistry;

  constructor(private readonly options: AuthorizationServerOptions) {
    this.backendClients = new BackendClientRegistry(() => this.nowS());
  }

  get tokenEndpoint(): string {
    return `${this.options.authBase}/token`;
  }

  private nowS(): number {
    return Math.floor(this.options.nowMs() / 1000);
  }

  smartConfiguration(): Record<string, unknown> {
    const b = this.options.behaviour;
    return {
      issuer: this.options.issuer,
      authorization_endpoint: `${this.options.authBase}/authorize`,
      token_endpoint: this.tokenEndpoint,
      jwks_uri: `${this.options.authBase}/jwks`,
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['ES384', 'RS384'],
      scopes_supported: ['openid', 'fhirUser', 'launch', 'launch/patient', 'offline_access', 'patient/*.rs'],
      response_types_supported: ['code'],
      code_challenge_methods_supported: b.advertiseS256 ? ['S256'] : [],
      capabilities: [
        'launch-ehr',
        'launch-standalone',
        'context-ehr-patient',
        'context-ehr-encounter',
        'context-standalone-patient',
        'context-banner',
        'client-public',
        'client-confidential-asymmetric',
        'sso-openid-connect',
        ...(b.advertisePermissionV2 ? ['permission-v2'] : []),
        'permission-v1',
        'permission-patient',
        'permission-user',
        'permission-offline',
      ],
    };
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.options.signingKey.publicJwk] };
  }

  createLaunch(context: EhrLaunchContext): string {
    const launch = token();
    this.launches.set(launch, context);
    return launch;
  }

  allowAudience(audience: string): void {
    this.audiences.add(audience);
  }

  registerBackendClient(clientId: string, publicJwk: JWK): void {
    this.backendClients.register(clientId, publicJwk);
  }

  /** Every refresh token issued so far stops working (e.g. the user's session was ended in the EPR). */
  revokeAllRefreshTokens(): void {
    for (const record of this.refreshTokens.values()) this.revokedFamilies.add(record.family);
  }

  authorize(q: URLSearchParams): AuthorizeOutcome {
    const clientId = q.get('client_id') ?? '';
    const redirectUri = q.get('redirect_uri') ?? '';
    const knownRedirect = redirectUri === SCHEME_CALLBACK || LOOPBACK_CALLBACK.test(redirectUri);
    if (!this.options.publicClientIds.includes(clientId) || !knownRedirect) {
      return { kind: 'page', status: 400, html: '<h1>Unknown client or redirect URI</h1>' };
    }
    const state = q.get('state');
    const back = (params: Record<string, string>): AuthorizeOutcome => {
      const url = new URL(redirectUri);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      if (state !== null) url.searchParams.set('state', state);
      return { kind: 'redirect', location: url.toString() };
    };
    const fail = (error: string, description: string) => back({ error, error_description: description });

    const b = this.options.behaviour;
    if (b.authorizeError) return fail(b.authorizeError, 'The sandbox was told to refuse this request');
    if (q.get('response_type') !== 'code')
      return fail('unsupported_response_type', 'response_type must be code');
    if (q.get('aud') !== this.options.issuer)
      return fail('invalid_request', "aud must be this server's FHIR base");
    const challenge = q.get('code_challenge') ?? '';
    if (q.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
      return fail('invalid_request', 'PKCE with code_challenge_method=S256 is required');
    }
    const requested = (q.get('scope') ?? '').split(/\s+/).filter(Boolean);
    if (b.requireInteractiveLogin) {
      return { kind: 'page', status: 200, html: '<form><h1>Sign in to the sandbox EPR</h1></form>' };
    }

    let grant: Omit<Grant, 'clientId' | 'scopes'>;
    let scopesGranted: string[] | undefined;
    const launch = q.get('launch');
    if (launch !== null) {
      const context = this.launches.get(launch);
      if (!context) return fail('invalid_request', 'Unknown launch value');
      if (!requested.includes('launch')) return fail('invalid_scope', 'An EHR launch needs the launch scope');
      grant = { userKey: context.userKey, patientId: context.patientId, encounterId: context.encounterId };
      scopesGranted = context.scopesGranted;
    } else {
      const userKey = findSandboxUser(q.get('user') ?? 'paramedic')?.key;
      if (!userKey) return fail('invalid_request', 'Unknown sandbox user');
      const patientId = requested.includes('launch/patient')
        ? this.options.resolveStandalonePatient(q.get('patient'))
        : undefined;
      grant = { userKey, patientId };
    }
    const scopes = scopesGranted ?? requested.filter((s) => !b.withheldScopes.includes(s));
    const code = token();
    this.codes.set(code, {
      ...grant,
      clientId,
      scopes,
      redirectUri,
      codeChallenge: challenge,
      expiresAt: this.nowS() + CODE_LIFETIME_S,
    });
    return back({ code });
  }

  async token(form: URLSearchParams): Promise<TokenOutcome> {
    switch (form.get('grant_type')) {
      case 'authorization_code':
        return this.redeemCode(form);
      case 'refresh_token':
        return this.redeemRefreshToken(form);
      case 'client_credentials':
        return this.clientCredentials(form);
      default:
        return err(400, 'unsupported_grant_type', 'Unsupported grant_type');
    }
  }

  private async redeemCode(form: URLSearchParams): Promise<TokenOutcome> {
    const code = form.get('code') ?? '';
    const pending = this.codes.get(code);
    this.codes.delete(code); // single use, whatever happens next
    if (!pending || pending.expiresAt < this.nowS()) {
      return err(400, 'invalid_grant', 'Authorization code is unknown, expired or already used');
    }
    if (form.get('client_id') !== pending.clientId) return err(401, 'invalid_client', 'client_id mismatch');
    if (form.get('redirect_uri') !== pending.redirectUri) {
      return err(400, 'invalid_grant', 'redirect_uri does not match the authorization request');
    }
    if (!verifyS256(form.get('code_verifier') ?? '', pending.codeChallenge)) {
      return err(
        400,
        'invalid_grant',
        'PKCE verification failed: code_verifier does not match code_challenge',
      );
    }
    const { redirectUri: _r, codeChallenge: _c, expiresAt: _e, ...grant } = pending;
    return { status: 200, body: await this.tokenResponse(grant, token(), true) };
  }

  private async redeemRefreshToken(form: URLSearchParams): Promise<TokenOutcome> {
    const presented = form.get('refresh_token') ?? '';
    const record = this.refreshTokens.get(presented);
    if (!record || this.revokedFamilies.has(record.family)) {
      return err(400, 'invalid_grant', 'Refresh token is unknown or has been revoked');
    }
    if (record.used) {
      // Reuse of a rotated token means it may have leaked: end the whole family.
      this.revokedFamilies.add(record.family);
      return err(400, 'invalid_grant', 'Refresh token has already been used');
    }
    if (form.get('client_id') !== null && form.get('client_id') !== record.clientId) {
      return err(401, 'invalid_client', 'client_id mismatch');
    }
    record.used = true;
    const { family, used: _u, ...grant } = record;
    return { status: 200, body: await this.tokenResponse(grant, family, false) };
  }

  private async clientCredentials(form: URLSearchParams): Promise<TokenOutcome> {
    if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE) {
      return err(400, 'invalid_client', 'private_key_jwt client authentication is required');
    }
    const verified = await this.backendClients.verify(form.get('client_assertion') ?? '', this.tokenEndpoint);
    if ('error' in verified) return err(401, 'invalid_client', verified.error);
    const scopes = (form.get('scope') ?? '').split(/\s+/).filter((s) => s.startsWith('system/'));
    if (scopes.length === 0) return err(400, 'invalid_scope', 'Only system/ scopes may be requested');
    const audience = form.get('aud') ?? form.get('resource') ?? '';
    if (!this.audiences.has(audience)) return err(400, 'invalid_target', 'Unknown audience');
    const lifetime = this.options.behaviour.accessTokenLifetimeSeconds;
    const accessToken = await this.sign(
      { scope: scopes.join(' '), client_id: verified.clientId },
      audience,
      verified.clientId,
      lifetime,
    );
    return {
      status: 200,
      body: {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: lifetime,
        scope: scopes.join(' '),
      },
    };
  }

  private async tokenResponse(
    grant: Grant,
    family: string,
    withIdToken: boolean,
  ): Promise<Record<string, unknown>> {
    const user = findSandboxUser(grant.userKey) as SandboxUser;
    const lifetime = this.options.behaviour.accessTokenLifetimeSeconds;
    const scope = grant.scopes.join(' ');
    const claims: Record<string, unknown> = { scope, client_id: grant.clientId };
    if (grant.patientId) claims.patient = grant.patientId;
    const body: Record<string, unknown> = {
      access_token: await this.sign(claims, this.options.issuer, user.role.id, lifetime),
      token_type: 'Bearer',
      expires_in: lifetime,
      scope,
      need_patient_banner: true,
    };
    if (grant.patientId) body.patient = grant.patientId;
    if (grant.encounterId) body.encounter = grant.encounterId;
    if (withIdToken && grant.scopes.includes('openid')) body.id_token = await this.idToken(grant, user);
    if (grant.scopes.includes('offline_access') || grant.scopes.includes('online_access')) {
      const refresh = token();
      this.refreshTokens.set(refresh, { ...grant, family, used: false });
      body.refresh_token = refresh;
    }
    return body;
  }

  private async idToken(grant: Grant, user: SandboxUser): Promise<string> {
    const claims: Record<string, unknown> = {
      fhirUser: `${this.options.issuer}/PractitionerRole/${user.role.id}`,
      name: user.practitioner.name?.[0]?.family,
    };
    if (this.options.behaviour.includeNrbacRoles) {
      claims.nhsid_nrbac_roles = [
        {
          person_orgid: `${user.key}-org`,
          person_roleid: `${user.key}-role`,
          org_code: user.nrbac.orgCode,
          role_name: user.nrbac.roleName,
          role_code: user.nrbac.roleCode,
        },
      ];
    }
    return this.sign(claims, grant.clientId, user.role.id, 3600);
  }

  private sign(
    claims: Record<string, unknown>,
    audience: string,
    subject: string,
    lifetimeS: number,
  ): Promise<string> {
    const now = this.nowS();
    return new SignJWT(claims)
      .setProtectedHeader({ alg: SIGNING_ALG, kid: this.options.signingKey.kid, typ: 'JWT' })
      .setIssuer(this.options.issuer)
      .setAudience(audience)
      .setSubject(subject)
      .setIssuedAt(now)
      .setExpirationTime(now + lifetimeS)
      .setJti(token())
      .sign(this.options.signingKey.privateKey);
  }

  /** The token's claims when it was signed here, is unexpired and its `aud` is exactly `audience`. */
  async verifyAccessToken(accessToken: string, audience: string): Promise<AccessTokenClaims | undefined> {
    try {
      const { payload } = await jwtVerify(accessToken, this.options.signingKey.publicKey, {
        issuer: this.options.issuer,
        currentDate: new Date(this.options.nowMs()),
        clockTolerance: 0,
        requiredClaims: ['exp', 'aud'],
      });
      if (payload.aud !== audience || typeof payload.scope !== 'string') return undefined;
      return payload as AccessTokenClaims;
    } catch {
      return undefined;
    }
  }
}
