// One signed-in SMART session: the access token in memory only, the refresh token only in the OS keystore
// (and only when offline_access was granted), refreshed shortly before expiry and after a 401. A rotating
// server's new refresh token replaces the old one; a non-rotating server's is kept. A refused refresh becomes
// RelaunchRequiredError. Ending the session (sign-out, close, a launch that failed) deletes the refresh token
// from the keystore and revokes it (RFC 7009) where the server offers revocation.
import { FetchFailure, isNetworkError, type SourceClient } from '../http';
import type { SecretStore } from '../keystore/secret-store';
import { authorizedFetchOver, tokenClient, type AuthorizedFetch } from './authorized-fetch';
import { RelaunchRequiredError } from './errors';
import { canonicalIssuer } from './issuer-allow-list';
import { requestJson, transportFrom, type FetchLike, type JsonReply } from './http';

/** Revocation is a courtesy to the server: sign-out and close never wait on it longer than this. */
const REVOCATION_TIMEOUT_MS = 5_000;

/** Refresh this long before the access token expires, so a request never goes out with a dying token. */
export const REFRESH_MARGIN_MS = 60_000;

export interface TokenSet {
  accessToken: string;
  /** Seconds. */
  expiresIn: number;
  refreshToken?: string;
}

export interface SmartSessionOptions {
  iss: string;
  clientId: string;
  /** From the validated discovery (never fhirclient's own copy). */
  tokenEndpoint: string;
  /** RFC 7009 endpoint from the validated discovery, when the server advertises one. */
  revocationEndpoint?: string;
  /** offline_access was granted: only then is a refresh token kept (in the keystore). */
  offlineAccess: boolean;
  secretStore: SecretStore;
  /** Default: the session's own connections to the EPR (undici). */
  fetch?: FetchLike;
  now: () => number;
}

export function refreshTokenAccount(iss: string): string {
  return `refresh-token:${iss}`;
}

/**
 * Refresh tokens never outlive the viewer (removed at close and sign-out); one a crashed viewer left behind
 * goes at the next start. Call only when no other viewer on this computer is running: it may be using it.
 */
export async function forgetLeftRefreshTokens(store: SecretStore, issuers: readonly string[]): Promise<void> {
  for (const iss of new Set(issuers.map(canonicalIssuer))) {
    await store.delete(refreshTokenAccount(iss)).catch(() => false);
  }
}

export class SmartSession {
  private accessToken: string;
  private expiresAt: number;
  private refreshing: Promise<string> | undefined;
  private ended = false;
  private subject: { token: string; expiresAt: number } | undefined;
  /** The EPR's FHIR server, with this session's token: that origin only, every answer size- and time-limited. */
  private readonly client: SourceClient;
  readonly fetch: AuthorizedFetch;

