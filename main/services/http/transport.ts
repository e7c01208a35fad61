// How bytes move: one request out, status + headers + a streamed body back. Production uses an undici Pool
// per client (its own connections, so sources on one host never queue behind each other); tests and the
// launch may hand in a fetch instead (to watch or tamper with requests). Redirects are never followed here.
// Compressed answers are decoded here for the pool (content-coding.ts); fetch decodes its own.
import type { Pool } from 'undici';
import { ACCEPT_ENCODING, contentCodings, decodedBody } from './content-coding';

export interface TransportRequest {
  url: URL;
  method: 'GET' | 'POST' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface TransportResponse {
  status: number;
  /** Lower-case names. */
  headers: ResponseHeaders;
  body: AsyncIterable<Uint8Array>;
  /** Drops whatever of the body has not been read (closing the connection when much is left). */
  discard(): void;
}

export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

export interface PooledTransport {
  send: Transport;
  close(): Promise<void>;
}

/** The fetch shape tests and the launch may inject. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Small leftovers are read so the connection can be reused; anything bigger closes it. */
const DISCARD_LIMIT = 64 * 1024;

export function poolTransport(origin: string, connections: number): PooledTransport {
  // undici is loaded, and the pool made, by the first request: a command that sends none never pays for them.
  let pool: Promise<Pool> | undefined;
  const open = () => (pool ??= import('undici').then(({ Pool }) => new Pool(origin, { connections })));
  return {
    send: async (request) => {
      const response = await (
        await open()
      ).request({
        path: `${request.url.pathname}${request.url.search}`,
        method: request.method,
        headers: { 'accept-encoding': ACCEPT_ENCODING, ...request.headers },
        body: request.body ?? null,
        signal: request.signal,
      });
      const discard = () => void response.body.dump({ limit: DISCARD_LIMIT }).catch(() => undefined);
      // No body to decode, whatever coding the headers name.
      const bodiless =
        response.statusCode === 204 ||
        response.statusCode === 304 ||
        response.headers['content-length'] === '0';
      const codings = bodiless ? [] : contentCodings(response.headers['content-encoding']);
      if (!codings.length)
        return { status: response.statusCode, headers: response.headers, body: response.body, discard };
      // Decoded, the body's length is no longer the one the server declared.
      const { 'content-encoding': _coding, 'content-length': _length, ...headers } = response.headers;
      return { status: response.statusCode, headers, body: decodedBody(response.body, codings), discard };
    },
    close: async () => {
      if (pool) await (await pool).destroy().catch(() => undefined);
    },
  };
}

async function* chunksOf(stream: ReadableStream<Uint8Array> | null): AsyncGenerator<Uint8Array> {
  if (!stream) return;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Stopped early (limit reached, error): let the rest go.
    reader.cancel().catch(() => undefined);
  }
}

export function fetchTransport(fetchImpl: FetchLike): Transport {
  return async (request) => {
    const response = await fetchImpl(request.url.href, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      redirect: 'manual',
      signal: request.signal,
    });
    const headers: ResponseHeaders = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    return {
      status: response.status,
      headers,
      body: chunksOf(response.body),
      discard: () => void response.body?.cancel().catch(() => undefined),
    };
  };
}

export function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
