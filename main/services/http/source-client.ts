// One HTTP client per configured source (or per server the launch talks to). It owns:
//  - the one origin it may reach, and the token for it: any other origin is refused before a request is made;
//  - redirects, followed by hand, same origin only and a few at most, so no header ever goes elsewhere;
//  - retries: Retry-After honoured on 429/503 (capped, exponential backoff otherwise), one token renewal after
//    a 401, and one retry of a GET whose connection dropped before any answer (a server closing a kept-alive
//    connection as we reuse it);
//  - its own connections and queue (critical requests jump ahead of bulk ones), so sources sharing a host never
//    starve each other;
//  - its deadline, which covers the token (discovery, token request) as well as every request;
//  - its memory: a cap per response and a budget for all its responses in flight, counted while streaming.
//
// undici's retry and redirect interceptors are not used: the redirect interceptor would still send the request
// to another origin (it only drops the Authorization header), and the retry interceptor resumes half-read
// bodies with Range requests, holds the connection slot while it waits, and shares one retry count between
// "busy" answers and dropped connections.
import { setMaxListeners } from 'node:events';
import PQueue from 'p-queue';
import { readBoundedBody } from './bounded-body';
import { abortable, DeadlineExceeded, durationText, sleep, startDeadline, type Deadline } from './deadline';
import { FetchFailure, statusFailure } from './failure';
import { isUnderBase } from './holder';
import { parseJsonBytes, UnknownCharset } from './json-text';
import { MemoryBudget } from './memory-budget';
import { networkProblem, unreachableWords } from './network-errors';
import type { SourceToken } from './source-token';
import {
  header,
  poolTransport,
  type PooledTransport,
  type ResponseHeaders,
  type Transport,
  type TransportResponse,
} from './transport';

export type Priority = 'critical' | 'bulk';

export interface SourceClientLimits {
  /** The most one response may send. */
  maxResponseBytes: number;
  /** The most all of this client's responses in flight may hold at once. */
  memoryBudgetBytes: number;
  /** Requests in flight at once (and connections kept). */
  concurrency: number;
  /** Retries of a GET answered 429 or 503. */
  maxRetries: number;
  retryBaseMs: number;
  /** The longest wait between retries, whatever Retry-After asks for. */
  retryMaxMs: number;
  /** Same-origin redirects followed for one request (0: none). */
  maxRedirects: number;
}

export const DEFAULT_CLIENT_LIMITS: SourceClientLimits = {
  maxResponseBytes: 32 * 1024 * 1024,
  memoryBudgetBytes: 64 * 1024 * 1024,
  concurrency: 8,
  maxRetries: 3,
  retryBaseMs: 250,
  retryMaxMs: 8_000,
  maxRedirects: 3,
};

export interface SourceClientOptions {
  /** For messages: "Dorset Care Record". */
  name: string;
  /** The FHIR base (or endpoint) this client serves; its origin is the only one it will reach. */
  baseUrl: string;
  token?: SourceToken;
  limits?: Partial<SourceClientLimits>;
  /** One deadline for everything this client does (token included), counted from construction. */
  deadlineMs?: number;
  /** The caller's cancel. */
  signal?: AbortSignal;
  /** Default: an undici Pool of `concurrency` connections to the origin, closed by close(). */
  transport?: Transport;
  /** Every request sent (URLs carry identifiers: count them, never log them). */
  onRequest?: (url: string) => void;
}

export interface RequestOptions {
  priority?: Priority;
  accept?: string;
  /** Ends this request early (its own time limit); the client's deadline applies as well. */
  signal?: AbortSignal;
  /** A lower cap for this response than the client's. */
  maxBytes?: number;
}

export interface SendOptions extends RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: string;
  contentType?: string;
}

export interface RawResponse {
  /** Where the answer came from (after same-origin redirects). */
  url: string;
  status: number;
  contentType: string;
  headers: ResponseHeaders;
  body: Buffer;
}

const QUEUE_PRIORITY: Record<Priority, number> = { critical: 1, bulk: 0 };
const FHIR_JSON = 'application/fhir+json, application/json;q=0.9';
const EMPTY = Buffer.alloc(0);
const isRedirect = (status: number) => [301, 302, 303, 307, 308].includes(status);

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

