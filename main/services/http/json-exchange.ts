// One bounded JSON exchange with a server that is sent no bearer token (a SMART configuration, a token
// endpoint, a key set): through a SourceClient for that server's origin, so the answer is read within a size
// limit (counted while it streams) and a time limit, and a redirect is not followed.
import { parseJsonBytes } from './json-text';
import { SourceClient } from './source-client';
import type { Transport } from './transport';

export interface JsonReply {
  status: number;
  ok: boolean;
  /** The body when it is a JSON object; undefined otherwise (the caller words the error). */
  body?: Record<string, unknown>;
}

export interface JsonExchange {
  /** For messages, e.g. "the EPR's sign-in server". */
  name: string;
  timeoutMs: number;
  maxBytes: number;
  /** A form (application/x-www-form-urlencoded) to POST; GET without one. */
  form?: string;
  transport?: Transport;
  /** The caller's own deadline, on top of timeoutMs. */
  signal?: AbortSignal;
}

/** Throws FetchFailure when there is no answer to read (unreachable, too big, too slow). */
export async function exchangeJson(url: string, request: JsonExchange): Promise<JsonReply> {
  const client = new SourceClient({
    name: request.name,
    baseUrl: url,
    deadlineMs: request.timeoutMs,
    ...(request.transport ? { transport: request.transport } : {}),
    limits: { maxResponseBytes: request.maxBytes, concurrency: 1, maxRetries: 0, maxRedirects: 0 },
  });
  try {
    const response = await client.send(url, {
      accept: 'application/json',
      ...(request.form !== undefined
        ? { method: 'POST', body: request.form, contentType: 'application/x-www-form-urlencoded' }
        : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    return {
      status: response.status,
      ok: response.status >= 200 && response.status < 300,
      body: jsonObject(response.body, response.contentType),
    };
  } finally {
    await client.close();
  }
}

function jsonObject(bytes: Buffer, contentType: string): Record<string, unknown> | undefined {
  try {
    const body = parseJsonBytes(bytes, contentType);
    return body !== null && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
