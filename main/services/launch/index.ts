// SMART on FHIR launch (EHR and standalone), SMART App Launch 2.2 + RFC 8252, for a desktop app.
//
// fhirclient behaviours we override, and why (for the issue resolution)
// ---------------------------------------------------------------------
// fhirclient (2.6.3) builds the authorization request and the token request body here (./fhirclient-bridge.ts,
// through a minimal in-memory Adapter: its NodeAdapter needs an HTTP request/response pair, a web-server idea a
// desktop app launched by URI scheme does not have). Everything else it would do is replaced:
//  1. Weak default state: authorize() uses randomString(16) (16 chars of [A-Za-z0-9], ~95 bits) unless given a
//     stateKey. We pass our own: crypto.randomBytes(32) as base64url (256 bits).
//  2. ready() is not used. It accepts a callback with no `state` (falls back to the last key in its storage),
//     never deletes the state (a callback can be replayed), has no expiry, and treats "no code" as "already
//     authorized". ./pending-authorizations.ts requires state, makes it single use, expires it after 10 min
//     and binds it to this launch (iss, launch, PKCE verifier, redirect URI); missing/unknown/replayed/expired
//     each get their own message. The state is matched before an `error` parameter is believed, so a forged
//     callback cannot put text on screen.
//  3. PKCE silently skipped: with the default pkceMode 'ifSupported' a server that does not advertise S256 gets
//     no code_challenge at all. We pass pkceMode 'required', refuse such a server in our own discovery first
//     (./discovery.ts), and check the built URL carries S256, our state, aud = iss and the launch value.
//  4. Discovery: fhirclient falls back to the CapabilityStatement when .well-known fails, caches the result
//     for the life of the process and fetches through cross-fetch (not our injected fetch). We discover
//     strictly ourselves (to choose v2 or v1 scopes and refuse no-S256) after the iss allow-list check; the
//     copy fhirclient fetches is a second GET to the same, already allow-listed, server, and its answer may
//     differ: the code is exchanged, refreshed and revoked only at the endpoints of OUR validated discovery,
//     never at fhirclient's tokenUri.
//  5. buildTokenRequest() concatenates the authorization code into the form body unencoded; we encode it.
//  6. Client is not used: it keeps the whole token response (refresh token included) in its storage,
//     refreshes only 10 s before expiry, and its request() puts the Authorization header on any absolute URL
//     (another origin in a `next` link or reference) and lets fetch follow redirects. ./smart-session.ts keeps
//     the access token in memory, the refresh token only in the OS keystore and only with offline_access,
//     refreshes 60 s early and after a 401, rotates and never reuses it, and turns invalid_grant into
//     RelaunchRequiredError; ./authorized-fetch.ts refuses any other origin before a request is made and
//     follows redirects by hand, same origin only.
//  7. Client.getIdToken()/getFhirUser() decode the id_token without checking its signature. ./id-token.ts
//     verifies it against the server's jwks_uri (signature, issuer, audience = our client id, expiry); the
//     issuer is the discovered one or, as the public SMART launcher signs, a URL on its origin (id-token.ts).
//  8. The iss is checked against the machine policy's allow-list (the sandbox when unconfigured) before any
//     network request; fhirclient's multi-config issMatch would still fetch discovery for an unknown iss.
//  9. RFC 9207 (mix-up defence), which fhirclient does not know: an `iss` in the authorization response must
//     equal the discovered issuer, and when the server advertises authorization_response_iss_parameter_supported
//     a response without one is refused too.
// 10. Unlocking (beginReauthentication) is a fresh interactive sign-in at the same issuer: prompt=login and
//     max_age=0, and the id_token must name the same user (sub, iss) with an auth_time from after the request
//     (30 s allowed for the server's clock).
//
// A launch that fails after its tokens arrived (id_token refused, user or patient read failed, the role refused
// by the caller) ends its SmartSession: the refresh token it stored is deleted and revoked. Each sign-in keeps it
// in a keystore entry of its own, so such a launch never touches the signed-in clinician's.
//
// Redirect URI: the private-use scheme uk.nhs.wessexcarerecords://callback (RFC 8252 §7.1) by default, or the
// fixed loopback http://127.0.0.1:47615/callback (§7.3) where the scheme cannot be registered. The user signs in
// in the system browser via the injected openExternal (Electron: shell.openExternal); never an embedded view.
import { FetchFailure, isNetworkError, startDeadline, type Transport } from '../http';
import type { SecretStore } from '../keystore/secret-store';
import { authorizedFetchWithin } from './authorized-fetch';
import { discoverSmartConfiguration, type SmartConfiguration } from './discovery';
import { LaunchError } from './errors';
import { buildAuthorizationRequest, buildCodeExchange, type AuthorizationRequest } from './fhirclient-bridge';
import { followAuthorizationRedirects } from './headless-authorizer';
import {
  defaultFetch,
  LAUNCH_STEP_DEADLINE_MS,
  requestJson,
  transportFrom,
  type FetchLike,
  type JsonReply,
} from './http';
import { verifyIdToken, type IdTokenClaims } from './id-token';
import { allowedIssuers, assertIssuerAllowed } from './issuer-allow-list';
import { readPatient, resolveUser, type LaunchPatient, type LaunchUser } from './launch-context';
import { parseAuthorizationCallback, SCHEME_REDIRECT_URI, type LaunchRequest } from './launch-input';
import { newState, PendingAuthorizations } from './pending-authorizations';
import {
  parseScope,
  REAUTHENTICATION_SCOPES,
  requestedScopes,
  ungrantedScopes,
  type LaunchKind,
} from './scopes';
import { expiresInSeconds, LiveSignIns, SmartSession, type RefreshTokenEntries } from './smart-session';
import { findStandalonePatient, type AccessReason, type PatientSearch } from './standalone';

