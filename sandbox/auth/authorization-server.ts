// The sandbox SMART authorization server's logic, independent of HTTP: authorize (auto-approve, or a sign-in
// page that only a click completes when the client asks for prompt=login / max_age=0), token
// (authorization_code + PKCE S256, refresh_token with or without rotation, client_credentials +
// private_key_jwt), revocation (RFC 7009) and access-token verification. State lives in memory for the life
// of the sandbox.
import { jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { randomBytes } from 'node:crypto';
import { findSandboxUser, SANDBOX_USERS, type SandboxUser } from '../epr/users';
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
  /** Auto-approve even when the client asks for prompt=login / max_age=0 (a server that ignores them). */
  ignoreLoginPrompt: boolean;
  /** Issue a new refresh token on every refresh (false: a non-rotating server; the old one stays valid). */
  rotateRefreshTokens: boolean;
  /**
   * Every discovery read after the first advertises this token_endpoint instead (a server that lies to the
   * second reader: a client must exchange the code at the endpoint it validated, not a later copy's).
   */
  laterDiscoveryTokenEndpoint?: string;
  /** The RFC 9207 `iss` sent back with the authorization response (`null`: none sent). Default: the issuer. */
  authorizationResponseIss?: string | null;
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
  ignoreLoginPrompt: false,
  rotateRefreshTokens: true,
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
  /** When the user last signed in here with a password (seconds): the id_token's auth_time. */
  authTime: number;
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

/** An authorization request waiting on its sign-in page, by the page's single-use login id. */
interface PendingLogin {
  query: URLSearchParams;
  expiresAt: number;
}

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
const LOGIN_PAGE_LIFETIME_S = 600;
const LOOPBACK_CALLBACK = /^http:\/\/127\.0\.0\.1:\d{1,5}\/callback$/;
const SCHEME_CALLBACK = 'uk.nhs.wessexcarerecords://callback';

const token = (): string => randomBytes(32).toString('base64url');
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
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
  private readonly logins = new Map<string, PendingLogin>();
  private discoveryReads = 0;
  /** The sandbox's single sign-on: when each user last typed their password (seconds). */
  private readonly signedInAt = new Map<string, number>();
  /** Every token presented at the revocation endpoint, in order (a test API; the values are sandbox-only). */
  readonly revocations: { token: string; hint: string | null }[] = [];
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
    const lie = this.discoveryReads++ > 0 ? b.laterDiscoveryTokenEndpoint : undefined;
    return {
      issuer: this.options.issuer,
      authorization_endpoint: `${this.options.authBase}/authorize`,
      token_endpoint: lie ?? this.tokenEndpoint,
      jwks_uri: `${this.options.authBase}/jwks`,
      revocation_endpoint: `${this.options.authBase}/revoke`,
      authorization_response_iss_parameter_supported: true,
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
    const fail = (error: string, description: string) =>
      this.back(q, { error, error_description: description });

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
    const asksForLogin = (q.get('prompt') ?? '').split(/\s+/).includes('login') || q.get('max_age') === '0';
    if (b.requireInteractiveLogin || (asksForLogin && !b.ignoreLoginPrompt)) return this.loginPage(q);
    return this.approve(q);
  }

  /**
   * The sign-in page's form, posted back by a click: "Sign in" approves as the chosen user, who has just
   * typed their password (auth_time is now); "Cancel" answers access_denied. The login id is single use.
   */
  completeLogin(form: URLSearchParams): AuthorizeOutcome {
    const id = form.get('login') ?? '';
    const pending = this.logins.get(id);
    this.logins.delete(id);
    if (!pending || pending.expiresAt < this.nowS()) {
      return { kind: 'page', status: 400, html: '<h1>This sign-in page has expired. Start again.</h1>' };
    }
    if (form.has('cancel')) {
      return this.back(pending.query, { error: 'access_denied', error_description: 'The user cancelled' });
    }
    const userKey = findSandboxUser(form.get('user') ?? '')?.key;
    if (!userKey)
      return this.back(pending.query, { error: 'access_denied', error_description: 'Unknown user' });
    this.signedInAt.set(userKey, this.nowS());
    return this.approve(pending.query, userKey);
  }

  /** The redirect back to the client, with `state` and (RFC 9207) `iss` on success and error alike. */
  private back(q: URLSearchParams, params: Record<string, string>): AuthorizeOutcome {
    const url = new URL(q.get('redirect_uri') ?? '');
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const state = q.get('state');
    if (state !== null) url.searchParams.set('state', state);
    const iss = this.options.behaviour.authorizationResponseIss;
    if (iss !== null) url.searchParams.set('iss', iss ?? this.options.issuer);
    return { kind: 'redirect', location: url.toString() };
  }

  private loginPage(q: URLSearchParams): AuthorizeOutcome {
    const id = token();
    this.logins.set(id, { query: new URLSearchParams(q), expiresAt: this.nowS() + LOGIN_PAGE_LIFETIME_S });
    const hinted = findSandboxUser(q.get('login_hint') ?? q.get('user') ?? '')?.key;
    const options = SANDBOX_USERS.map(
      (u) =>
        `<option value="${u.key}"${u.key === hinted ? ' selected' : ''}>${escapeHtml(
          `${u.practitioner.name?.[0]?.given?.[0] ?? ''} ${u.practitioner.name?.[0]?.family ?? ''} (${u.nrbac.roleName})`,
        )}</option>`,
    ).join('');
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in - sandbox EPR</title></head>
<body><main>
<h1>Sign in to the sandbox EPR</h1>
<form method="post" action="${escapeHtml(`${this.options.authBase}/authorize`)}">
<input type="hidden" name="login" value="${id}">
<p><label for="user">Who is signing in</label>
<select id="user" name="user">${options}</select></p>
<p><label for="password">Password (any, sandbox only)</label>
<input id="password" name="password" type="password" autocomplete="off"></p>
<button type="submit" name="signin" value="1">Sign in</button>
<button type="submit" name="cancel" value="1">Cancel</button>
</form>
</main></body></html>`;
    return { kind: 'page', status: 200, html };
  }

  /** Issues the code. `loggedIn`: the user who has just signed in on the page, else auto-approval (SSO). */
  private approve(q: URLSearchParams, loggedIn?: string): AuthorizeOutcome {
    const fail = (error: string, description: string) =>
      this.back(q, { error, error_description: description });
    const b = this.options.behaviour;
    const requested = (q.get('scope') ?? '').split(/\s+/).filter(Boolean);
    let grant: Omit<Grant, 'clientId' | 'scopes' | 'authTime'>;
    let scopesGranted: string[] | undefined;
    const launch = q.get('launch');
    if (launch !== null) {
      const context = this.launches.get(launch);
      if (!context) return fail('invalid_request', 'Unknown launch value');
      if (!requested.includes('launch')) return fail('invalid_scope', 'An EHR launch needs the launch scope');
      grant = {
        userKey: loggedIn ?? context.userKey,
        patientId: context.patientId,
        encounterId: context.encounterId,
      };
      scopesGranted = context.scopesGranted;
    } else {
      const userKey = loggedIn ?? findSandboxUser(q.get('user') ?? 'paramedic')?.key;
      if (!userKey) return fail('invalid_request', 'Unknown sandbox user');
      const patientId = requested.includes('launch/patient')
        ? this.options.resolveStandalonePatient(q.get('patient'))
        : undefined;
      grant = { userKey, patientId };
    }
    // Single sign-on: an auto-approved request carries the time the user last typed a password.
    const authTime = this.signedInAt.get(grant.userKey) ?? this.nowS();
    if (!this.signedInAt.has(grant.userKey)) this.signedInAt.set(grant.userKey, authTime);
    const scopes = scopesGranted ?? requested.filter((s) => !b.withheldScopes.includes(s));
    const code = token();
    this.codes.set(code, {
      ...grant,
      authTime,
      clientId: q.get('client_id') ?? '',
      scopes,
      redirectUri: q.get('redirect_uri') ?? '',
      codeChallenge: q.get('code_challenge') ?? '',
      expiresAt: this.nowS() + CODE_LIFETIME_S,
    });
    return this.back(q, { code });
  }

  /**
   * RFC 7009: the token stops working whatever it was (an unknown token is not an error). A refresh token
   * ends the user's whole session at that client, as Keycloak's revocation does: every refresh token issued to
   * the same user and client (a second sign-in through the same browser shares the session) stops working.
   */
  revoke(form: URLSearchParams): TokenOutcome {
    const presented = form.get('token');
    if (!presented) return err(400, 'invalid_request', 'token is required');
    const record = this.refreshTokens.get(presented);
    // A token is revoked only by the client it was issued to (a public client names itself).
    if (record && form.get('client_id') !== record.clientId) {
      return err(401, 'invalid_client', 'The token was not issued to this client');
    }
    this.revocations.push({ token: presented, hint: form.get('token_type_hint') });
    if (record) {
      for (const other of this.refreshTokens.values())
        if (other.userKey === record.userKey && other.clientId === record.clientId)
          this.revokedFamilies.add(other.family);
    }
    return { status: 200, body: {} };
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
    if (record.used && this.options.behaviour.rotateRefreshTokens) {
      // Reuse of a rotated token means it may have leaked: end the whole family.
      this.revokedFamilies.add(record.family);
      return err(400, 'invalid_grant', 'Refresh token has already been used');
    }
    if (form.get('client_id') !== null && form.get('client_id') !== record.clientId) {
      return err(401, 'invalid_client', 'client_id mismatch');
    }
    const { family, used: _u, ...grant } = record;
    if (!this.options.behaviour.rotateRefreshTokens) {
      // A non-rotating server: the same refresh token goes on working, and no new one is issued.
      return { status: 200, body: await this.tokenResponse(grant, family, false, false) };
    }
    record.used = true;
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
    withRefreshToken = true,
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
    const refreshable = grant.scopes.includes('offline_access') || grant.scopes.includes('online_access');
    if (withRefreshToken && refreshable) {
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
      auth_time: grant.authTime,
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
