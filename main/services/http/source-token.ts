// The bearer token a client sends to its own origin, however it is obtained.
import type { AccessContext, TokenProvider } from '../auth/token-provider';

export interface SourceToken {
  /** A current token, or undefined when the source needs none. */
  get(): Promise<string | undefined>;
  /** After a 401: a renewed token, or undefined when it cannot be renewed (absent: a 401 is the answer). */
  refresh?(): Promise<string | undefined>;
}

/**
 * A TokenProvider's token for one source. Requests that see the same 401 at the same time share one renewal.
 *  - `piece-of-work` (a record fetch, for one patient and purpose): asked for once, renewed at most once.
 *  - `per-request` (a caseload watch, which lasts longer than any token): each request asks the provider (which
 *    keeps a token until it is about to expire), and each 401 renews it, however many times that happens.
 */
export function tokenFromProvider(
  provider: TokenProvider,
  sourceId: string,
  { access, mode = 'piece-of-work' }: { access?: AccessContext; mode?: 'piece-of-work' | 'per-request' } = {},
): SourceToken {
  let first: Promise<string | undefined> | undefined;
  let renewed: Promise<string | undefined> | undefined;
  const ask = () => provider.getToken(sourceId, access);
  return {
    get: () => renewed ?? (mode === 'per-request' ? ask() : (first ??= ask())),
    refresh: () => {
      if (!renewed) {
        renewed = provider.refresh(sourceId, access).catch(() => undefined);
        if (mode === 'per-request') {
          renewed = renewed.finally(() => {
            renewed = undefined;
          });
        }
      }
      return renewed;
    },
  };
}