export { LaunchError, RelaunchRequiredError, TokenOriginError, type LaunchErrorCode } from './errors';
export { createAuthorizedFetch, type AuthorizedFetch } from './authorized-fetch';
export {
  parseLaunchUri,
  parseLaunchArgv,
  parseAuthorizationCallback,
  isAuthorizationCallback,
  SCHEME_REDIRECT_URI,
  LOOPBACK_REDIRECT_URI,
  LOOPBACK_REDIRECT_PORT,
  type LaunchRequest,
} from './launch-input';
export { nhsIdentityOf, type NhsIdentity } from './nhs-identity';
export { canRead, offlineAccessWanted } from './scopes';
export {
  LiveSignIns,
  SmartSession,
  legacyRefreshTokenAccounts,
  refreshTokenAccount,
  type RefreshTokenEntries,
} from './smart-session';
export type { LaunchPatient, LaunchUser } from './launch-context';
export type { AccessReason, PatientSearch } from './standalone';
export type { FetchLike } from './http';

export interface SmartLaunchOptions {
  /** Machine policy allowedIssuers. */
  allowedIssuers: readonly string[];
  /** Issuers allowed when the policy lists none: the built-in sandbox's. */
  sandboxIssuers?: readonly string[];
  /** policy.standaloneIssuer, else the sandbox issuer. */
  standaloneIssuer?: string;
  clientId: string;
  redirectUri?: string;
  secretStore: SecretStore;
  /**
   * Where each sign-in notes the name of the keystore entry it stores its refresh token in (the viewer's
   * KeystoreEntryIndex): what lets the next start delete a crashed viewer's by name.
   */
  refreshTokenEntries?: RefreshTokenEntries;
  /** The viewer's sign-ins that have not ended (default: this launcher's own). */
  signIns?: LiveSignIns;
  /** Opens the authorization URL in the system browser (Electron: shell.openExternal). */
  openExternal: (url: string) => Promise<void>;
  /**
   * Whether a sign-in asks for offline_access (a refresh token), from what is known before it: the kind of
   * launch and, for a direct sign-in as a chosen role, that role. Default: never.
   */
  offlineAccess?: (known: { kind: LaunchKind; role?: string }) => boolean;
  /** Tests only (to watch or tamper with requests); default: bounded undici connections per server. */
  fetch?: FetchLike;
  now?: () => number;
  stateTtlMs?: number;
}

export interface LaunchResult {
  kind: LaunchKind;
  iss: string;
  session: SmartSession;
  user: LaunchUser;
  /** Always present for an EHR launch; for standalone, after findPatient(). */
  patient?: LaunchPatient;
  encounterId?: string;
  needPatientBanner: boolean;
  grantedScopes: string[];
  /** Asked for but not granted: the UI says what could not be read. */
  ungrantedScopes: string[];
  idToken?: IdTokenClaims;
}

