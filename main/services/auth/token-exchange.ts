// The signed-in user's access to regional servers: their id_token exchanged (OAuth 2.0 Token Exchange,
// RFC 8693) at the regional authorization server for a short-lived token per server, bound to the user, the
// purpose of use and (when there is one) the patient. No private key lives on this computer.
//  - The token endpoint comes from the issuer's discovery document and must be on the issuer's own origin:
//    the id_token goes nowhere else.
//  - Tokens are cached per (server, patient, purpose, signed-in user) until 30 s before they expire, and
//    exchanged afresh after a 401. The audience is the server's base URL, so its token only opens that server.
//  - Every exchange is bounded (size counted while it streams, a time limit, no redirects).
//  - A refusal is classified by its RFC 6749 error code only: the server's free text is never shown or logged.
import {
  exchangeJson,
  FetchFailure,
  fetchTransport,
  isNetworkError,
  type FetchLike,
  type JsonReply,
  type Transport,
} from '../http';
import { canonicalIssuer } from '../launch/issuer-allow-list';
import { isHttpsOrLoopback } from '../policy/schema';
import { DIRECT_CARE, type AccessContext, type TokenProvider } from './token-provider';

const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const SIGN_IN_AGAIN = 'Sign in again to read the regional records.';

const RENEW_MARGIN_MS = 30_000;
const REQUEST_TIMEOUT_MS = 15_000;
const MAX_DOCUMENT_BYTES = 256 * 1024;
const DEFAULT_LIFETIME_S = 300;

/** A server the viewer reaches with an exchanged token: a regional source, the locator or the audit endpoint. */
export interface ExchangeTarget {
  id: string;
  name: string;
  /** The exact base URL the token is for (a FHIR base or the audit endpoint URL). */
  audience: string;
  auth: { type: 'token-exchange'; issuer: string; clientId: string };
}

/** The signed-in user's id_token, held in memory by the SMART session. */
export interface SubjectToken {
  token: string;
  /** Epoch ms (the id_token's `exp`). */
  expiresAt: number;
}

export type ExchangeFailure =
  'not-signed-in' | 'sign-in-expired' | 'unreachable' | 'refused' | 'misconfigured' | 'malformed';

export class TokenExchangeError extends Error {
  constructor(
    readonly sourceId: string,
    readonly failure: ExchangeFailure,
    message: string,
    /** The authorization server's RFC 6749 error code, when it gave a known one. */
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TokenExchangeError';
  }
}

/** What each RFC 6749 / RFC 8693 error code means for the clinician; any other code is just "refused". */
const REFUSALS: Record<string, { failure: ExchangeFailure; words: string }> = {
  invalid_grant: { failure: 'sign-in-expired', words: 'it did not accept your sign-in' },
  invalid_target: {
    failure: 'misconfigured',
    words: 'it does not know this server; ask IT to check the viewer’s policy',
  },
  unauthorized_client: {
    failure: 'misconfigured',
    words: 'it does not know this viewer; ask IT to check the client id in the viewer’s policy',
  },
  invalid_client: {
    failure: 'misconfigured',
    words: 'it does not know this viewer; ask IT to check the client id in the viewer’s policy',
  },
  invalid_request: { failure: 'refused', words: 'it rejected the viewer’s request' },
  invalid_scope: { failure: 'refused', words: 'it would not grant the access asked for' },
  access_denied: { failure: 'refused', words: 'it refused you access' },
};

interface CachedToken {
  accessToken: string;
  expiresAt: number;
}

export interface TokenExchangeOptions {
  targets: readonly ExchangeTarget[];
  /** The current session's id_token; undefined when no one is signed in. */
  subjectToken: () => SubjectToken | undefined;
  /** Tests only (to watch or tamper with requests); default: bounded undici connections per server. */
  fetch?: FetchLike;
  now?: () => number;
}

