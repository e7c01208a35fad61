// Minimal HTTP plumbing for the sandbox EPR (node:http, loopback only).
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RequestLogEntry {
  method: string;
  /** Path without the query string (queries may carry identifiers). */
  path: string;
  /** The Origin header, when a browser-like client sent one. */
  origin: string | null;
  /** Whether an Authorization header was present (its value is never recorded). */
  authorization: boolean;
}

const MAX_BODY = 64 * 1024;

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json',
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': `${contentType}; charset=utf-8`,
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendFhir(res: ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, body, 'application/fhir+json');
}

export function operationOutcome(code: string, diagnostics: string): Record<string, unknown> {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}