interface Pending {
  kind: LaunchKind | 'reauthentication';
  iss: string;
  /** When the authorization request was made (ms): an unlock's auth_time must not be older. */
  startedAt: number;
  launch?: string;
  config: SmartConfiguration;
  request: AuthorizationRequest;
  requested: string[];
  /** The user must type their password for this sign-in (an unlock, or a sign-in after a locked session). */
  fresh: boolean;
  /** Which launch this is, in the order they began: only the newest launch or sign-in may complete. */
  seq: number;
}

/** Asks the sign-in server for an interactive sign-in, whatever single sign-on session it holds. */
const FRESH_SIGN_IN = { prompt: 'login', max_age: '0' } as const;

/**
 * The sign-in server's clock may run a little behind ours: a password typed this long before the unlock was
 * asked for still counts (the lock needs minutes of inactivity; a single sign-on session is hours old).
 */
const AUTH_TIME_LEEWAY_S = 30;

const clean = (text: unknown): string =>
  typeof text === 'string' ? text.replace(/[^\x20-\x7E]/g, ' ').slice(0, 200) : '';

export class SmartLaunchService {
  private readonly pending: PendingAuthorizations<Pending>;
  private readonly transport: Transport | undefined;
  private readonly now: () => number;
  private readonly allowed: string[];
  private readonly signIns: LiveSignIns;
  /** The number of launches and sign-ins begun (unlocks aside): the newest is the one the clinician wants. */
  private launches = 0;

  constructor(private readonly options: SmartLaunchOptions) {
    this.signIns = options.signIns ?? new LiveSignIns();
    this.transport = transportFrom(options.fetch);
    this.now = options.now ?? Date.now;
    this.pending = new PendingAuthorizations(this.now, options.stateTtlMs);
    this.allowed = allowedIssuers(options.allowedIssuers, options.sandboxIssuers ?? []);
  }

  /** EHR launch: allow-list, discovery, then the authorization request opened in the system browser. */
  async beginEhrLaunch(request: LaunchRequest): Promise<{ state: string; authorizeUrl: string }> {
    if (!request.iss || !request.launch) {
      throw new LaunchError('bad-launch-input', 'An EHR launch needs both iss and launch.');
    }
    return this.begin('ehr', request.iss, { launch: request.launch });
  }

  /**
   * Standalone launch against policy.standaloneIssuer (the sandbox when unconfigured). `role`: the role the
   * user chose to sign in as, when they chose one (it decides offline_access).
   */
  async beginStandaloneLaunch(
    extra?: Record<string, string>,
    role?: string,
    options: { fresh?: boolean } = {},
  ): Promise<{ state: string; authorizeUrl: string }> {
    return this.begin('standalone', this.standaloneIssuer(), { extra, role, fresh: options.fresh });
  }

  /**
   * Unlocking: a fresh interactive sign-in at the issuer the session came from (prompt=login, max_age=0, in
   * the system browser). The callback goes to completeReauthentication, never to a silent refresh.
   */
  async beginReauthentication(iss: string): Promise<{ state: string; authorizeUrl: string }> {
    return this.begin('reauthentication', iss, { fresh: true });
  }

  private standaloneIssuer(): string {
    const iss = this.options.standaloneIssuer ?? this.options.sandboxIssuers?.[0];
    if (!iss) throw new LaunchError('issuer-not-allowed', 'No standalone sign-in server is configured.');
    return iss;
  }

