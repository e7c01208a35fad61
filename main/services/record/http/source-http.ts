// HTTP for one FHIR source: same-origin bearer tokens only, one refresh after a 401, Retry-After honoured on
// 429/503 with capped exponential backoff, a byte cap counted while streaming, and plain-words failures.
import http from 'node:http';
import https from 'node:https';
import type { TokenProvider } from '../../auth/token-provider';
import { FetchFailure } from './fetch-failure';
import { PriorityLimiter, type Priority } from './limiter';

export interface HttpLimits {
  maxBodyBytes: number;
  concurrencyPerOrigin: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface RawResponse {
  status: number;
  contentType: string;
  body: Buffer;
  headers: http.IncomingHttpHeaders;
}

/** Keep-alive agents and connection budgets per origin, shared by every source in one record fetch. */
export class ConnectionPool {
  private readonly agents = new Map<string, http.Agent>();
  private readonly limiters = new Map<string, PriorityLimiter>();
  requests = 0;

  constructor(
    readonly limits: HttpLimits,
    private readonly onRequest?: (url: string) => void,
  ) {}

  agent(url: URL): http.Agent {
    let agent = this.agents.get(url.origin);
    if (!agent) {
      const options = { keepAlive: true, maxSockets: this.limits.concurrencyPerOrigin };
      agent = url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
      this.agents.set(url.origin, agent);
    }
    return agent;
  }

  limiter(url: URL): PriorityLimiter {
    let limiter = this.limiters.get(url.origin);
    if (!limiter) {
      limiter = new PriorityLimiter(this.limits.concurrencyPerOrigin);
      this.limiters.set(url.origin, limiter);
    }
    return limiter;
  }

  counted(url: URL): void {
    this.requests++;
    this.onRequest?.(url.href);
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNRESET',
]);

export interface SourceHttpOptions {
  sourceId: string;
  sourceName: string;
  fhirBase: string;
  tokens: TokenProvider;
  pool: ConnectionPool;
  /** Aborts on the caller's cancel or on the source deadline. */
  signal: AbortSignal;
  /** Distinguishes the deadline from a user cancel when the signal fires. */
  deadlineSignal: AbortSignal;
  deadlineMs: number;
}

export class SourceHttp {
  readonly origin: string;
  private token: Promise<string | undefined> | undefined;
  private refreshed: Promise<string | undefined> | undefined;

  constructor(private readonly options: SourceHttpOptions) {
    this.origin = new URL(options.fhirBase).origin;
  }

  get name(): string {
    return this.options.sourceName;
  }

  /** An absolute URL under this source's FHIR base for a relative path like "Patient?identifier=…". */
  url(path: string): string {
    return `${this.options.fhirBase.replace(/\/+$/, '')}/${path}`;
  }

  isSameOrigin(url: string): boolean {
    try {
      return new URL(url).origin === this.origin;
    } catch {
      return false;
    }
  }

  /** GET a FHIR JSON resource. */
  async getJson(url: string, priority: Priority = 1): Promise<unknown> {
    const response = await this.get(url, priority, 'application/fhir+json, application/json;q=0.9');
    if (!/json/i.test(response.contentType)) {
      throw new FetchFailure(
        'content-type',
        `answered with ${response.contentType || 'no content type'} instead of FHIR JSON`,
      );
    }
    try {
      return JSON.parse(response.body.toString('utf8'));
    } catch {
      throw new FetchFailure('malformed', 'sent a response that is not valid JSON');
    }
  }

  /** GET with the source's token (same origin only), retries and the byte cap; non-2xx is a failure. */
  async get(url: string, priority: Priority, accept: string): Promise<RawResponse> {
    const target = new URL(url);
    if (target.origin !== this.origin) {
      throw new FetchFailure('other-origin', `refused to send a request to another server (${target.host})`);
    }
    let token = await this.currentToken();
    let refreshedOnce = false;
    for (let attempt = 0; ; attempt++) {
      const response = await this.options.pool
        .limiter(target)
        .run(priority, () => this.once(target, accept, token), this.options.signal)
        .catch((error: unknown) => {
          throw this.explain(error);
        });
      if (response.status >= 200 && response.status < 300) return response;
      if (response.status === 401 && !refreshedOnce) {
        refreshedOnce = true;
        token = await this.refreshToken();
        if (token !== undefined) continue;
      }
      if (
        (response.status === 429 || response.status === 503) &&
        attempt < this.options.pool.limits.maxRetries
      ) {
        const limits = this.options.pool.limits;
        const backoff = Math.min(limits.retryMaxMs, limits.retryBaseMs * 2 ** attempt);
        const asked = retryAfterMs(response.headers['retry-after']);
        await sleep(Math.min(limits.retryMaxMs, asked ?? backoff), this.options.signal).catch(
          (error: unknown) => {
            throw this.explain(error);
          },
        );
        continue;
      }
      throw this.statusFailure(response.status, attempt);
    }
  }

