// How the record engine gets bearer tokens without knowing how they were obtained (EPR launch token,
// SMART Backend Services for regional sources, or none for an open sandbox source).
export interface TokenProvider {
  /** A current access token for this source's origin, or undefined when the source needs none. */
  getToken(sourceId: string): Promise<string | undefined>;
  /** Called once after a 401: refresh and return a new token, or undefined when that is not possible. */
  refresh(sourceId: string): Promise<string | undefined>;
}

export const noTokens: TokenProvider = {
  getToken: async () => undefined,
  refresh: async () => undefined,
};
