// The fetch-shaped face of a token-holding SourceClient, for callers that want a Response (the EPR reads of
// the launch). The client refuses any other origin before a request is made and
// follows redirects by hand, same origin only; both refusals surface here as TokenOriginError. Bodies are
// read within the client's size limit before the Response is made, so response.json() is bounded too.
import { FetchFailure, fetchTransport, SourceClient, startDeadline, type RawResponse } from '../http';
import { TokenOriginError } from './errors';
import { MAX_LAUNCH_RESOURCE_BYTES, REQUEST_TIMEOUT_MS, type FetchLike } from './http';

export type AuthorizedFetch = (url: string, init?: RequestInit) => Promise<Response>;

export interface AuthorizedFetchOptions {
  /** The origin the token was issued for (e.g. the iss's origin). */
  origin: string;
  getToken: () => Promise<string>;
  /** After a 401: obtain a fresh token (or throw); the request is retried once. */
  refreshToken?: () => Promise<string>;
  /** Default: the client's own undici connections. */
  fetch?: FetchLike;
  /** For messages (default: the origin's host). */
  name?: string;
}

export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid address';
  }
}

/** A SourceClient for the token's origin, with the limits the launch reads EPR resources under. */
export function tokenClient(options: AuthorizedFetchOptions): SourceClient {
  const refresh = options.refreshToken;
  return new SourceClient({
    name: options.name ?? new URL(options.origin).host,
    baseUrl: options.origin,
    token: { get: options.getToken, ...(refresh ? { refresh } : {}) },
    ...(options.fetch ? { transport: fetchTransport(options.fetch) } : {}),
    limits: { maxResponseBytes: MAX_LAUNCH_RESOURCE_BYTES, concurrency: 4, maxRetries: 1 },
  });
}

export function createAuthorizedFetch(options: AuthorizedFetchOptions): AuthorizedFetch {
  return authorizedFetchOver(tokenClient(options));
}

export function authorizedFetchOver(client: SourceClient): AuthorizedFetch {
  const tokenOrigin = client.origin;
  return async (url, init = {}) => {
    const requestOrigin = originOf(url);
    if (requestOrigin !== tokenOrigin) throw new TokenOriginError(tokenOrigin, requestOrigin);
    const headers = new Headers(init.headers);
    const method = (init.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'POST') throw new Error(`${method} is not supported here.`);
    const deadline = init.signal ? undefined : startDeadline(REQUEST_TIMEOUT_MS);
    try {
      const response = await client.send(url, {
        method,
        accept: headers.get('accept') ?? 'application/fhir+json',
        ...(typeof init.body === 'string' ? { body: init.body } : {}),
        ...(headers.get('content-type') ? { contentType: headers.get('content-type')! } : {}),
        signal: init.signal ?? deadline!.signal,
      });
      return asResponse(response);
    } catch (error) {
      if (error instanceof FetchFailure) {
        if (error.otherOrigin) throw new TokenOriginError(tokenOrigin, error.otherOrigin);
        // The token itself could not be had (e.g. the sign-in has ended): that error, as it was.
        if (error.kind === 'sign-in' && error.cause instanceof Error) throw error.cause;
      }
      throw error;
    } finally {
      deadline?.clear();
    }
  };
}

const NO_BODY = new Set([101, 204, 205, 304]);

function asResponse(raw: RawResponse): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw.headers)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
      headers.append(name, v);
  }
  const body = NO_BODY.has(raw.status) || raw.body.length === 0 ? null : new Uint8Array(raw.body);
  return new Response(body, { status: raw.status, headers });
}

/** The same fetch, every request also ended by `signal` (a launch step's deadline). */
export function authorizedFetchWithin(fetch: AuthorizedFetch, signal: AbortSignal): AuthorizedFetch {
  return (url, init = {}) =>
    fetch(url, { ...init, signal: init.signal ? AbortSignal.any([init.signal, signal]) : signal });
}
