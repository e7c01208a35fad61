// A loopback audit endpoint for the audit tests: `PUT /AuditEvent/{id}` stores (idempotently, by id) and
// counts every PUT; it can be taken down (connections refused) and brought back on the same port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestAuditServer {
  url: string;
  /** Stored events by id (one per id, however many times it was PUT). */
  events: Map<string, { resourceType: string; id: string }>;
  /** Every PUT in arrival order, duplicates included. */
  puts: string[];
  down(): Promise<void>;
  up(): Promise<void>;
  /** Answer PUTs with this status instead of storing (undefined: normal). */
  failWith: number | undefined;
  close(): Promise<void>;
}

export async function startTestAuditServer(): Promise<TestAuditServer> {
  const events = new Map<string, { resourceType: string; id: string }>();
  const puts: string[] = [];
  const state = { failWith: undefined as number | undefined };
  const handler: http.RequestListener = (req, res) => {
    const match = /^\/AuditEvent\/([A-Za-z0-9.-]{1,64})$/.exec(req.url ?? '');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'PUT' || !match) {
        res.writeHead(404).end();
        return;
      }
      if (state.failWith) {
        res.writeHead(state.failWith).end();
        return;
      }
      const id = match[1] as string;
      let body: { resourceType?: string; id?: string };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      if (body.resourceType !== 'AuditEvent' || body.id !== id) {
        res.writeHead(400).end();
        return;
      }
      puts.push(id);
      const existed = events.has(id);
      events.set(id, body as { resourceType: string; id: string });
      res
        .writeHead(existed ? 200 : 201, { 'content-type': 'application/fhir+json' })
        .end(JSON.stringify(body));
    });
  };
  let server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const closeServer = (s: http.Server) =>
    new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  let listening = true;
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    puts,
    get failWith() {
      return state.failWith;
    },
    set failWith(v) {
      state.failWith = v;
    },
    async down() {
      if (!listening) return;
      listening = false;
      await closeServer(server);
    },
    async up() {
      if (listening) return;
      server = http.createServer(handler);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      listening = true;
    },
    async close() {
      if (listening) await closeServer(server);
      listening = false;
    },
  };
}
