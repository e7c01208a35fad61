// The only way a bearer token leaves this process: a fetch bound to the origin the token was issued for.
// Any other origin (a `next` link, a reference or a redirect to another host) is refused before a request
// is made. Redirects are followed by hand, same origin only, so fetch can never forward the header itself.
import { TokenOriginError } from './errors';
import { REQUEST_TIMEOUT_MS, type FetchLike } from './http';

export type AuthorizedFetch = (url: string, init?: RequestInit) => Promise<Response>;

export interface AuthorizedFetchOptions {
  /** The origin the token was issued for (e.g. the iss's origin). */
  origin: string;
  getToken: () => Promise<string>;
  /** After a 401: obtain a fresh token (or throw); the request is retried once. */
  refreshToken?: () => Promise<string>;
  fetch: FetchLike;
}

const MAX_REDIRECTS = 3;

export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid address';
  }
}

export function createAuthorizedFetch(options: AuthorizedFetchOptions): AuthorizedFetch {
  const tokenOrigin = new URL(options.origin).origin;
  const guard = (url: string): void => {
    const requestOrigin = originOf(url);
    if (requestOrigin !== tokenOrigin) throw new TokenOriginError(tokenOrigin, requestOrigin);
  };
  const send = async (url: string, init: RequestInit, token: string): Promise<Response> => {
    let current = url;
    for (let hop = 0; ; hop++) {
      guard(current);
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${token}`);
      if (!headers.has('accept')) headers.set('accept', 'application/fhir+json');
      const response = await options.fetch(current, {
        ...init,
        headers,
        redirect: 'manual',
        signal: init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location || hop >= MAX_REDIRECTS)
        return response;
      await response.body?.cancel();
      current = new URL(location, current).toString();
    }
  };
  return async (url, init = {}) => {
    guard(url);
    const response = await send(url, init, await options.getToken());
    if (response.status !== 401 || !options.refreshToken) return response;
    await response.body?.cancel();
    return send(url, init, await options.refreshToken());
  };
}
