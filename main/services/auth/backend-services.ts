// SMART Backend Services (client_credentials + private_key_jwt, RFC 7523) for regional sources, behind the
// TokenProvider interface the record engine uses. Client id, key reference and scope come from machine
// policy (`backend-services` auth); the private key (a JWK) comes from the OS keystore. Tokens are cached per
// source audience, renewed a minute before expiry and after a 401, and only ever sent to their own origin.
// Discovery and the token request are bounded JSON exchanges (a size limit counted while the answer streams,
// a time limit); a record fetch waiting for a token also gives up at its own source deadline.
import type { JWK } from 'jose';
import { randomBytes } from 'node:crypto';
import {
  exchangeJson,
  FetchFailure,
  fetchTransport,
  isNetworkError,
  type FetchLike,
  type JsonReply,
  type Transport,
} from '../http';
import type { SecretStore } from '../keystore/secret-store';
import type { RegionalSource } from '../policy/schema';
import type { TokenProvider } from './token-provider';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const RENEW_MARGIN_MS = 60_000;
const ASSERTION_LIFETIME_S = 300;
const REQUEST_TIMEOUT_MS = 15_000;
/** The most a SMART configuration or token response may be. */
const MAX_SIGN_IN_DOCUMENT_BYTES = 1024 * 1024;

/** "could not be reached" for a server that never answered; the failure's own words otherwise. */
function reasonOf(error: unknown): string | undefined {
  if (isNetworkError(error) && !(error instanceof FetchFailure && error.kind === 'timeout')) return undefined;
  return error instanceof Error ? error.message : String(error);
}

export class BackendAuthError extends Error {
  constructor(
    readonly sourceId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BackendAuthError';
  }
}

/** Where the private key for a keyReference comes from (the keystore; the sandbox composition in-process). */
export type PrivateKeyLoader = (keyReference: string) => Promise<JWK>;

export function keystoreKeyLoader(store: SecretStore): PrivateKeyLoader {
  return async (keyReference) => {
    const stored = await store.get(keyReference);
    if (!stored) throw new Error(`No private key is stored in the keystore under "${keyReference}".`);
    try {
      return JSON.parse(stored) as JWK;
    } catch {
      throw new Error(`The keystore entry "${keyReference}" is not a JSON Web Key.`);
    }
  };
}

type BackendSource = RegionalSource & { auth: { type: 'backend-services' } };

interface CachedToken {
  accessToken: string;
  expiresAt: number;
}

export interface BackendServicesOptions {
  sources: readonly RegionalSource[];
  loadPrivateKey: PrivateKeyLoader;
  /** Tests only (to watch or tamper with requests); default: bounded undici connections per server. */
  fetch?: FetchLike;
  now?: () => number;
}

export class BackendServicesTokenProvider implements TokenProvider {
  private readonly cache = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly transport: Transport | undefined;
  private readonly now: () => number;

  constructor(private readonly options: BackendServicesOptions) {
    this.transport = options.fetch ? fetchTransport(options.fetch) : undefined;
    this.now = options.now ?? Date.now;
  }

  private exchange(url: string, name: string, form?: string): Promise<JsonReply> {
    return exchangeJson(url, {
      name,
      timeoutMs: REQUEST_TIMEOUT_MS,
      maxBytes: MAX_SIGN_IN_DOCUMENT_BYTES,
      ...(form !== undefined ? { form } : {}),
      ...(this.transport ? { transport: this.transport } : {}),
    });
  }

  private source(sourceId: string): RegionalSource {
    const source = this.options.sources.find((s) => s.id === sourceId);
    if (!source) throw new BackendAuthError(sourceId, `Unknown source "${sourceId}".`);
    return source;
  }

  async getToken(sourceId: string): Promise<string | undefined> {
    const source = this.source(sourceId);
    if (source.auth.type !== 'backend-services') return undefined;
    const cached = this.cache.get(source.fhirBase);
    if (cached && this.now() < cached.expiresAt - RENEW_MARGIN_MS) return cached.accessToken;
    return this.obtain(source as BackendSource);
  }

  async refresh(sourceId: string): Promise<string | undefined> {
    const source = this.source(sourceId);
    if (source.auth.type !== 'backend-services') return undefined;
    this.cache.delete(source.fhirBase);
    return this.obtain(source as BackendSource);
  }

  private obtain(source: BackendSource): Promise<string> {
    let task = this.inFlight.get(source.fhirBase);
    if (!task) {
      task = this.request(source).finally(() => this.inFlight.delete(source.fhirBase));
      this.inFlight.set(source.fhirBase, task);
    }
    return task;
  }

  private async tokenUrl(source: BackendSource): Promise<string> {
    if (source.auth.tokenUrl) return source.auth.tokenUrl;
    const url = `${source.fhirBase.replace(/\/+$/, '')}/.well-known/smart-configuration`;
    try {
      const response = await this.exchange(url, source.name);
      const body = response.ok ? response.body : undefined;
      if (typeof body?.token_endpoint === 'string' && /^https?:\/\//.test(body.token_endpoint))
        return body.token_endpoint;
    } catch (error) {
      const reason = reasonOf(error);
      throw new BackendAuthError(
        source.id,
        `${source.name}: its sign-in configuration could not be read${reason ? ` (it ${reason})` : ''}.`,
        { cause: error },
      );
    }
    throw new BackendAuthError(
      source.id,
      `${source.name} publishes no token endpoint; set tokenUrl in policy.`,
    );
  }

  private async request(source: BackendSource): Promise<string> {
    const tokenUrl = await this.tokenUrl(source);
    let jwk: JWK;
    try {
      jwk = await this.options.loadPrivateKey(source.auth.keyReference);
    } catch (error) {
      throw new BackendAuthError(
        source.id,
        `${source.name}: the viewer's signing key is not available (${error instanceof Error ? error.message : 'keystore error'}).`,
        { cause: error },
      );
    }
    const alg = jwk.alg ?? 'ES384';
    const nowS = Math.floor(this.now() / 1000);
    const { SignJWT, importJWK } = await import('jose');
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg, kid: jwk.kid, typ: 'JWT' })
      .setIssuer(source.auth.clientId)
      .setSubject(source.auth.clientId)
      .setAudience(tokenUrl)
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + ASSERTION_LIFETIME_S)
      .setJti(randomBytes(24).toString('base64url'))
      .sign(await importJWK(jwk, alg));
    let response: JsonReply;
    try {
      response = await this.exchange(
        tokenUrl,
        `${source.name}'s sign-in server`,
        new URLSearchParams({
          grant_type: 'client_credentials',
          scope: source.auth.scope,
          client_assertion_type: CLIENT_ASSERTION_TYPE,
          client_assertion: assertion,
          // The audience the token is for (RFC 8707 resource; the sandbox also reads `aud`).
          resource: source.fhirBase,
          aud: source.fhirBase,
        }).toString(),
      );
    } catch (error) {
      const reason = reasonOf(error);
      throw new BackendAuthError(
        source.id,
        `${source.name}: the sign-in server ${reason ?? 'could not be reached'}.`,
        { cause: error },
      );
    }
    const body = response.body;
    if (!response.ok || typeof body?.access_token !== 'string') {
      const reason = typeof body?.error === 'string' ? body.error : `HTTP ${response.status}`;
      throw new BackendAuthError(source.id, `${source.name} refused the viewer's sign-in (${reason}).`);
    }
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 300;
    this.cache.set(source.fhirBase, {
      accessToken: body.access_token,
      expiresAt: this.now() + expiresIn * 1000,
    });
    return body.access_token;
  }
}
