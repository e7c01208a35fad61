// The bearer token a client sends to its own origin, however it is obtained.
import type { AccessContext, TokenProvider } from '../auth/token-provider';

export interface SourceToken {
  /** A current token, or undefined when the source needs none. */
  get(): Promise<string | undefined>;
  /** After a 401: a renewed token, or undefined when it cannot be renewed (absent: a 401 is the answer). */
  refresh?(): Promise<string | undefined>;
}

/**
 * A TokenProvider's token for one source during one piece of work (a record fetch, for one patient and purpose): asked for once, and
 * renewed at most once however many requests see the same 401 at the same time.
 */
export function tokenFromProvider(
  provider: TokenProvider,
  sourceId: string,
  access?: AccessContext,
): SourceToken {
  let current: Promise<string | undefined> | undefined;
  let renewed: Promise<string | undefined> | undefined;
  return {
    get: () => (current ??= provider.getToken(sourceId, access)),
    refresh: () => {
      if (!renewed) {
        renewed = provider.refresh(sourceId, access).catch(() => undefined);
        current = renewed;
      }
      return renewed;
    },
  };
}
