// The sandbox servers' bearer-token check: a 401 like a real resource server's, or undefined to go on.
import type { SandboxRequest, SandboxResponse } from './loopback-server';
import { operationOutcome } from './outcome';

/** Whether a bearer token is valid for this audience (the server's base URL). */
export type TokenVerifier = (bearer: string, audience: string) => Promise<boolean>;

/** The refusal for a request without a valid token for `audience`; undefined when it may go on (or auth is off). */
export async function bearerRefusal(
  req: SandboxRequest,
  verify: TokenVerifier | undefined,
  audience: string,
): Promise<SandboxResponse | undefined> {
  if (!verify) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (match?.[1] && (await verify(match[1], audience).catch(() => false))) return undefined;
  return {
    status: 401,
    body: operationOutcome(
      'login',
      match ? 'Access token is invalid, expired or not for this server' : 'Bearer token required',
    ),
    headers: { 'WWW-Authenticate': 'Bearer realm="wessex-sandbox"' },
  };
}