export class TokenExchangeProvider implements TokenProvider {
  private readonly cache = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly endpoints = new Map<string, Promise<string>>();
  private readonly transport: Transport | undefined;
  private readonly now: () => number;

  constructor(private readonly options: TokenExchangeOptions) {
    this.transport = options.fetch ? fetchTransport(options.fetch) : undefined;
    this.now = options.now ?? Date.now;
  }

  async getToken(sourceId: string, access: AccessContext = DIRECT_CARE): Promise<string> {
    const target = this.target(sourceId);
    const subject = this.subject(target);
    const key = cacheKey(target, access, subject);
    const cached = this.cache.get(key);
    if (cached && this.now() < cached.expiresAt - RENEW_MARGIN_MS) return cached.accessToken;
    return this.obtain(key, target, access, subject);
  }

  async refresh(sourceId: string, access: AccessContext = DIRECT_CARE): Promise<string> {
    const target = this.target(sourceId);
    const subject = this.subject(target);
    const key = cacheKey(target, access, subject);
    this.cache.delete(key);
    return this.obtain(key, target, access, subject);
  }

  /** Forgets every token (sign-out): the next user's reads exchange their own id_token. */
  clear(): void {
    this.cache.clear();
  }

  private target(sourceId: string): ExchangeTarget {
    const target = this.options.targets.find((t) => t.id === sourceId);
    if (!target) throw new TokenExchangeError(sourceId, 'misconfigured', `Unknown server "${sourceId}".`);
    return target;
  }

  private subject(target: ExchangeTarget): SubjectToken {
    const subject = this.options.subjectToken();
    if (!subject) {
      throw new TokenExchangeError(
        target.id,
        'not-signed-in',
        `${target.name}: no one is signed in. Sign in to read the regional records.`,
      );
    }
    if (this.now() >= subject.expiresAt) {
      throw new TokenExchangeError(
        target.id,
        'sign-in-expired',
        `${target.name}: your sign-in has expired. ${SIGN_IN_AGAIN}`,
      );
    }
    return subject;
  }

