// The one fetch shape every launch module takes (injected so tests can spy on it, and the shell can swap it).
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export const defaultFetch: FetchLike = (input, init) => fetch(input, init);

export const REQUEST_TIMEOUT_MS = 15_000;

/** Reads a JSON object body; anything else is reported as `undefined` (the caller words the error). */
export async function readJsonObject(response: Response): Promise<Record<string, unknown> | undefined> {
  try {
    const body: unknown = JSON.parse(await response.text());
    return body !== null && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
