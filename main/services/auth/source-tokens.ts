// Routes token requests by source: sources that authorise by token exchange get tokens from that provider;
// open sources (auth "none") get none, so no token is ever offered to them.
import type { TokenProvider } from './token-provider';

export function tokensBySource(
  provider: TokenProvider,
  authorisedSourceIds: readonly string[],
): TokenProvider {
  const authorised = new Set(authorisedSourceIds);
  return {
    getToken: async (sourceId, access) =>
      authorised.has(sourceId) ? provider.getToken(sourceId, access) : undefined,
    refresh: async (sourceId, access) =>
      authorised.has(sourceId) ? provider.refresh(sourceId, access) : undefined,
  };
}