  private obtain(
    key: string,
    target: ExchangeTarget,
    access: AccessContext,
    subject: SubjectToken,
  ): Promise<string> {
    let task = this.inFlight.get(key);
    if (!task) {
      task = this.exchange(key, target, access, subject).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, task);
    }
    return task;
  }

  private send(url: string, name: string, form?: string): Promise<JsonReply> {
    return exchangeJson(url, {
      name,
      timeoutMs: REQUEST_TIMEOUT_MS,
      maxBytes: MAX_DOCUMENT_BYTES,
      ...(form !== undefined ? { form } : {}),
      ...(this.transport ? { transport: this.transport } : {}),
    });
  }

  /** The issuer's token endpoint, read once per issuer (again after a failure). */
  private tokenEndpoint(target: ExchangeTarget): Promise<string> {
    const issuer = target.auth.issuer;
    let endpoint = this.endpoints.get(issuer);
    if (!endpoint) {
      endpoint = this.discover(target);
      endpoint.catch(() => this.endpoints.delete(issuer));
      this.endpoints.set(issuer, endpoint);
    }
    return endpoint;
  }

  private async discover(target: ExchangeTarget): Promise<string> {
    const issuer = target.auth.issuer;
    const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let reply: JsonReply;
    try {
      reply = await this.send(url, 'the regional sign-in server');
    } catch (error) {
      throw unreachable(target, error);
    }
    const endpoint = reply.ok ? reply.body?.token_endpoint : undefined;
    const named = reply.body?.issuer;
    const sameIssuer =
      named === undefined ||
      (typeof named === 'string' &&
        URL.canParse(named) &&
        canonicalIssuer(named) === canonicalIssuer(issuer));
    if (typeof endpoint !== 'string' || !URL.canParse(endpoint) || !sameIssuer) {
      throw new TokenExchangeError(
        target.id,
        'malformed',
        `${target.name}: the regional sign-in server’s configuration could not be used` +
          (reply.ok ? '' : ` (HTTP ${reply.status})`) +
          '.',
      );
    }
    // The id_token is a credential: it goes to the issuer's own origin, over https (or on this computer).
    const at = new URL(endpoint);
    if (at.origin !== new URL(issuer).origin || !isHttpsOrLoopback(at)) {
      throw new TokenExchangeError(
        target.id,
        'malformed',
        `${target.name}: the regional sign-in server named a token endpoint on another server; your sign-in was not sent there.`,
      );
    }
    return endpoint;
  }

  private async exchange(
    key: string,
    target: ExchangeTarget,
    access: AccessContext,
    subject: SubjectToken,
  ): Promise<string> {
    const tokenUrl = await this.tokenEndpoint(target);
    const form = new URLSearchParams({
      grant_type: TOKEN_EXCHANGE_GRANT,
      client_id: target.auth.clientId,
      subject_token: subject.token,
      subject_token_type: ID_TOKEN_TYPE,
      requested_token_type: ACCESS_TOKEN_TYPE,
      audience: target.audience,
      scope: access.patient ? 'patient/*.rs' : 'user/*.rs',
      purpose_of_use: access.purpose,
      ...(access.patient ? { patient: access.patient } : {}),
    });
    let reply: JsonReply;
    try {
      reply = await this.send(tokenUrl, 'the regional sign-in server', form.toString());
    } catch (error) {
      throw unreachable(target, error);
    }
    const body = reply.body;
    if (!reply.ok) throw refusal(target, reply);
    const accessToken = body?.access_token;
    const tokenType = body?.token_type;
    if (
      typeof accessToken !== 'string' ||
      accessToken.length === 0 ||
      typeof tokenType !== 'string' ||
      tokenType.toLowerCase() !== 'bearer'
    ) {
      throw new TokenExchangeError(
        target.id,
        'malformed',
        `${target.name}: the regional sign-in server’s answer held no usable token.`,
      );
    }
    const expiresIn =
      typeof body?.expires_in === 'number' && body.expires_in > 0
        ? Math.min(body.expires_in, DEFAULT_LIFETIME_S)
        : DEFAULT_LIFETIME_S;
    this.cache.set(key, { accessToken, expiresAt: this.now() + expiresIn * 1000 });
    return accessToken;
  }
}

function cacheKey(target: ExchangeTarget, access: AccessContext, subject: SubjectToken): string {
  // The id_token is part of the key: a token exchanged for one user is never handed to the next.
  return JSON.stringify([target.id, access.patient ?? '', access.purpose, subject.token]);
}

function unreachable(target: ExchangeTarget, error: unknown): TokenExchangeError {
  const timedOut = error instanceof FetchFailure && error.kind === 'timeout';
  const words =
    isNetworkError(error) && !timedOut
      ? 'could not be reached'
      : error instanceof FetchFailure
        ? error.message
        : 'could not be asked';
  return new TokenExchangeError(
    target.id,
    'unreachable',
    `${target.name}: the regional sign-in server ${words}.`,
    undefined,
    { cause: error },
  );
}

function refusal(target: ExchangeTarget, reply: JsonReply): TokenExchangeError {
  const code = typeof reply.body?.error === 'string' ? reply.body.error : undefined;
  const known = code !== undefined && Object.hasOwn(REFUSALS, code) ? REFUSALS[code] : undefined;
  if (!known) {
    return new TokenExchangeError(
      target.id,
      'refused',
      `${target.name}: the regional sign-in server refused access (HTTP ${reply.status}).`,
    );
  }
  return new TokenExchangeError(
    target.id,
    known.failure,
    `${target.name}: the regional sign-in server refused access (${code}): ${known.words}.` +
      (known.failure === 'sign-in-expired' ? ` ${SIGN_IN_AGAIN}` : ''),
    code,
  );
}
