// One signed-in SMART session: the access token in memory only, the refresh token only in the OS keystore
// (and only when offline_access was granted), refreshed shortly before expiry and after a 401. A rotating
// server's new refresh token replaces the old one; a non-rotating server's is kept. A refused refresh becomes
// RelaunchRequiredError. Ending the session (sign-out, close, a launch that failed) deletes the refresh token
// from the keystore and revokes it (RFC 7009) where the server offers revocation and no other sign-in of the
// viewer may share its server session (LiveSignIns).
//
// Each sign-in keeps its refresh token in a keystore entry of its own (the issuer and an id drawn for the
// sign-in), never one per issuer: a second launch at the same EPR — one that fails, one without offline access,
// another clinician on a shared laptop, a command-line launch beside the app — can neither overwrite nor delete
// the signed-in clinician's entry. The id is drawn before the id_token is verified (the token is stored as soon
// as it arrives, so a failed launch can revoke it), and it also tells apart two sign-ins by the same user.
import { randomUUID } from 'node:crypto';
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

/**
 * A token response's `expires_in` in seconds: a number, or a string of digits (as some servers send it).
 * Undefined when missing or unusable: the token's lifetime is then unknown, and the session does not invent
 * one — it uses the token until the EPR answers 401, then renews it (or asks for a relaunch) as for any 401.
 */