  private constructor(
    private readonly options: SmartSessionOptions,
    tokens: TokenSet,
  ) {
    this.accessToken = tokens.accessToken;
    this.expiresAt = options.now() + tokens.expiresIn * 1000;
    this.client = tokenClient({
      origin: options.iss,
      name: 'the EPR',
      getToken: () => this.getAccessToken(),
      refreshToken: () => this.refresh(),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.fetch = authorizedFetchOver(this.client);
  }

  static async start(options: SmartSessionOptions, tokens: TokenSet): Promise<SmartSession> {
    const account = refreshTokenAccount(options.iss);
    if (options.offlineAccess && tokens.refreshToken) {
      await options.secretStore.set(account, tokens.refreshToken);
    } else {
      // A refresh token from a grant without offline_access is dropped, and an older one is not kept.
      await options.secretStore.delete(account);
    }
    return new SmartSession(options, tokens);
  }

  get iss(): string {
    return this.options.iss;
  }

  /** A current access token, refreshed first when it is within REFRESH_MARGIN_MS of expiry. */
  async getAccessToken(): Promise<string> {
    if (this.ended) throw new RelaunchRequiredError('signed out');
    if (this.options.now() >= this.expiresAt - REFRESH_MARGIN_MS) return this.refresh();
    return this.accessToken;
  }

  /** Uses (and so retires) the stored refresh token; concurrent callers share one refresh. */
  refresh(): Promise<string> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<string> {
    const { secretStore, iss } = this.options;
    const account = refreshTokenAccount(iss);
    const refreshToken = this.options.offlineAccess ? await secretStore.get(account) : null;
    if (!refreshToken) {
      this.accessToken = '';
      throw new RelaunchRequiredError(
        this.options.offlineAccess
          ? 'no sign-in is stored'
          : 'the EPR did not allow the sign-in to be renewed',
      );
    }
    let response: JsonReply;
    try {
      response = await requestJson(this.options.tokenEndpoint, {
        name: "the EPR's sign-in server",
        form: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
          client_id: this.options.clientId,
        }).toString(),
        transport: transportFrom(this.options.fetch),
      });
    } catch (error) {
      if (!isNetworkError(error) && !(error instanceof FetchFailure && error.kind === 'cancelled')) {
        // It answered, but not with anything usable: the refresh token is not to be trusted again.
        this.accessToken = '';
        await secretStore.delete(account);
        throw new RelaunchRequiredError(error instanceof Error ? error.message : undefined);
      }
      // Not refused, just unreachable: the (unused) refresh token stays for the next attempt.
      throw new Error('Could not renew the sign-in: the EPR sign-in server is unreachable.', {
        cause: error,
      });
    }
    const body = response.body;
    if (!response.ok || typeof body?.access_token !== 'string') {
      this.accessToken = '';
      await secretStore.delete(account);
      throw new RelaunchRequiredError(
        typeof body?.error === 'string' ? body.error : `HTTP ${response.status}`,
      );
    }
    this.accessToken = body.access_token;
    this.expiresAt =
      this.options.now() + (typeof body.expires_in === 'number' ? body.expires_in : 300) * 1000;
    // A rotating server sends a new one (the old is now spent); a non-rotating server's stays as it is.
    if (typeof body.refresh_token === 'string') await secretStore.set(account, body.refresh_token);
    return this.accessToken;
  }

  /**
   * The user's verified OpenID id_token, in memory only: what the regional authorization server exchanges
   * for the user's regional tokens. Undefined without one, or once signed out.
   */
  idToken(): { token: string; expiresAt: number } | undefined {
    return this.ended ? undefined : this.subject;
  }

  /** Kept once the launch has verified it (`exp` in epoch seconds). */
  keepIdToken(token: string, exp: number): void {
    this.subject = { token, expiresAt: exp * 1000 };
  }

  /**
   * Sign-out, close or a launch that failed: forget the access token, delete the stored refresh token and
   * revoke it at the server when it offers revocation. The keystore entry goes even when revocation fails.
   */
  async end(): Promise<void> {
    await this.release();
    const account = refreshTokenAccount(this.options.iss);
    // Read only when there is somewhere to revoke it: otherwise deleting the entry is all there is to do.
    const refreshToken = this.options.revocationEndpoint ? await this.options.secretStore.get(account) : null;
    await this.options.secretStore.delete(account);
    if (refreshToken) await this.revoke(refreshToken);
  }

  /**
   * Replaced by a newer sign-in at the same issuer, which has stored its own refresh token in the same
   * keystore entry: this one stops, and leaves that entry alone.
   */
  async release(): Promise<void> {
    this.ended = true;
    this.accessToken = '';
    this.subject = undefined;
    await this.client.close();
  }

  private async revoke(refreshToken: string): Promise<void> {
    const endpoint = this.options.revocationEndpoint;
    if (!endpoint) return;
    try {
      await requestJson(endpoint, {
        name: "the EPR's sign-in server",
        form: new URLSearchParams({
          token: refreshToken,
          token_type_hint: 'refresh_token',
          client_id: this.options.clientId,
        }).toString(),
        transport: transportFrom(this.options.fetch),
        signal: AbortSignal.timeout(REVOCATION_TIMEOUT_MS),
      });
    } catch {
      // Unreachable or refused: the token is gone from this computer either way and expires at the server.
    }
  }
}
