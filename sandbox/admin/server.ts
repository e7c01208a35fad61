// The sandbox's admin endpoint (sandbox only, loopback only): lets `wessex sandbox event` in another process
// admit, discharge, send to ED, file a letter for or record the death of a sandbox patient on a running
// sandbox, through the regional servers' test API. Its URL carries a random secret path, so only whoever the
// sandbox told (its own output, or its state file readable by this OS user only) can use it.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Resource } from '../../common/fhir';
import type { ClinicalEventOptions } from '../regional/clinical-events';
import type { RegionalServer } from '../regional/server';

export const SANDBOX_EVENT_KINDS = ['admit', 'discharge', 'ed', 'letter', 'death'] as const;
export type SandboxEventKind = (typeof SANDBOX_EVENT_KINDS)[number];
const MAX_BODY = 10_000;

export interface SandboxEventRequest {
  patient: string;
  source?: 'dcr' | 'chie';
  where?: string;
}

export interface SandboxEventAnswer {
  source: string;
  resourceType: string;
  id: string;
  status?: string;
}

export interface SandboxAdmin {
  /** `http://127.0.0.1:<port>/admin/<secret>`; POST `{url}/admit` (and discharge, ed, letter, death). */
  url: string;
  close(): Promise<void>;
}

const ACTIONS: Record<
  SandboxEventKind,
  (server: RegionalServer, patient: string, options: ClinicalEventOptions) => Promise<Resource>
> = {
  admit: (s, p, o) => s.admit(p, o),
  discharge: (s, p, o) => s.discharge(p, o),
  ed: (s, p, o) => s.sendToEd(p, o),
  letter: (s, p, o) => s.addLetter(p, o),
  death: (s, p, o) => s.recordDeath(p, o),
};

export async function startSandboxAdmin(servers: {
  dcr: RegionalServer;
  chie: RegionalServer;
}): Promise<SandboxAdmin> {
  const secret = randomBytes(18).toString('base64url');
  const prefix = `/admin/${secret}/`;
  const server = createServer((req, res) => {
    void answer(req, res).catch((error: unknown) =>
      reply(res, 400, { error: error instanceof Error ? error.message : String(error) }),
    );
  });

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
    const kind = path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
    if (!kind || !isEventKind(kind)) return reply(res, 404, { error: 'Not found' });
    if (req.method !== 'POST') return reply(res, 405, { error: 'Use POST' });
    const body = (await readJson(req)) as Partial<SandboxEventRequest>;
    if (typeof body.patient !== 'string' || !body.patient.trim())
      return reply(res, 400, { error: 'Say which patient: a sandbox patient key or NHS number' });
    const source = body.source ?? 'dcr';
    if (source !== 'dcr' && source !== 'chie')
      return reply(res, 400, { error: 'source must be dcr or chie' });
    if (body.where !== undefined && (typeof body.where !== 'string' || body.where.length > 200))
      return reply(res, 400, { error: 'where must be a short text' });
    const written = await ACTIONS[kind](servers[source], body.patient.trim(), {
      ...(body.where ? { where: body.where } : {}),
    });
    const status = (written as { status?: unknown }).status;
    const result: SandboxEventAnswer = {
      source,
      resourceType: written.resourceType,
      id: written.id ?? '',
      ...(typeof status === 'string' ? { status } : {}),
    };
    reply(res, 200, result);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/admin/${secret}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function isEventKind(value: string): value is SandboxEventKind {
  return (SANDBOX_EVENT_KINDS as readonly string[]).includes(value);
}

function reply(res: ServerResponse, status: number, body: object): void {
  if (res.headersSent) return;
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(bytes.length) });
  res.end(bytes);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY) throw new Error('Request too large');
    chunks.push(buf);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new Error('The request body is not JSON');
  }
}