interface Exchange<T> {
  method: 'GET' | 'POST' | 'DELETE';
  accept: string;
  body?: string;
  contentType?: string;
  priority: Priority;
  maxBytes: number;
  signal: AbortSignal;
  /** Final answers whose body is worth reading (others are dropped unread). */
  wantsBody: (status: number) => boolean;
  /** `signedIn`: the request carried this source's token. */
  consume: (response: RawResponse, busyAttempts: number, signedIn: boolean) => T;
}

/**
 * What one attempt came back with: a final answer (its body's bytes still counted against the budget until
 * digested), or a status the retry loop acts on.
 */
type Attempt = { final: RawResponse; held: number } | { status: number; headers: ResponseHeaders };

export class SourceClient {
  readonly name: string;
  readonly origin: string;
  private readonly base: string;
  private readonly limits: SourceClientLimits;
  private readonly queue: PQueue;
  private readonly budget: MemoryBudget;
  private readonly pooled?: PooledTransport;
  private readonly transport: Transport;
  private readonly deadline?: Deadline;
  private readonly signal: AbortSignal;

  constructor(private readonly options: SourceClientOptions) {
    this.name = options.name;
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.origin = new URL(options.baseUrl).origin;
    this.limits = { ...DEFAULT_CLIENT_LIMITS, ...options.limits };
    this.queue = new PQueue({ concurrency: this.limits.concurrency });
    this.budget = new MemoryBudget(this.limits.memoryBudgetBytes);
    if (options.transport) this.transport = options.transport;
    else {
      this.pooled = poolTransport(this.origin, this.limits.concurrency);
      this.transport = this.pooled.send;
    }
    if (options.deadlineMs !== undefined) this.deadline = startDeadline(options.deadlineMs);
    const signals = [options.signal, this.deadline?.signal].filter((s): s is AbortSignal => s !== undefined);
    this.signal = signals.length ? AbortSignal.any(signals) : new AbortController().signal;
    // Every request in flight or queued listens for the abort: many listeners are expected here.
    setMaxListeners(0, this.signal);
  }

  /** An absolute URL under this client's base for a relative path like "Patient?identifier=…". */
  url(path: string): string {
    return `${this.base}/${path}`;
  }

  /** The FHIR base (or endpoint) this client serves. */
  get baseUrl(): string {
    return this.base;
  }

  /** Under this client's base: its own pages, not another source's on the same host. */
  isUnderBase(url: string): boolean {
    return isUnderBase(url, this.base);
  }

  isSameOrigin(url: string): boolean {
    try {
      return new URL(url).origin === this.origin;
    } catch {
      return false;
    }
  }

  /** Any answer, whatever its status (after retries and redirects); failures only for what is not an answer. */
  send(url: string, options: SendOptions = {}): Promise<RawResponse> {
    return this.exchange(
      url,
      options,
      () => true,
      (response) => response,
    );
  }

  /** GET; anything but a 2xx answer is a failure. */
  get(url: string, options: RequestOptions = {}): Promise<RawResponse> {
    return this.exchange(
      url,
      { ...options, method: 'GET' },
      isOkOrRefusal,
      (response, busyAttempts, signedIn) => {
        if (!isOk(response.status))
          throw statusFailure(response.status, busyAttempts, signedIn, response.body);
        return response;
      },
    );
  }

  /** GET a JSON document (FHIR or plain JSON), parsed while its bytes are still counted against the budget. */
  getJson(url: string, options: RequestOptions = {}): Promise<unknown> {
    return this.exchange(
      url,
      { accept: FHIR_JSON, ...options, method: 'GET' },
      isOkOrRefusal,
      (response, busyAttempts, signedIn) => {
        if (!isOk(response.status))
          throw statusFailure(response.status, busyAttempts, signedIn, response.body);
        return parseJson(response);
      },
    );
  }

  /** Stops the deadline and drops this client's connections. */
  async close(): Promise<void> {
    this.deadline?.clear();
    await this.pooled?.close();
  }

