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
//     copy fhirclient fetches is a second GET to the same, already allow-listed, server.
//  5. buildTokenRequest() concatenates the authorization code into the form body unencoded; we encode it.
//  6. Client is not used: it keeps the whole token response (refresh token included) in its storage,
//     refreshes only 10 s before expiry, and its request() puts the Authorization header on any absolute URL
//     (another origin in a `next` link or reference) and lets fetch follow redirects. ./smart-session.ts keeps
//     the access token in memory, the refresh token only in the OS keystore and only with offline_access,
//     refreshes 60 s early and after a 401, rotates and never reuses it, and turns invalid_grant into
//     RelaunchRequiredError; ./authorized-fetch.ts refuses any other origin before a request is made and
//     follows redirects by hand, same origin only.
//  7. Client.getIdToken()/getFhirUser() decode the id_token without checking its signature. ./id-token.ts
//     verifies it against the server's jwks_uri (signature, issuer, audience = our client id, expiry).
//  8. The iss is checked against the machine policy's allow-list (the sandbox when unconfigured) before any
//     network request; fhirclient's multi-config issMatch would still fetch discovery for an unknown iss.
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
import { parseScope, requestedScopes, ungrantedScopes, type LaunchKind } from './scopes';
import { SmartSession } from './smart-session';
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
export { canRead } from './scopes';
export { SmartSession, refreshTokenAccount } from './smart-session';
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
  /** Opens the authorization URL in the system browser (Electron: shell.openExternal). */
  openExternal: (url: string) => Promise<void>;
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
  kind: LaunchKind;
  iss: string;
  launch?: string;
  config: SmartConfiguration;
  request: AuthorizationRequest;
  requested: string[];
}

const clean = (text: unknown): string =>
  typeof text === 'string' ? text.replace(/[^\x20-\x7E]/g, ' ').slice(0, 200) : '';

export class SmartLaunchService {
  private readonly pending: PendingAuthorizations<Pending>;
  private readonly transport: Transport | undefined;
  private readonly now: () => number;
  private readonly allowed: string[];

  constructor(private readonly options: SmartLaunchOptions) {
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
    return this.begin('ehr', request.iss, request.launch);
  }

  /** Standalone launch against policy.standaloneIssuer (the sandbox when unconfigured). */
  async beginStandaloneLaunch(
    extra?: Record<string, string>,
  ): Promise<{ state: string; authorizeUrl: string }> {
    const iss = this.options.standaloneIssuer ?? this.options.sandboxIssuers?.[0];
    if (!iss) throw new LaunchError('issuer-not-allowed', 'No standalone sign-in server is configured.');
    return this.begin('standalone', iss, undefined, extra);
  }

  private async begin(
    kind: LaunchKind,
    iss: string,
    launch: string | undefined,
    extra?: Record<string, string>,
  ): Promise<{ state: string; authorizeUrl: string }> {
    // Allow-list before anything touches the network. The standalone issuer is checked alike: policy may name
    // it only when it is also an allowed issuer.
    const canonical = assertIssuerAllowed(iss, this.allowed);
    const config = await discoverSmartConfiguration(canonical, this.transport);
    const requested = requestedScopes(kind, config.permissionV2);
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
    this.pending.add(state, { kind, iss: canonical, launch, config, request, requested });
    await this.options.openExternal(request.url);
    return { state, authorizeUrl: request.url };
  }

  /** The redirect back (scheme or loopback): state, error, code exchange, then user and patient context. */
  async completeAuthorization(callbackUrl: string): Promise<LaunchResult> {
    const callback = parseAuthorizationCallback(callbackUrl);
    const pending = this.pending.consume(callback.state);
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
      return await this.finishLaunch(pending, callback.code, deadline.signal);
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
        tokenEndpoint: pending.request.clientState.tokenUri ?? pending.config.tokenEndpoint,
        offlineAccess: granted.includes('offline_access'),
        secretStore: this.options.secretStore,
        ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
        now: this.now,
      },
      {
        accessToken: tokens.access_token as string,
        expiresIn: typeof tokens.expires_in === 'number' ? tokens.expires_in : 300,
        refreshToken: typeof tokens.refresh_token === 'string' ? tokens.refresh_token : undefined,
      },
    );
    const idToken =
      typeof tokens.id_token === 'string'
        ? await verifyIdToken(
            tokens.id_token,
            {
              jwksUri: pending.config.jwksUri,
              issuer: pending.config.issuer,
              clientId: this.options.clientId,
              now: this.now(),
            },
            { transport: this.transport, signal },
          )
        : undefined;
    const patientId = typeof tokens.patient === 'string' ? tokens.patient : undefined;
    if (pending.kind === 'ehr' && !patientId) {
      await session.end();
      throw new LaunchError(
        'context-incomplete',
        'The EPR launched the viewer without a patient in context.',
      );
    }
    const eprFetch = authorizedFetchWithin(session.fetch, signal);
    const user = await resolveUser(pending.iss, idToken, eprFetch);
    const patient = patientId ? await readPatient(pending.iss, patientId, eprFetch) : undefined;
    return {
      kind: pending.kind,
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

  private async exchangeCode(
    pending: Pending,
    code: string,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const init = await buildCodeExchange(pending.request.clientState, code);
    const tokenUri = pending.request.clientState.tokenUri ?? pending.config.tokenEndpoint;
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