  /** `fresh`: the user must type their password (FRESH_SIGN_IN is asked for; auth_time is checked on return). */
  private async begin(
    kind: Pending['kind'],
    iss: string,
    asked: { launch?: string; extra?: Record<string, string>; role?: string; fresh?: boolean },
  ): Promise<{ state: string; authorizeUrl: string }> {
    // Counted before anything is awaited: the newest launch is the last one received, whichever finishes first.
    const seq = kind === 'reauthentication' ? this.launches : ++this.launches;
    const { launch, role, fresh = false } = asked;
    const extra = fresh ? { ...asked.extra, ...FRESH_SIGN_IN } : asked.extra;
    // Allow-list before anything touches the network. The standalone issuer is checked alike: policy may name
    // it only when it is also an allowed issuer (an unlock goes back to the issuer its session came from).
    const canonical = assertIssuerAllowed(iss, this.allowed);
    const config = await discoverSmartConfiguration(canonical, this.transport);
    const requested =
      kind === 'reauthentication'
        ? [...REAUTHENTICATION_SCOPES]
        : requestedScopes(
            kind,
            config.permissionV2,
            this.options.offlineAccess?.({ kind, ...(role ? { role } : {}) }) ?? false,
          );
    const state = newState();
    const request = await buildAuthorizationRequest({
      iss: canonical,
      launch,
      clientId: this.options.clientId,
      scope: requested.join(' '),
      redirectUri: this.options.redirectUri ?? SCHEME_REDIRECT_URI,
      state,
      extra,
    });
    if (new URL(request.url).origin !== new URL(config.authorizationEndpoint).origin) {
      throw new LaunchError(
        'discovery-failed',
        'The EPR server changed its sign-in address during the launch.',
      );
    }
    this.pending.add(state, {
      kind,
      iss: canonical,
      startedAt: this.now(),
      launch,
      config,
      request,
      requested,
      fresh,
      seq,
    });
    await this.options.openExternal(request.url);
    return { state, authorizeUrl: request.url };
  }

  /** Whether a callback with this state would answer an authorization begun here (and not yet used or expired). */
  awaits(state: string | undefined): boolean {
    return this.pending.peek(state) !== undefined;
  }

  /** Whether this callback answers an unlock's sign-in (beginReauthentication), without using it up. */
  isReauthenticationCallback(callbackUrl: string): boolean {
    try {
      const { state } = parseAuthorizationCallback(callbackUrl);
      return this.pending.peek(state)?.kind === 'reauthentication';
    } catch {
      return false;
    }
  }

  /** The redirect back (scheme or loopback): state, error, code exchange, then user and patient context. */
  async completeAuthorization(callbackUrl: string): Promise<LaunchResult> {
    const callback = parseAuthorizationCallback(callbackUrl);
    const pending = this.pending.consume(callback.state);
    if (pending.kind === 'reauthentication') {
      throw new LaunchError('state-unknown', 'This sign-in response was for unlocking, not a launch.');
    }
    this.assertNewest(pending);
    assertResponseIssuer(pending.config, callback.iss);
    if (callback.error) {
      const description = clean(callback.errorDescription);
      throw new LaunchError(
        'callback-error',
        `The EPR did not authorise the viewer (${clean(callback.error)}${description ? `: ${description}` : ''}). ` +
          'Please relaunch from your clinical system.',
      );
    }
    if (!callback.code)
      throw new LaunchError('token-exchange-failed', 'The sign-in response carried no code.');
    // One deadline for the rest of the launch: token, signing keys, user and patient reads.
    const deadline = startDeadline(LAUNCH_STEP_DEADLINE_MS);
    try {
      const result = await this.finishLaunch(pending, callback.code, deadline.signal);
      try {
        // A newer launch began while this one was signing in: it is not the EPR's context any more.
        this.assertNewest(pending);
      } catch (error) {
        await result.session.end().catch(() => undefined);
        throw error;
      }
      return result;
    } finally {
      deadline.clear();
    }
  }

  /** Two quick launches from the EPR: the newer one wins, whichever finishes last. */
  private assertNewest(pending: Pending): void {
    if (pending.seq === this.launches) return;
    throw new LaunchError(
      'superseded',
      'A newer launch from your clinical system replaced this one, so this one was not opened.',
    );
  }

