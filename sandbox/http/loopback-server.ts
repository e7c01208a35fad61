// A loopback HTTP server with injectable latency and faults and a request log: the transport every sandbox
// server (regional FHIR, locator, audit) shares. Handlers return FHIR JSON; faults are applied around them.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gzip } from 'node:zlib';
import type { Bundle, Resource } from '../../common/fhir';
import { drainedOrClosed } from './drained';
import { RESPONSE_SHAPING, type ActiveFault, type FaultMode, type FaultOptions } from './faults';
import { operationOutcome } from './outcome';
import { hostileErrorText } from './hostile-text';
import type { PacedLink } from './paced-link';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const MAX_REQUEST_BODY = 1_000_000;
/** Like the proxies in front of real FHIR servers: gzip at level 1 (nginx's default) when asked, past 1 KB. */
const GZIP_FROM_BYTES = 1024;
const GZIP_LEVEL = 1;

/** Whether the request's Accept-Encoding takes gzip: named with a weight above 0, or by "*" when not named. */
function acceptsGzip(res: ServerResponse): boolean {
  const accepted = res.req?.headers['accept-encoding'];
  const weights = new Map<string, number>();
  for (const offer of typeof accepted === 'string' ? accepted.split(',') : []) {
    const [name = '', ...params] = offer.split(';').map((p) => p.replace(/\s+/g, '').toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    weights.set(name, q === undefined ? 1 : Number(q.slice(2)));
  }
  return (weights.get('gzip') ?? weights.get('*') ?? 0) > 0;
}

export interface RequestLogEntry {
  method: string;
  /** Absolute URL as requested. */
  url: string;
  /** Whether an Authorization header was present (its value is never logged). */
  authorization: boolean;
  at: string;
  status?: number;
  fault?: FaultMode;
}

export interface SandboxRequest {
  method: string;
  url: URL;
  /** Path segments after the server's base path, e.g. ["Patient", "123"]. */
  segments: string[];
  headers: IncomingHttpHeaders;
  body?: unknown;
  /** The request body's bytes as received (for servers that hash what was sent). */
  rawBody?: Buffer;
}

export interface SandboxResponse {
  status: number;
  /** FHIR JSON (object) or raw bytes with `contentType`. */
  body?: Resource | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export type SandboxHandler = (req: SandboxRequest) => Promise<SandboxResponse>;

export interface LoopbackServerOptions {
  id: string;
  name: string;
  host: string;
  port?: number;
  /** Base path of the FHIR endpoint, e.g. "/fhir". */
  basePath: string;
  /** Answers requests inside the base path (or override `route` in a subclass). */
  handler?: SandboxHandler;
  /** Origin used by the 'next-link-other-origin' fault (a different host that must never get a token). */
  otherOrigin?: () => string | undefined;
  latencyMs?: number;
  /** Answers gzipped for clients that ask (default true), as the proxies in front of real servers do. */
  gzip?: boolean;
  /** A slow link the answers go out over (shared with the other servers on it); none: as fast as loopback. */
  link?: PacedLink;
}

/** What a server built on this one takes through to it: where it listens and how its answers travel. */
export type LoopbackTransportOptions = Pick<
  LoopbackServerOptions,
  'host' | 'port' | 'latencyMs' | 'gzip' | 'link' | 'otherOrigin'
>;

export class LoopbackServer {
  readonly id: string;
  readonly name: string;
  readonly requests: RequestLogEntry[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private fault: ActiveFault | undefined;
  private latencyMs: number;
  private port: number;
  private listening = false;
  private closed = false;

  constructor(private readonly options: LoopbackServerOptions) {
    this.id = options.id;
    this.name = options.name;
    this.port = options.port ?? 0;
    this.latencyMs = options.latencyMs ?? 0;
    this.server = createServer((req, res) => {
      void this.handle(req.method ?? 'GET', req.url ?? '/', req.headers, req, res);
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Origin + base path, e.g. http://127.0.0.1:41234/fhir */
  get baseUrl(): string {
    return `${this.origin}${this.options.basePath}`;
  }

  get origin(): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `http://${host}:${this.port}`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.options.host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        if (address && typeof address === 'object') this.port = address.port;
        this.listening = true;
        resolve();
      });
    });
  }

  /** Closes the listener (dropping every connection) and listens again on the same port; state is kept. */
  async restart(): Promise<void> {
    await this.stopListening();
    if (!this.closed) await this.start();
  }

  /** The HTTP server behind the listener (it outlives restarts), for servers that take websocket upgrades. */
  protected get httpServer(): Server {
    return this.server;
  }

  /** The latency injected now (ms), for servers that add it to what they push as well. */
  protected get injectedLatencyMs(): number {
    return this.latencyMs;
  }

  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  /** Sets (or with undefined clears) the fault. 'down' closes the listener; clearing it listens again on the same port. */
  async setFault(mode: FaultMode | undefined, options: FaultOptions = {}): Promise<void> {
    this.fault = mode ? { mode, options, remaining: options.times } : undefined;
    if (mode === 'down') await this.stopListening();
    else if (!this.listening && !this.closed) await this.start();
  }

  get currentFault(): FaultMode | undefined {
    return this.fault?.mode;
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.timers.clear();
    await this.stopListening();
  }

  private async stopListening(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  protected route(req: SandboxRequest): Promise<SandboxResponse> {
    if (!this.options.handler) throw new Error(`${this.id} has no handler`);
    return this.options.handler(req);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(entry);
    });
  }

  /** The fault this request gets, if any (consumes one of `times`). */
  private takeFault(segments: string[], url: URL): ActiveFault | undefined {
    const f = this.fault;
    if (!f || f.mode === 'down') return undefined;
    if (f.options.resourceType && segments[0] !== f.options.resourceType) return undefined;
    if (f.options.withoutParam && url.searchParams.has(f.options.withoutParam)) return undefined;
    if (f.remaining !== undefined) {
      f.remaining -= 1;
      if (f.remaining <= 0) this.fault = undefined;
    }
    return f;
  }

  private async handle(
    method: string,
    rawUrl: string,
    headers: IncomingHttpHeaders,
    req: NodeJS.ReadableStream,
    res: ServerResponse,
  ): Promise<void> {
    const url = new URL(rawUrl, this.origin);
    const entry: RequestLogEntry = {
      method,
      url: url.toString(),
      authorization: headers.authorization !== undefined,
      at: new Date().toISOString(),
    };
    this.requests.push(entry);
    try {
      const body = await readBody(req);
      if (this.latencyMs > 0) await this.sleep(this.latencyMs);
      if (this.closed) return void res.destroy();

      const base = this.options.basePath.replace(/\/$/, '');
      const inBase = url.pathname === base || url.pathname.startsWith(`${base}/`);
      const segments = inBase
        ? url.pathname.slice(base.length).split('/').filter(Boolean).map(decodeURIComponent)
        : [];
      const fault = inBase ? this.takeFault(segments, url) : undefined;
      if (fault) entry.fault = fault.mode;

      if (fault && !RESPONSE_SHAPING.has(fault.mode)) {
        const handled = await this.applyFault(fault, res, entry, { method, url });
        if (handled) return;
      }

      let response: SandboxResponse;
      if (!inBase) {
        response = {
          status: 404,
          body: operationOutcome('not-found', `No FHIR endpoint at ${url.pathname}`),
        };
      } else {
        let parsed: unknown;
        if (body.length > 0) {
          try {
            parsed = JSON.parse(body.toString('utf8'));
          } catch {
            return this.send(res, entry, {
              status: 400,
              body: operationOutcome('structure', 'Request body is not valid JSON'),
            });
          }
        }
        response = await this.route({ method, url, segments, headers, body: parsed, rawBody: body });
      }
      if (fault) response = this.shape(fault, url, response);
      if (fault?.mode === 'truncated-body') return this.sendTruncated(res, entry, response);
      this.send(res, entry, response);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.send(res, entry, {
        status: 500,
        body: operationOutcome('exception', `Sandbox server error: ${message}`),
      });
    }
  }

  /** Replaces the response entirely; false when the request should then be answered normally (slow). */
  private async applyFault(
    fault: ActiveFault,
    res: ServerResponse,
    entry: RequestLogEntry,
    request: { method: string; url: URL },
  ): Promise<boolean> {
    const o = fault.options;
    switch (fault.mode) {
      case 'slow':
        await this.sleep(o.delayMs ?? 30_000);
        if (this.closed) {
          res.destroy();
          return true;
        }
        return false;
      case '500':
        this.send(res, entry, {
          status: 500,
          body: operationOutcome('exception', 'Internal server error (sandbox fault)'),
        });
        return true;
      case '503':
        this.send(res, entry, {
          status: 503,
          body: operationOutcome('transient', 'Service unavailable (sandbox fault)'),
          headers: { 'Retry-After': String(o.retryAfterSeconds ?? 1) },
        });
        return true;
      case '429':
        this.send(res, entry, {
          status: 429,
          body: operationOutcome('throttled', 'Too many requests (sandbox fault)'),
          headers: { 'Retry-After': String(o.retryAfterSeconds ?? 1) },
        });
        return true;
      case 'malformed-json':
        this.send(res, entry, {
          status: 200,
          body: Buffer.from(
            '{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":',
          ),
          contentType: FHIR_JSON,
        });
        return true;
      case 'wrong-content-type':
        this.send(res, entry, {
          status: 200,
          body: Buffer.from(
            '<!doctype html><html><body><h1>Please sign in</h1><form action="/login"></form></body></html>',
          ),
          contentType: 'text/html; charset=utf-8',
        });
        return true;
      case 'oversize':
        await this.sendOversize(res, entry, o.bytes ?? 64 * 1024 * 1024);
        return true;
      case 'hostile-error-text': {
        const text = hostileErrorText(request);
        const outcome = operationOutcome('processing', text);
        outcome.issue[0]!.details = { text };
        this.send(res, entry, { status: o.status ?? 200, body: outcome });
        return true;
      }
      default:
        return false;
    }
  }

  private shape(fault: ActiveFault, url: URL, response: SandboxResponse): SandboxResponse {
    const body = response.body;
    if (!body || Buffer.isBuffer(body) || body.resourceType !== 'Bundle') return response;
    const bundle = structuredClone(body) as Bundle;
    switch (fault.mode) {
      case 'not-bundle': {
        const patient = bundle.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource;
        return { ...response, body: patient ?? { resourceType: 'Patient', id: 'not-a-bundle' } };
      }
      case 'operation-outcome-in-bundle':
        bundle.entry = [
          ...(bundle.entry ?? []),
          {
            resource: operationOutcome(
              'incomplete',
              'Some results could not be returned: index unavailable',
              'warning',
            ),
            search: { mode: 'outcome' },
          },
        ];
        return { ...response, body: bundle };
      case 'next-link-other-origin': {
        const other = this.options.otherOrigin?.() ?? 'http://127.0.0.2:9';
        const next = new URL(`${url.pathname}${url.search}`, other);
        next.searchParams.set(
          '_offset',
          String(Number(url.searchParams.get('_offset') ?? 0) + (bundle.entry?.length ?? 0)),
        );
        setNext(bundle, next.toString());
        return { ...response, body: bundle };
      }
      case 'next-link-loop':
        setNext(bundle, new URL(`${url.pathname}${url.search}`, this.origin).toString());
        return { ...response, body: bundle };
      default:
        return response;
    }
  }

  private encode(response: SandboxResponse): { bytes: Buffer; contentType: string } {
    const body = response.body;
    if (body === undefined) return { bytes: Buffer.alloc(0), contentType: FHIR_JSON };
    if (Buffer.isBuffer(body))
      return { bytes: body, contentType: response.contentType ?? 'application/octet-stream' };
    return {
      bytes: Buffer.from(JSON.stringify(body), 'utf8'),
      contentType: response.contentType ?? FHIR_JSON,
    };
  }

  private send(res: ServerResponse, entry: RequestLogEntry, response: SandboxResponse): void {
    entry.status = response.status;
    if (res.headersSent || res.destroyed) return;
    const { bytes, contentType } = this.encode(response);
    const write = (body: Buffer, coding?: string) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(response.status, {
        'Content-Type': contentType,
        'Content-Length': String(body.length),
        ...(coding ? { 'Content-Encoding': coding, Vary: 'Accept-Encoding' } : {}),
        ...response.headers,
      });
      if (this.options.link) void this.options.link.send(res, body);
      else res.end(body);
    };
    if (this.options.gzip === false || bytes.length < GZIP_FROM_BYTES || !acceptsGzip(res))
      return write(bytes);
    // Compressed on libuv's threads, as a proxy in front of the server would, not on this server's own.
    gzip(bytes, { level: GZIP_LEVEL }, (error, zipped) => {
      // Outside the handler's try: a failure here ends this answer, never the server.
      try {
        if (error) write(bytes);
        else write(zipped, 'gzip');
      } catch {
        res.destroy();
      }
    });
  }

  private sendTruncated(res: ServerResponse, entry: RequestLogEntry, response: SandboxResponse): void {
    entry.status = response.status;
    const { bytes, contentType } = this.encode(response);
    res.writeHead(response.status, { 'Content-Type': contentType, 'Content-Length': String(bytes.length) });
    res.write(bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2))), () => res.destroy());
  }

  private async sendOversize(res: ServerResponse, entry: RequestLogEntry, bytes: number): Promise<void> {
    entry.status = 200;
    res.writeHead(200, { 'Content-Type': FHIR_JSON });
    let written = 0;
    const write = (chunk: string): Promise<void> | undefined => {
      written += chunk.length;
      return res.write(chunk) ? undefined : drainedOrClosed(res);
    };
    await write('{"resourceType":"Bundle","type":"searchset","entry":[');
    const pad = 'x'.repeat(1000);
    for (let i = 0; written < bytes && !res.destroyed && !this.closed; i++) {
      const chunk = `${i ? ',' : ''}{"resource":{"resourceType":"Observation","id":"pad-${i}","status":"final","code":{"text":"${pad}"}}}`;
      const wait = write(chunk);
      if (wait) await wait;
    }
    if (!res.destroyed) res.end(']}');
  }
}

function setNext(bundle: Bundle, url: string): void {
  bundle.link = [...(bundle.link ?? []).filter((l) => l.relation !== 'next'), { relation: 'next', url }];
}

async function readBody(req: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += buf.length;
    if (size > MAX_REQUEST_BODY) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}
