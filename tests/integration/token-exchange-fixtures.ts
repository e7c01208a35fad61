// A scriptable regional authorization server on loopback for the client's token-exchange tests: it records
// every request (path and form) and answers discovery and the token endpoint as each test says.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  form?: URLSearchParams;
  authorization?: string;
}

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface ScriptedServer {
  origin: string;
  requests: SeenRequest[];
  /** Answers every request; the default is set by the test. */
  answer: (request: SeenRequest) => Reply;
  close(): Promise<void>;
}

export async function startScriptedServer(answer: (request: SeenRequest) => Reply): Promise<ScriptedServer> {
  const requests: SeenRequest[] = [];
  const scripted: ScriptedServer = { origin: '', requests, answer, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const seen: SeenRequest = {
        method: req.method ?? 'GET',
        path: new URL(req.url ?? '/', 'http://x').pathname,
        ...(req.method === 'POST' ? { form: new URLSearchParams(body) } : {}),
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      };
      requests.push(seen);
      const reply = scripted.answer(seen);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  scripted.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  scripted.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return scripted;
}

/** An authorization server that exchanges any id_token for `token-<n>` tokens, numbered in issue order. */
export function exchangingServer(options: { tokenOrigin?: () => string; expiresIn?: number } = {}) {
  let issued = 0;
  return (request: SeenRequest, origin: string): Reply => {
    if (request.path === '/.well-known/openid-configuration') {
      return {
        status: 200,
        body: {
          issuer: origin,
          token_endpoint: `${options.tokenOrigin?.() ?? origin}/token`,
          grant_types_supported: ['urn:ietf:params:oauth:grant-type:token-exchange'],
        },
      };
    }
    if (request.path === '/token' && request.method === 'POST') {
      issued += 1;
      return {
        status: 200,
        body: {
          access_token: `token-${issued}`,
          issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          token_type: 'Bearer',
          expires_in: options.expiresIn ?? 300,
          scope: request.form?.get('scope'),
        },
      };
    }
    return { status: 404, body: {} };
  };
}