  private statusFailure(status: number, attempt: number): FetchFailure {
    if (status === 401)
      return new FetchFailure('unauthorised', 'refused our sign-in (HTTP 401), even after renewing it', 401);
    if (status === 403) return new FetchFailure('forbidden', 'refused access to this record (HTTP 403)', 403);
    if (status === 429 || status === 503) {
      return new FetchFailure(
        'busy',
        `too busy to answer (HTTP ${status}), still busy after ${attempt + 1} attempts`,
        status,
      );
    }
    if (status >= 300 && status < 400) {
      return new FetchFailure(
        'redirect',
        `redirected the request elsewhere (HTTP ${status}); not followed`,
        status,
      );
    }
    if (status >= 500) return new FetchFailure('http', `had a server error (HTTP ${status})`, status);
    return new FetchFailure('http', `rejected the request (HTTP ${status})`, status);
  }

  private explain(error: unknown): FetchFailure {
    if (error instanceof FetchFailure) return error;
    if (this.options.signal.aborted) {
      return this.options.deadlineSignal.aborted
        ? new FetchFailure('timeout', `did not finish within ${Math.round(this.options.deadlineMs / 1000)} s`)
        : new FetchFailure('cancelled', 'fetch was cancelled');
    }
    const code = (error as { code?: string }).code;
    if (code && CONNECT_ERRORS.has(code)) {
      return new FetchFailure(
        'connect',
        `could not connect (${code === 'ECONNRESET' ? 'connection reset' : code})`,
      );
    }
    return new FetchFailure(
      'http',
      `network problem: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  private currentToken(): Promise<string | undefined> {
    this.token ??= this.options.tokens.getToken(this.options.sourceId);
    return this.token;
  }

  /** Many requests may see the same 401 at once: they share one refresh. */
  private refreshToken(): Promise<string | undefined> {
    if (!this.refreshed) {
      this.refreshed = this.options.tokens.refresh(this.options.sourceId).catch(() => undefined);
      this.token = this.refreshed;
    }
    return this.refreshed;
  }

  private once(url: URL, accept: string, token: string | undefined): Promise<RawResponse> {
    const { pool, signal } = this.options;
    const maxBytes = pool.limits.maxBodyBytes;
    pool.counted(url);
    const headers: Record<string, string> = { accept };
    // Same-origin is checked by get(); the token is only ever attached to its own server.
    if (token) headers.authorization = `Bearer ${token}`;
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<RawResponse>((resolve, reject) => {
      const request = transport.get(url, { agent: pool.agent(url), headers, signal }, (response) => {
        const declared = Number(response.headers['content-length']);
        const tooBig = () =>
          new FetchFailure(
            'oversize',
            `sent more than the ${Math.round(maxBytes / 1048576)} MB limit for one response`,
          );
        if (declared > maxBytes) {
          reject(tooBig());
          return response.destroy();
        }
        const chunks: Buffer[] = [];
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > maxBytes) {
            reject(tooBig());
            response.destroy();
          } else chunks.push(chunk);
        });
        response.on('end', () => {
          if (!response.complete || (Number.isFinite(declared) && received < declared)) {
            return reject(new FetchFailure('truncated', 'the response was cut off before it was complete'));
          }
          resolve({
            status: response.statusCode ?? 0,
            contentType: String(response.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks),
            headers: response.headers,
          });
        });
        response.on('error', () => {
          if (signal.aborted) return reject(signal.reason);
          reject(new FetchFailure('truncated', 'the response was cut off before it was complete'));
        });
        response.on('aborted', () =>
          reject(new FetchFailure('truncated', 'the response was cut off before it was complete')),
        );
      });
      request.on('error', reject);
    });
  }
}