  private async exchange<T>(
    url: string,
    options: SendOptions,
    wantsBody: (status: number) => boolean,
    consume: (response: RawResponse, busyAttempts: number, signedIn: boolean) => T,
  ): Promise<T> {
    const signal = options.signal ? AbortSignal.any([this.signal, options.signal]) : this.signal;
    try {
      return await this.run(this.guard(url), {
        method: options.method ?? 'GET',
        accept: options.accept ?? FHIR_JSON,
        body: options.body,
        contentType: options.contentType,
        priority: options.priority ?? 'critical',
        maxBytes: Math.min(options.maxBytes ?? Infinity, this.limits.maxResponseBytes),
        signal,
        wantsBody,
        consume,
      });
    } catch (error) {
      throw this.explain(error, signal);
    }
  }

  private guard(url: string): URL {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new FetchFailure('malformed', 'was asked for an address that is not valid');
    }
    if (target.origin !== this.origin) {
      throw new FetchFailure(
        'other-origin',
        `refused to send a request to another server (${target.host})`,
        undefined,
        target.origin,
      );
    }
    return target;
  }

  private async run<T>(first: URL, exchange: Exchange<T>): Promise<T> {
    const { method, signal } = exchange;
    let target = first;
    let token = await this.bearer(() => this.options.token?.get(), signal);
    let renewed = false;
    let busyRetries = 0;
    let resetRetried = false;
    let redirects = 0;
    const handles = (status: number, headers: ResponseHeaders) =>
      (status === 401 && !renewed && this.options.token?.refresh !== undefined) ||
      ((status === 429 || status === 503) && method === 'GET' && busyRetries < this.limits.maxRetries) ||
      (isRedirect(status) &&
        method === 'GET' &&
        this.limits.maxRedirects > 0 &&
        !!header(headers, 'location'));
    for (;;) {
      let attempt: Attempt;
      try {
        attempt = await this.queue.add(() => this.attempt(target, token, exchange, handles), {
          priority: QUEUE_PRIORITY[exchange.priority],
          signal,
        });
      } catch (error) {
        // A dropped connection before any answer: a GET is safe to send once more.
        const beforeAnswer = !(error instanceof FetchFailure) && !signal.aborted;
        if (method === 'GET' && !resetRetried && beforeAnswer && networkProblem(error)?.reset) {
          resetRetried = true;
          continue;
        }
        throw error;
      }
      if ('final' in attempt) {
        // Digested outside the queue, so the next request is already on its way meanwhile.
        try {
          return exchange.consume(attempt.final, busyRetries + 1, token !== undefined);
        } finally {
          this.budget.give(attempt.held);
        }
      }
      const { status, headers } = attempt;
      if (status === 401) {
        renewed = true;
        token = await this.bearer(() => this.options.token?.refresh?.(), signal);
        if (token === undefined) throw statusFailure(401, 1);
      } else if (status === 429 || status === 503) {
        const backoff = this.limits.retryBaseMs * 2 ** busyRetries;
        const asked = retryAfterMs(header(headers, 'retry-after'));
        busyRetries++;
        await sleep(Math.min(this.limits.retryMaxMs, asked ?? backoff), signal).catch((error: unknown) => {
          // Out of time while waiting as it asked: the server was busy, not slow to answer.
          if (signal.reason instanceof DeadlineExceeded) {
            const within = durationText(signal.reason.ms);
            throw new FetchFailure('busy', `too busy to answer (HTTP ${status}) within ${within}`, status);
          }
          throw error;
        });
      } else {
        target = this.redirectTarget(target, status, header(headers, 'location')!, ++redirects);
      }
    }
  }

  private async attempt<T>(
    target: URL,
    token: string | undefined,
    exchange: Exchange<T>,
    handles: (status: number, headers: ResponseHeaders) => boolean,
  ): Promise<Attempt> {
    const headers: Record<string, string> = { accept: exchange.accept };
    if (exchange.contentType) headers['content-type'] = exchange.contentType;
    // The guard has already checked this is the token's own origin.
    if (token) headers.authorization = `Bearer ${token}`;
    this.options.onRequest?.(target.href);
    const response = await this.transport({
      url: target,
      method: exchange.method,
      headers,
      ...(exchange.body !== undefined ? { body: exchange.body } : {}),
      signal: exchange.signal,
    });
    if (handles(response.status, response.headers)) {
      response.discard();
      return { status: response.status, headers: response.headers };
    }
    if (!exchange.wantsBody(response.status)) {
      response.discard();
      return { final: this.raw(target, response, EMPTY), held: 0 };
    }
    const { bytes, held } = await readBoundedBody(
      response,
      { maxBytes: exchange.maxBytes, budget: this.budget },
      exchange.signal,
    ).catch((error: unknown) => {
      // An error's explanation that cannot be decoded leaves the error itself (a refusal is still a 403).
      if (response.status >= 400 && error instanceof FetchFailure && error.kind === 'malformed')
        return { bytes: EMPTY, held: 0 };
      throw error;
    });
    return { final: this.raw(target, response, bytes), held };
  }

  private raw(target: URL, response: TransportResponse, body: Buffer): RawResponse {
    return {
      url: target.href,
      status: response.status,
      contentType: header(response.headers, 'content-type') ?? '',
      headers: response.headers,
      body,
    };
  }

  private redirectTarget(from: URL, status: number, location: string, count: number): URL {
    let next: URL;
    try {
      next = new URL(location, from);
    } catch {
      throw new FetchFailure(
        'redirect',
        `sent a redirect to an address that is not valid (HTTP ${status})`,
        status,
      );
    }
    if (next.origin !== this.origin) {
      throw new FetchFailure(
        'redirect',
        `redirected the request to another server (${next.host}); not followed`,
        status,
        next.origin,
      );
    }
    if (count > this.limits.maxRedirects) {
      throw new FetchFailure(
        'redirect',
        `redirected the request more than ${this.limits.maxRedirects} times; not followed`,
        status,
      );
    }
    return next;
  }

  /** The token, within the deadline: a sign-in server that hangs cannot hold the source past it. */
  private async bearer(
    obtain: () => Promise<string | undefined> | undefined,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const pending = obtain();
    if (!pending) return undefined;
    try {
      return await abortable(pending, signal);
    } catch (error) {
      // Out of time while signing in: the sign-in server was the slow one, not the source.
      if (signal.aborted && signal.reason instanceof DeadlineExceeded) {
        const within = durationText(signal.reason.ms);
        throw new FetchFailure(
          'timeout',
          `could not sign in: the sign-in server did not answer within ${within}`,
        );
      }
      if (signal.aborted) throw error;
      const text = error instanceof Error ? error.message : String(error);
      const reason = text.startsWith(this.name) ? text.slice(this.name.length).replace(/^[:\s]+/, '') : text;
      throw new FetchFailure('sign-in', `could not sign in: ${reason}`, undefined, undefined, {
        cause: error,
      });
    }
  }

  private explain(error: unknown, signal: AbortSignal): FetchFailure {
    if (error instanceof FetchFailure) return error;
    if (signal.aborted) {
      const reason: unknown = signal.reason;
      // A server that answers a byte at a time (or not at all) is stopped here, whatever it has sent so far.
      if (reason instanceof DeadlineExceeded)
        return new FetchFailure('timeout', `was too slow: it ${reason.message}`);
      if ((reason as { name?: unknown } | undefined)?.name === 'TimeoutError')
        return new FetchFailure('timeout', 'did not answer in time');
      return new FetchFailure('cancelled', 'fetch was cancelled');
    }
    const problem = networkProblem(error);
    if (problem) {
      return new FetchFailure('connect', unreachableWords(problem), undefined, undefined, {
        cause: error,
      });
    }
    const text = error instanceof Error ? error.message : String(error);
    return new FetchFailure('http', `network problem: ${text}`, undefined, undefined, { cause: error });
  }
}

function isOk(status: number): boolean {
  return status >= 200 && status < 300;
}

/** A 403's OperationOutcome is read (within the size limit) for its access-refusal code. */
function isOkOrRefusal(status: number): boolean {
  return isOk(status) || status === 403;
}

function parseJson(response: RawResponse): unknown {
  if (!/json/i.test(response.contentType)) {
    throw new FetchFailure(
      'content-type',
      `answered with ${response.contentType || 'no content type'} instead of FHIR JSON`,
    );
  }
  try {
    return parseJsonBytes(response.body, response.contentType);
  } catch (error) {
    if (error instanceof UnknownCharset) {
      throw new FetchFailure(
        'malformed',
        `sent its answer in a character set this viewer cannot read (${error.charset.slice(0, 40)})`,
      );
    }
    throw new FetchFailure('malformed', 'sent a response that is not valid JSON');
  }
}