  /**
   * The unlock's callback: the same user (sub and iss of the locked session's id_token) must have signed in
   * interactively after the unlock was asked for (auth_time). Anything else — another user, an old sign-in
   * the server reused, a cancelled or refused sign-in — throws, and the session stays locked. Its access and
   * refresh tokens are not kept; its id_token replaces the session's, so the regional sources see this sign-in.
   */
  async completeReauthentication(
    callbackUrl: string,
    expected: { subject: string; issuer: string },
  ): Promise<{ claims: IdTokenClaims; idToken: string }> {
    const callback = parseAuthorizationCallback(callbackUrl);
    const pending = this.pending.consume(callback.state);
    if (pending.kind !== 'reauthentication') {
      throw new LaunchError('state-unknown', 'This sign-in response was not for unlocking the viewer.');
    }
    assertResponseIssuer(pending.config, callback.iss);
    if (callback.error || !callback.code) {
      throw new LaunchError(
        'callback-error',
        callback.error === 'access_denied'
          ? 'The sign-in was cancelled, so the viewer is still locked.'
          : 'The sign-in did not complete, so the viewer is still locked.',
      );
    }
    const deadline = startDeadline(LAUNCH_STEP_DEADLINE_MS);
    try {
      const tokens = await this.exchangeCode(pending, callback.code, deadline.signal);
      if (typeof tokens.id_token !== 'string') {
        throw new LaunchError('reauthentication-refused', 'The sign-in server did not say who signed in.');
      }
      const claims = await this.verifiedIdToken(pending, tokens.id_token, deadline.signal);
      if (claims.sub !== expected.subject || claims.iss !== expected.issuer) {
        throw new LaunchError(
          'reauthentication-refused',
          'Someone other than the locked user signed in, so the viewer is still locked. ' +
            'To use the viewer as someone else, sign out first.',
        );
      }
      assertSignedInSince(claims, pending.startedAt, 'so the viewer is still locked');
      return { claims, idToken: tokens.id_token };
    } finally {
      deadline.clear();
    }
  }

  private async finishLaunch(pending: Pending, code: string, signal: AbortSignal): Promise<LaunchResult> {
    const tokens = await this.exchangeCode(pending, code, signal);
    const granted = typeof tokens.scope === 'string' ? parseScope(tokens.scope) : pending.requested;
    const session = await SmartSession.start(
      {
        iss: pending.iss,
        clientId: this.options.clientId,
        tokenEndpoint: pending.config.tokenEndpoint,
        ...(pending.config.revocationEndpoint
          ? { revocationEndpoint: pending.config.revocationEndpoint }
          : {}),
        // Kept only where policy asked for it: a server granting offline_access unasked does not decide it.
        offlineAccess: pending.requested.includes('offline_access') && granted.includes('offline_access'),
        secretStore: this.options.secretStore,
        ...(this.options.refreshTokenEntries ? { entries: this.options.refreshTokenEntries } : {}),
        signIns: this.signIns,
        ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
        now: this.now,
      },
      {
        accessToken: tokens.access_token as string,
        expiresIn: expiresInSeconds(tokens.expires_in),
        refreshToken: typeof tokens.refresh_token === 'string' ? tokens.refresh_token : undefined,
      },
    );
    try {
      return await this.launchContext(pending, tokens, session, granted, signal);
    } catch (error) {
      // Whatever this launch stored goes with it.
      await session.end().catch(() => undefined);
      throw error;
    }
  }

  private async launchContext(
    pending: Pending,
    tokens: Record<string, unknown>,
    session: SmartSession,
    granted: string[],
    signal: AbortSignal,
  ): Promise<LaunchResult> {
    const idToken =
      typeof tokens.id_token === 'string'
        ? await this.verifiedIdToken(pending, tokens.id_token, signal)
        : undefined;
    if (typeof idToken?.sub === 'string') session.signedInAs(idToken.sub);
    if (pending.fresh) {
      if (!idToken) {
        throw new LaunchError('reauthentication-refused', 'The sign-in server did not say who signed in.');
      }
      assertSignedInSince(idToken, pending.startedAt, 'so you are not signed in');
    }
    if (idToken?.exp !== undefined) session.keepIdToken(tokens.id_token as string, idToken.exp);
    const patientId = typeof tokens.patient === 'string' ? tokens.patient : undefined;
    if (pending.kind === 'ehr' && !patientId) {
      throw new LaunchError(
        'context-incomplete',
        'The EPR launched the viewer without a patient in context.',
      );
    }
    const eprFetch = authorizedFetchWithin(session.fetch, signal);
    const user = await resolveUser(pending.iss, idToken, eprFetch);
    const patient = patientId ? await readPatient(pending.iss, patientId, eprFetch) : undefined;
    return {
      kind: pending.kind === 'ehr' ? 'ehr' : 'standalone',
      iss: pending.iss,
      session,
      user,
      patient,
      encounterId: typeof tokens.encounter === 'string' ? tokens.encounter : undefined,
      needPatientBanner: tokens.need_patient_banner !== false,
      grantedScopes: granted,
      ungrantedScopes: ungrantedScopes(pending.requested, granted),
      idToken,
    };
  }

