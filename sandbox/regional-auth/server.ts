// The Wessex regional authorization server on its own loopback origin (its issuer URL):
//   {issuer}/.well-known/openid-configuration (same JSON at /.well-known/smart-configuration)
//   {issuer}/jwks     the ES256 key resource servers verify access tokens with
//   {issuer}/token    POST, RFC 8693 token exchange (see token-exchange.ts for what it trusts)
// Requests are logged without query strings, bodies or token values.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSigningKey } from '../auth/signing-key';
import { readBody, sendJson, type RequestLogEntry } from '../epr/http';
import { TOKEN_EXCHANGE_GRANT } from './claims';
import { TokenExchange, type TrustedIssuer } from './token-exchange';

/** The viewer's public client id at the regional authorization server. */
export const REGIONAL_VIEWER_CLIENT_ID = 'wessex-viewer';

export interface RegionalAuthOptions {
  host?: string;
  port?: number;
  /** Clock (ms) for id_token checks and token issue, so tests can expire tokens without waiting. */
  now?: () => number;
  trustedIssuers?: TrustedIssuer[];
  clientIds?: string[];
}

export interface RegionalAuthServer {
  /** The issuer URL (this server's origin). */
  issuer: string;
  tokenEndpoint: string;
  jwksUri: string;
  /** Allow tokens for this resource server base URL (a FHIR base or the audit endpoint URL). */
  allowAudience(audience: string): void;
  trustIssuer(trusted: TrustedIssuer): void;
  /** Signs an access token with this server's key, claims as given (tests: tokens an exchange would not issue). */
  signAccessToken: TokenExchange['sign'];
  /** Every request received, in order (method and path only). */
  requestLog: RequestLogEntry[];
  close(): Promise<void>;
}

export async function startRegionalAuth(options: RegionalAuthOptions = {}): Promise<RegionalAuthServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const signingKey = await createSigningKey();
  const exchange = new TokenExchange({
    issuer,
    signingKey,
    nowMs: options.now ?? Date.now,
    clientIds: options.clientIds ?? [REGIONAL_VIEWER_CLIENT_ID],
  });
  for (const trusted of options.trustedIssuers ?? []) exchange.trustIssuer(trusted);

  const discovery = {
    issuer,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    grant_types_supported: [TOKEN_EXCHANGE_GRANT],
    token_endpoint_auth_methods_supported: ['none'],
    scopes_supported: ['patient/*.rs', 'user/*.rs'],
  };
  const requestLog: RequestLogEntry[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', issuer).pathname;
    requestLog.push({
      method: req.method ?? 'GET',
      path,
      origin: req.headers.origin ?? null,
      authorization: req.headers.authorization !== undefined,
    });
    if (
      req.method === 'GET' &&
      (path === '/.well-known/openid-configuration' || path === '/.well-known/smart-configuration')
    ) {
      return sendJson(res, 200, discovery);
    }
    if (req.method === 'GET' && path === '/jwks') return sendJson(res, 200, { keys: [signingKey.publicJwk] });
    if (path === '/token') {
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'invalid_request' });
      if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) {
        return sendJson(res, 400, {
          error: 'invalid_request',
          error_description: 'The token request must be application/x-www-form-urlencoded',
        });
      }
      const outcome = await exchange.exchange(new URLSearchParams(await readBody(req)));
      return sendJson(res, outcome.status, outcome.body);
    }
    sendJson(res, 404, { error: 'not_found' });
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
      else res.end();
    });
  });

  return {
    issuer,
    tokenEndpoint: discovery.token_endpoint,
    jwksUri: discovery.jwks_uri,
    allowAudience: (audience) => exchange.allowAudience(audience),
    trustIssuer: (trusted) => exchange.trustIssuer(trusted),
    signAccessToken: (claims, at) => exchange.sign(claims, at),
    requestLog,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
