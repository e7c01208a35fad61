// fhirclient, driven through a minimal in-memory adapter: its node adapter wants an http request/response
// pair (a web server app), whereas a desktop app has a launch URI and the system browser. We use it for what
// it does well: building the authorization request (noRedirect, pkceMode 'required', our stateKey and a
// fresh per-launch storage) and the token request body (incl. the PKCE code_verifier). The checks it gets
// wrong or leaves out are done around it (see the comment block in ./index.ts).
import type { fhirclient } from 'fhirclient/lib/types';
import { LaunchError } from './errors';

/** fhirclient is loaded on first use: starting the app or a CLI command that never signs in need not pay for it. */
async function loadFhirclient() {
  const [smart, security] = await Promise.all([
    import('fhirclient/lib/smart.js'),
    import('fhirclient/lib/security/server.js'),
  ]);
  return { smart, security: security as unknown as fhirclient.Adapter['security'] };
}

class MemoryStorage implements fhirclient.Storage {
  private readonly data = new Map<string, unknown>();
  set = async (key: string, value: unknown) => {
    this.data.set(key, value);
    return value;
  };
  get = async (key: string) => this.data.get(key);
  unset = async (key: string) => this.data.delete(key);
}

/** Just enough of fhirclient's Adapter for authorize()/buildTokenRequest() without an HTTP request/response. */
class InMemoryAdapter implements fhirclient.Adapter {
  readonly options = {};
  private readonly storage = new MemoryStorage();

  constructor(
    private readonly currentUrl: string,
    readonly security: fhirclient.Adapter['security'],
  ) {}
  getUrl = (): URL => new URL(this.currentUrl);
  redirect = (): void => {
    throw new Error('fhirclient tried to redirect; noRedirect must be set');
  };
  getStorage = (): fhirclient.Storage => this.storage;
  relative = (path: string): string => new URL(path, this.currentUrl).href;
  btoa = (str: string): string => Buffer.from(str).toString('base64');
  atob = (str: string): string => Buffer.from(str, 'base64').toString('ascii');
  base64urlencode = (input: string | Uint8Array): string => Buffer.from(input).toString('base64url');
  base64urldecode = (input: string): string => Buffer.from(input, 'base64url').toString();
  getAbortController = (): typeof AbortController => AbortController;
  getSmartApi = (): fhirclient.SMART => {
    throw new Error('not used');
  };
}

export interface AuthorizationRequest {
  /** The URL to open in the system browser. */
  url: string;
  /** fhirclient's client state (endpoints, PKCE pair); kept only in memory, bound to `state`. */
  clientState: fhirclient.ClientState;
}

export async function buildAuthorizationRequest(params: {
  iss: string;
  launch?: string;
  clientId: string;
  scope: string;
  redirectUri: string;
  state: string;
  /** Extra authorize parameters a server understands (e.g. the sandbox's standalone patient/user hints). */
  extra?: Record<string, string>;
}): Promise<AuthorizationRequest> {
  const { smart, security } = await loadFhirclient();
  const env = new InMemoryAdapter(params.redirectUri, security);
  const url = await smart.authorize(env, {
    iss: params.iss,
    launch: params.launch,
    clientId: params.clientId,
    scope: params.scope,
    redirectUri: params.redirectUri,
    stateKey: params.state,
    noRedirect: true,
    pkceMode: 'required',
  });
  const clientState = (await env.getStorage().get(params.state)) as fhirclient.ClientState | undefined;
  if (typeof url !== 'string' || !clientState) {
    throw new LaunchError('discovery-failed', 'Could not prepare the sign-in request for this EPR server.');
  }
  const built = new URL(url);
  // Belt and braces: never let a request out without S256 PKCE, our state, aud = iss and the launch echoed.
  if (
    !clientState.codeVerifier ||
    built.searchParams.get('code_challenge_method') !== 'S256' ||
    built.searchParams.get('state') !== params.state ||
    built.searchParams.get('aud') !== params.iss ||
    (params.launch !== undefined && built.searchParams.get('launch') !== params.launch)
  ) {
    throw new LaunchError(
      'pkce-unsupported',
      'The sign-in request could not be protected with PKCE; not sending it.',
    );
  }
  // Extra parameters add to the request; they never replace what it already says (scope, state, PKCE, aud).
  for (const [k, v] of Object.entries(params.extra ?? {})) {
    if (!built.searchParams.has(k)) built.searchParams.set(k, v);
  }
  return { url: built.toString(), clientState };
}

/** fhirclient's token request for the authorization code, with the code properly encoded. */
export async function buildCodeExchange(
  clientState: fhirclient.ClientState,
  code: string,
): Promise<RequestInit> {
  // fhirclient concatenates `code=${code}` unencoded; an encoded code cannot smuggle extra form fields.
  const { smart, security } = await loadFhirclient();
  return smart.buildTokenRequest(
    new InMemoryAdapter(clientState.redirectUri ?? 'http://127.0.0.1/', security),
    {
      code: encodeURIComponent(code),
      state: clientState,
    },
  );
}