export function expiresInSeconds(value: unknown): number | undefined {
  const seconds =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*\d+\s*$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

export interface TokenSet {
  accessToken: string;
  /** Seconds; undefined when the server did not say (see expiresInSeconds). */
  expiresIn: number | undefined;
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
  /** Notes the names of the entries stored (the viewer's index); without it nothing is noted. */
  entries?: RefreshTokenEntries;
  /** The viewer's other sign-ins, so ending this one does not revoke a server session one of them shares. */
  signIns?: LiveSignIns;
  /** Default: the session's own connections to the EPR (undici). */
  fetch?: FetchLike;
  now: () => number;
}

/**
 * The one entry per issuer that versions before per-sign-in entries kept. Its name is known in advance, so the
 * app's start deletes it by name (legacyRefreshTokenAccounts) for the policy's issuers.
 */
const issuerAccount = (iss: string): string => `refresh-token:${iss}`;

/** The keystore entry of one sign-in's refresh token at `iss` (canonical, so it has no `#`). */
export function refreshTokenAccount(iss: string, signIn: string): string {
  return `${issuerAccount(iss)}#${signIn}`;
}

/** The per-issuer entries older versions kept for these issuers (deleted by name: the keystore is never listed). */
export function legacyRefreshTokenAccounts(issuers: readonly string[]): string[] {
  return [...new Set(issuers.map((iss) => issuerAccount(canonicalIssuer(iss))))];
}

/**
 * Where a sign-in notes the name of the entry it is about to store its refresh token in, and that it deleted
 * it: the viewer's KeystoreEntryIndex, so a crashed viewer's entries are deleted by name at the next start.
 */
export interface RefreshTokenEntries {
  /** Resolves once the name is noted and no clean-up of left entries is under way. */
  adding(account: string): Promise<void>;
  removed(account: string): void;
}

/**
 * The verified sign-ins one viewer process holds at once. A refresh token is not revoked while another of them
 * may share its server session: Keycloak, for one, revokes with it every token of the user's session at that
 * client, which a second sign-in by the same user through the same browser shares (the next patient's launch
 * from the EPR). Deleted from the keystore all the same, the token is never used again and expires at the
 * server. A command-line launch beside the app is another process with its own: ending it still revokes.
 */
export class LiveSignIns {
  private readonly live = new Set<SmartSession>();

  add(session: SmartSession): void {
    this.live.add(session);
  }

  remove(session: SmartSession): void {
    this.live.delete(session);
  }

  /**
   * Another verified sign-in at the same issuer by the same user, or by anyone when this one's user was never
   * verified (a launch that failed before its id_token was accepted may have been theirs).
   */
  mayShareServerSession(session: SmartSession): boolean {
    for (const other of this.live) {
      if (other === session || other.iss !== session.iss) continue;
      if (session.user === undefined || other.user === session.user) return true;
    }
    return false;
  }
}

export class SmartSession {
  private accessToken: string;
  /** Undefined when the server gave no lifetime: no early renewal, the 401 path renews. */
  private expiresAt: number | undefined;
  private refreshing: Promise<string> | undefined;
  private ended = false;
  private subject: { token: string; expiresAt: number } | undefined;
  /** The verified id_token's `sub`: who signed in, at this issuer. */
  private signedIn: string | undefined;
  /** A refresh token is in this sign-in's keystore entry: only then does the session read or delete it. */
  private stored: boolean;
  /** The EPR's FHIR server, with this session's token: that origin only, every answer size- and time-limited. */
  private readonly client: SourceClient;
  readonly fetch: AuthorizedFetch;

  private constructor(
    private readonly options: SmartSessionOptions,
    tokens: TokenSet,
    /** This sign-in's own keystore entry: the only one it stores in, reads or deletes. */
    readonly keystoreAccount: string,
    stored: boolean,
  ) {
    this.stored = stored;
    this.accessToken = tokens.accessToken;
    this.expiresAt = expiryFrom(options.now(), tokens.expiresIn);
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
    const account = refreshTokenAccount(options.iss, randomUUID());
    // A refresh token from a grant without offline_access is dropped. Nothing else is touched: another
    // sign-in's entry is its own, and one a crashed viewer left goes at the next start. The name is noted
    // first (after any clean-up under way, so that never deletes it); where it cannot be, the refresh token
    // is not kept either, as one that nothing would find after a crash.
    let stored = false;
    if (options.offlineAccess && tokens.refreshToken) {
      const noted = await (options.entries?.adding(account) ?? Promise.resolve()).then(
        () => true,
        () => false,
      );
      if (noted) {
        await options.secretStore.set(account, tokens.refreshToken);
        stored = true;
      }
    }
    return new SmartSession(options, tokens, account, stored);
  }

  get iss(): string {
    return this.options.iss;
  }

  /** Who signed in (the id_token's `sub`), once the launch has verified it. */
  get user(): string | undefined {
    return this.signedIn;
  }

  /** The launch verified the id_token: this is `sub`'s sign-in, one of the viewer's live ones until it ends. */
  signedInAs(sub: string): void {
    if (this.ended) return;
    this.signedIn = sub;
    this.options.signIns?.add(this);
  }

  /** A current access token, refreshed first when it is within REFRESH_MARGIN_MS of expiry. */
  async getAccessToken(): Promise<string> {
    if (this.ended) throw new RelaunchRequiredError('signed out');
    if (this.expiresAt !== undefined && this.options.now() >= this.expiresAt - REFRESH_MARGIN_MS)
      return this.refresh();
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
    const { secretStore } = this.options;
    const account = this.keystoreAccount;
    const refreshToken = this.stored ? await secretStore.get(account) : null;
    if (!refreshToken) {
      // Asked to renew a token our clock says is still good: the EPR refused it with a 401 (the only other
      // caller of refresh), which says something other than "the sign-in ran its course".
      const now = this.options.now();
      const refused =
        this.accessToken !== '' && (this.expiresAt === undefined || now < this.expiresAt - REFRESH_MARGIN_MS);
      this.accessToken = '';
      throw new RelaunchRequiredError(
        this.options.offlineAccess
          ? 'no sign-in is stored'
          : 'the EPR did not allow the sign-in to be renewed',
        { refused },
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
        await this.forgetStored();
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
      await this.forgetStored();
      throw new RelaunchRequiredError(
        typeof body?.error === 'string' ? body.error : `HTTP ${response.status}`,
      );
    }
    this.accessToken = body.access_token;
    this.expiresAt = expiryFrom(this.options.now(), expiresInSeconds(body.expires_in));
    // A rotating server sends a new one (the old is now spent); a non-rotating server's stays as it is.
    // (Not once the session has ended meanwhile: its entry is gone, and nothing would delete it again.)
    if (typeof body.refresh_token === 'string' && this.stored && !this.ended)
      await secretStore.set(account, body.refresh_token);
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
   * Sign-out, close, a launch that failed or a newer sign-in that replaced this one: forget the access token,
   * delete this sign-in's stored refresh token (no other's) and revoke it at the server when it offers
   * revocation, unless another live sign-in may share its server session (LiveSignIns). The keystore entry goes
   * even when revocation fails.
   */
  async end(): Promise<void> {
    const revocable =
      this.options.revocationEndpoint !== undefined && !this.options.signIns?.mayShareServerSession(this);
    this.options.signIns?.remove(this);
    this.ended = true;
    this.accessToken = '';
    this.subject = undefined;
    await this.client.close();
    // A sign-in that stored nothing (no offline access) has nothing in the keystore to read or delete.
    if (!this.stored) return;
    // Read only when there is somewhere to revoke it: otherwise deleting the entry is all there is to do.
    const refreshToken = revocable ? await this.options.secretStore.get(this.keystoreAccount) : null;
    await this.forgetStored();
    if (refreshToken) await this.revoke(refreshToken);
  }

  /** Deletes this sign-in's entry, then its name from the index (kept there if the delete fails). */
  private async forgetStored(): Promise<void> {
    await this.options.secretStore.delete(this.keystoreAccount);
    this.stored = false;
    this.options.entries?.removed(this.keystoreAccount);
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

const expiryFrom = (now: number, expiresIn: number | undefined): number | undefined =>
  expiresIn === undefined ? undefined : now + expiresIn * 1000;
