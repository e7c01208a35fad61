// One signed-in SMART session: the access token in memory only, the refresh token only in the OS keystore
// (and only when offline_access was granted), refreshed shortly before expiry and after a 401, rotated on
// every use and never reused. A refused refresh becomes RelaunchRequiredError.
import { FetchFailure, isNetworkError, type SourceClient } from '../http';
import type { SecretStore } from '../keystore/secret-store';
import { authorizedFetchOver, tokenClient, type AuthorizedFetch } from './authorized-fetch';
import { RelaunchRequiredError } from './errors';
import { requestJson, transportFrom, type FetchLike, type JsonReply } from './http';

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
  tokenEndpoint: string;
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
    // Retired before use: whatever happens, this refresh token is never sent twice.
    await secretStore.delete(account);
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
        // It answered, but not with anything usable: the refresh token has been spent.
        this.accessToken = '';
        throw new RelaunchRequiredError(error instanceof Error ? error.message : undefined);
      }
      // Not refused, just unreachable: keep the (unused) refresh token for the next attempt.
      await secretStore.set(account, refreshToken);
      throw new Error('Could not renew the sign-in: the EPR sign-in server is unreachable.', {
        cause: error,
      });
    }
    const body = response.body;
    if (!response.ok || typeof body?.access_token !== 'string') {
      this.accessToken = '';
      throw new RelaunchRequiredError(
        typeof body?.error === 'string' ? body.error : `HTTP ${response.status}`,
      );
    }
    this.accessToken = body.access_token;
    this.expiresAt =
      this.options.now() + (typeof body.expires_in === 'number' ? body.expires_in : 300) * 1000;
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

  /** Sign out: forget the access token and delete the stored refresh token. */
  async end(): Promise<void> {
    this.ended = true;
    this.accessToken = '';
    this.subject = undefined;
    await this.client.close();
    await this.options.secretStore.delete(refreshTokenAccount(this.options.iss));
  }
}
