// Launch input from either entry point (the private-use URI scheme or argv), and the OAuth redirect coming
// back through the scheme or the fixed loopback redirect. One parser, so both entry points behave the same.
import { LAUNCH_SCHEME } from '../launch-scheme';
import { LaunchError } from './errors';

/** RFC 8252 §7.1 private-use scheme redirect: what the app registers with EPRs. */
export const SCHEME_REDIRECT_URI = `${LAUNCH_SCHEME}://callback`;
/**
 * RFC 8252 §7.3 loopback redirect, for machines where the URI scheme cannot be registered. The port is fixed
 * (47615) so it can be registered with the authorization server exactly; the listener binds 127.0.0.1 only.
 */
export const LOOPBACK_REDIRECT_PORT = 47615;
export const LOOPBACK_REDIRECT_URI = `http://127.0.0.1:${LOOPBACK_REDIRECT_PORT}/callback`;

export interface LaunchRequest {
  /** Absent for a standalone launch. */
  iss?: string;
  launch?: string;
}

const MAX_LEN = 4096;

function requireHttpUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new LaunchError('bad-launch-input', `The ${what} is not a valid URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new LaunchError('bad-launch-input', `The ${what} must be an http(s) URL.`);
  }
  if (url.username || url.password)
    throw new LaunchError('bad-launch-input', `The ${what} must not carry credentials.`);
  return value;
}

function fromParams(get: (name: string) => string | null | undefined): LaunchRequest {
  const iss = get('iss') ?? undefined;
  const launch = get('launch') ?? undefined;
  if (!iss)
    throw new LaunchError(
      'bad-launch-input',
      'The launch has no iss (the EPR server): relaunch from your clinical system.',
    );
  if (!launch)
    throw new LaunchError(
      'bad-launch-input',
      'The launch has no launch value: relaunch from your clinical system.',
    );
  if (launch.length > 1024 || /[\s<>"]/.test(launch))
    throw new LaunchError('bad-launch-input', 'The launch value is malformed.');
  return { iss: requireHttpUrl(iss, 'launching server (iss)'), launch };
}

/** `uk.nhs.wessexcarerecords://launch?iss=…&launch=…` */
export function parseLaunchUri(raw: string): LaunchRequest {
  if (raw.length > MAX_LEN) throw new LaunchError('bad-launch-input', 'The launch link is too long.');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new LaunchError('bad-launch-input', 'The launch link is not a valid URL.');
  }
  if (url.protocol !== `${LAUNCH_SCHEME}:` || url.host !== 'launch') {
    throw new LaunchError('bad-launch-input', `Expected a ${LAUNCH_SCHEME}://launch link.`);
  }
  return fromParams((name) => url.searchParams.get(name));
}

/** The launch in a process's argv: a launch URI (as the OS passes it) or `--iss … --launch …`. */
export function parseLaunchArgv(argv: readonly string[]): LaunchRequest | undefined {
  // Schemes are case-insensitive (RFC 3986 §3.1): the OS may pass the link as the EPR wrote it.
  const prefix = `${LAUNCH_SCHEME}://launch`.toLowerCase();
  const uri = argv.find((a) => a.slice(0, prefix.length).toLowerCase() === prefix);
  if (uri) return parseLaunchUri(uri);
  const value = (flag: string): string | undefined => {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i] ?? '';
      if (arg === flag) return argv[i + 1];
      if (arg.startsWith(`${flag}=`)) return arg.slice(flag.length + 1);
    }
    return undefined;
  };
  const iss = value('--iss');
  const launch = value('--launch');
  if (iss === undefined && launch === undefined) return undefined;
  return fromParams((name) => (name === 'iss' ? iss : launch));
}

/** True when this URL is an OAuth redirect back to the app (scheme or loopback form). */
export function isAuthorizationCallback(raw: string): boolean {
  return (
    raw.startsWith(`${SCHEME_REDIRECT_URI}?`) ||
    raw.startsWith(`${LOOPBACK_REDIRECT_URI}?`) ||
    raw === SCHEME_REDIRECT_URI ||
    raw === LOOPBACK_REDIRECT_URI
  );
}

export interface AuthorizationCallback {
  code?: string;
  state?: string;
  error?: string;
  errorDescription?: string;
  /** RFC 9207: who answered, when the server says. */
  iss?: string;
}

export function parseAuthorizationCallback(raw: string): AuthorizationCallback {
  if (raw.length > MAX_LEN || !isAuthorizationCallback(raw)) {
    throw new LaunchError('bad-launch-input', 'That is not an authorization response for this app.');
  }
  const q = new URL(raw).searchParams;
  const pick = (name: string): string | undefined => q.get(name) ?? undefined;
  return {
    code: pick('code'),
    state: pick('state'),
    error: pick('error'),
    errorDescription: pick('error_description'),
    iss: pick('iss'),
  };
}