  /** The id_token's signature (the discovered jwks_uri), issuer, audience (this client) and expiry checked. */
  private verifiedIdToken(pending: Pending, idToken: string, signal: AbortSignal): Promise<IdTokenClaims> {
    const { jwksUri, issuer } = pending.config;
    return verifyIdToken(
      idToken,
      { jwksUri, issuer, clientId: this.options.clientId, now: this.now(), fhirBase: pending.iss },
      { transport: this.transport, signal },
    );
  }

  private async exchangeCode(
    pending: Pending,
    code: string,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const init = await buildCodeExchange(pending.request.clientState, code);
    // Our validated discovery's token endpoint; fhirclient's clientState.tokenUri is its own, unchecked copy.
    const tokenUri = pending.config.tokenEndpoint;
    let response: JsonReply;
    try {
      response = await requestJson(tokenUri, {
        name: "The EPR's sign-in server",
        form: typeof init.body === 'string' ? init.body : String(init.body ?? ''),
        transport: this.transport,
        signal,
      });
    } catch (error) {
      const unreachable =
        isNetworkError(error) && !(error instanceof FetchFailure && error.kind === 'timeout');
      throw new LaunchError(
        'token-exchange-failed',
        unreachable
          ? 'Could not reach the EPR sign-in server to finish signing in.'
          : `Could not finish signing in: the EPR sign-in server ${error instanceof Error ? error.message : 'failed'}.`,
        { cause: error },
      );
    }
    const body = response.body;
    if (!response.ok || typeof body?.access_token !== 'string') {
      const reason = [clean(body?.error), clean(body?.error_description)].filter(Boolean).join(': ');
      throw new LaunchError(
        'token-exchange-failed',
        `The EPR sign-in server refused to complete the sign-in (${reason || `HTTP ${response.status}`}). ` +
          'Please relaunch from your clinical system.',
      );
    }
    if (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'bearer') {
      throw new LaunchError(
        'token-exchange-failed',
        'The EPR sign-in server returned an unusable token type.',
      );
    }
    return body;
  }

  /** Standalone launch, second step: the patient by NHS number (+ date of birth), reason for access first. */
  findPatient(
    result: LaunchResult,
    search: PatientSearch,
    onAccessReason?: (reason: AccessReason, patient: LaunchPatient) => Promise<void>,
  ): Promise<LaunchPatient> {
    return findStandalonePatient(result.iss, result.session.fetch, search, onAccessReason);
  }
}

/**
 * RFC 9207: an `iss` in the authorization response must be the issuer we discovered (a response from another
 * authorization server, mixed up with ours, is refused); when the server advertises the parameter, a
 * response without it is refused as well. Checked once the state has matched and before an error is believed.
 */
function assertResponseIssuer(config: SmartConfiguration, iss: string | undefined): void {
  if (iss === undefined && !config.authorizationResponseIss) return;
  if (iss !== config.issuer) {
    throw new LaunchError(
      'callback-error',
      iss === undefined
        ? 'The sign-in response did not say which server sent it, although this server always does; it was refused. Please relaunch.'
        : 'The sign-in response came from a different sign-in server than the one asked; it was refused. Please relaunch.',
    );
  }
}

/**
 * The CLI's (and tests') path through exactly the same service: the authorization URL is "opened" by
 * following its redirects (auto-approving servers only), and the callback is handed back as the OS would.
 */
export async function launchHeadless(
  options: Omit<SmartLaunchOptions, 'openExternal'>,
  start: (service: SmartLaunchService) => Promise<unknown>,
): Promise<LaunchResult> {
  let opened: string | undefined;
  const service = new SmartLaunchService({
    ...options,
    openExternal: async (url) => {
      opened = url;
    },
  });
  await start(service);
  if (!opened) throw new LaunchError('bad-launch-input', 'The launch did not produce a sign-in request.');
  const callback = await followAuthorizationRedirects(opened, options.fetch ?? defaultFetch);
  return service.completeAuthorization(callback);
}

/** The user typed their password after `askedAtMs` (auth_time), as a fresh sign-in requires. */
function assertSignedInSince(claims: IdTokenClaims, askedAtMs: number, consequence: string): void {
  const askedAt = Math.floor(askedAtMs / 1000);
  if (typeof claims.auth_time !== 'number' || claims.auth_time < askedAt - AUTH_TIME_LEEWAY_S) {
    throw new LaunchError(
      'reauthentication-refused',
      `The sign-in server did not ask for your password again, ${consequence}.`,
    );
  }
}
