// For the CLI and tests: plays the system browser's part against an authorization server that approves
// without a login page (the sandbox, EPR test launchers), following redirects until the app's redirect URI.
import { isAuthorizationCallback } from './launch-input';
import { LaunchError } from './errors';
import { REQUEST_TIMEOUT_MS, type FetchLike } from './http';

const MAX_HOPS = 5;

export async function followAuthorizationRedirects(
  authorizeUrl: string,
  fetchImpl: FetchLike,
): Promise<string> {
  let current = authorizeUrl;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    if (!/^https?:\/\//.test(current)) break;
    const response = await fetchImpl(current, {
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    await response.body?.cancel();
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) {
      throw new LaunchError(
        'interactive-login-required',
        `The sign-in server asks for an interactive login (HTTP ${response.status}); run without --headless.`,
      );
    }
    current = new URL(location, current).toString();
    if (isAuthorizationCallback(current)) return current;
  }
  throw new LaunchError(
    'interactive-login-required',
    'The sign-in server did not redirect back to this app.',
  );
}
