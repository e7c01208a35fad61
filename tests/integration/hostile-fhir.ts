// A loopback server for hostile behaviours the sandbox does not offer: a JSON body streamed without end, an
// answer that never comes, one trickled a byte at a time (slowloris), a kept-alive connection reset under the
// client. Routes are matched by path prefix;
// FHIR searches answer from a tiny in-memory store so a source can be found and read normally around the fault.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterEach } from 'vitest';
import { drainedOrClosed } from '../../sandbox/http/drained';

type Json = Record<string, unknown>;

export interface HostileRequest {
  method: string;
  url: URL;
  authorization?: string;
  acceptEncoding?: string;
  /** This request's place on its connection (1 = first request on a fresh connection). */
  onConnection: number;
}

export type Answer =
  | {
      kind: 'json';
      status?: number;
      body: unknown;
      location?: string;
      retryAfter?: string;
      /** Sent compressed this way (whatever the request offered). */
      coding?: 'gzip' | 'br';
    }
  /** These bytes exactly, with these headers and no others (a body that only claims to be compressed, say). */
  | {
      kind: 'bytes';
      status?: number;
      headers: Record<string, string>;
      body: Buffer;
      /** The connection is dropped once the body is written (a Content-Length may promise more). */
      thenDrop?: boolean;
    }
  | { kind: 'stream'; bytes: number; bytesPerSecond?: number }
  /**
   * One byte every `everyMs`, for ever: from the status line on (the headers never end), or from the body on
   * (status and headers sent at once, then a search Bundle that never ends).
   */
  | { kind: 'trickle'; from: 'status-line' | 'body'; everyMs: number }
  | { kind: 'hang' }
  | { kind: 'reset' };

export interface HostileServer {
  origin: string;
  requests: HostileRequest[];
  /** Connections the server still has open (a client that gave up must have closed its own). */
  openConnections(): number;
  close(): Promise<void>;
}

const CHUNK = Buffer.from(
  `{"resource":{"resourceType":"Observation","status":"final","code":{"text":"${'x'.repeat(8000)}"}}},`,
);

/** Writes a never-ending-looking search Bundle until `bytes` are sent or the client goes away. */
async function streamBundle(res: ServerResponse, bytes: number, bytesPerSecond?: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/fhir+json' });
  res.write('{"resourceType":"Bundle","type":"searchset","entry":[');
  let sent = 0;
  const started = Date.now();
  while (sent < bytes && !res.destroyed) {
    if (!res.write(CHUNK)) await drainedOrClosed(res);
    sent += CHUNK.length;
    if (bytesPerSecond) {
      const due = started + (sent / bytesPerSecond) * 1000;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    }
  }
  if (!res.destroyed) res.end('{}]}');
}

/** What a trickle sends before its endless tail: a status line and headers, or the start of a Bundle. */
const TRICKLED = {
  'status-line': {
    head: 'HTTP/1.1 200 OK\r\ncontent-type: application/fhir+json\r\nx-padding: ',
    tail: 'a',
  },
  body: { head: '{"resourceType":"Bundle","type":"searchset","entry":[', tail: ' ' },
};

/** Writes one byte every `everyMs` until the client goes away (the server never ends it). */
function trickle(req: IncomingMessage, res: ServerResponse, from: keyof typeof TRICKLED, everyMs: number) {
  const socket = req.socket;
  // From the status line on, the bytes go on the socket itself: the server's own response is never begun.
  const out = from === 'status-line' ? socket : res;
  if (from === 'body') res.writeHead(200, { 'content-type': 'application/fhir+json' });
  const { head, tail } = TRICKLED[from];
  let sent = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) return clearInterval(timer);
    out.write(head[sent] ?? tail);
    sent++;
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}

const COMPRESS = { gzip: (b: Buffer) => gzipSync(b), br: (b: Buffer) => brotliCompressSync(b) };

export function searchBundle(resources: Json[]): Json {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    entry: resources.map((resource) => ({ resource, search: { mode: 'match' } })),
  };
}

export async function startHostileServer(route: (req: HostileRequest) => Answer): Promise<HostileServer> {
  const requests: HostileRequest[] = [];
  const perSocket = new WeakMap<Socket, number>();
  const sockets = new Set<Socket>();
  let origin = '';
  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const onConnection = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, onConnection);
    const record: HostileRequest = {
      method: req.method ?? 'GET',
      url: new URL(req.url ?? '/', origin),
      authorization: req.headers.authorization,
      acceptEncoding: req.headers['accept-encoding'],
      onConnection,
    };
    requests.push(record);
    const answer = route(record);
    // Read (and drop) any request body first, so a reset or hang is what the client meets.
    req.resume();
    req.on('end', () => {
      if (answer.kind === 'reset') return req.socket.resetAndDestroy();
      if (answer.kind === 'hang') return;
      if (answer.kind === 'stream') return void streamBundle(res, answer.bytes, answer.bytesPerSecond);
      if (answer.kind === 'trickle') return trickle(req, res, answer.from, answer.everyMs);
      if (answer.kind === 'bytes') {
        // No Content-Length unless given: the body goes chunked, as a streaming server's would.
        res.writeHead(answer.status ?? 200, answer.headers);
        if (answer.thenDrop) return void res.write(answer.body, () => req.socket.destroy());
        return void res.end(answer.body);
      }
      const json = Buffer.from(JSON.stringify(answer.body));
      const body = answer.coding ? COMPRESS[answer.coding](json) : json;
      res.writeHead(answer.status ?? 200, {
        'content-type': 'application/fhir+json',
        'content-length': String(body.length),
        ...(answer.coding ? { 'content-encoding': answer.coding } : {}),
        ...(answer.location ? { location: answer.location } : {}),
        ...(answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}),
      });
      res.end(body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    openConnections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Starts a server for this file's tests; each is closed after the test that started it. */
export function serverPerTest(): (route: (req: HostileRequest) => Answer) => Promise<HostileServer> {
  const open: HostileServer[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return async (route) => {
    const server = await startHostileServer(route);
    open.push(server);
    return server;
  };
}

export const NHS = '9434765919';

/** The record asked for: this patient, from every regional source. */
export const IDENTITY = { nhsNumber: NHS, mayQueryRegionalSources: true };

export function patient(id: string): Json {
  return {
    resourceType: 'Patient',
    id,
    identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: NHS }],
    name: [{ family: 'Legg', given: ['David'] }],
    birthDate: '1951-04-17',
  };
}

export function allergy(id: string): Json {
  return {
    resourceType: 'AllergyIntolerance',
    id,
    patient: { reference: 'Patient/p1' },
    code: {
      coding: [{ system: 'http://snomed.info/sct', code: '91936005', display: 'Allergy to penicillin' }],
    },
  };
}

/**
 * A normal small FHIR source at `base` (a path on the server): metadata with no $everything, the patient
 * found by NHS number, one allergy, empty searches otherwise. `fault` may replace any answer.
 */
export function fhirSource(
  base: string,
  fault?: (req: HostileRequest, path: string) => Answer | undefined,
): (req: HostileRequest) => Answer | undefined {
  return (req) => {
    if (!req.url.pathname.startsWith(base)) return undefined;
    const path = req.url.pathname.slice(base.length).replace(/^\//, '');
    const faulted = fault?.(req, path);
    if (faulted) return faulted;
    if (path === 'metadata') return { kind: 'json', body: { resourceType: 'CapabilityStatement', rest: [] } };
    if (path === 'Patient') return { kind: 'json', body: searchBundle([patient('p1')]) };
    if (path === 'AllergyIntolerance') return { kind: 'json', body: searchBundle([allergy('a1')]) };
    return { kind: 'json', body: searchBundle([]) };
  };
}

/** The first route that answers, else 404. */
export function routes(...handlers: ((req: HostileRequest) => Answer | undefined)[]) {
  return (req: HostileRequest): Answer => {
    for (const handler of handlers) {
      const answer = handler(req);
      if (answer) return answer;
    }
    return { kind: 'json', status: 404, body: { resourceType: 'OperationOutcome', issue: [] } };
  };
}
