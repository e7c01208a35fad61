// The regional audit endpoint: receives IHE BALP AuditEvents (PUT with a client id is idempotent, POST
// assigns one) and lets tests read what arrived.
import type { AuditEvent, Bundle } from '../../common/fhir';
import { LoopbackServer, type SandboxRequest, type SandboxResponse } from '../http/loopback-server';
import { operationOutcome } from '../http/outcome';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export interface AuditServerOptions {
  host: string;
  port?: number;
  latencyMs?: number;
}

export class AuditServer extends LoopbackServer {
  private readonly received = new Map<string, AuditEvent>();
  private nextId = 1;

  constructor(options: AuditServerOptions) {
    super({ ...options, id: 'audit', name: 'Wessex audit', basePath: '/audit' });
  }

  /** Every distinct AuditEvent received, in arrival order. */
  get events(): AuditEvent[] {
    return [...this.received.values()];
  }

  clearEvents(): void {
    this.received.clear();
  }

  protected override async route(req: SandboxRequest): Promise<SandboxResponse> {
    const [type, id, ...rest] = req.segments;
    if (type !== 'AuditEvent' || rest.length) {
      return { status: 404, body: operationOutcome('not-found', 'Only AuditEvent is served here') };
    }
    if (req.method === 'GET') {
      if (id) {
        const event = this.received.get(id);
        return event
          ? { status: 200, body: event }
          : { status: 404, body: operationOutcome('not-found', `AuditEvent/${id} not found`) };
      }
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'searchset',
        total: this.received.size,
        entry: this.events.map((resource) => ({
          fullUrl: `${this.baseUrl}/AuditEvent/${resource.id}`,
          resource,
          search: { mode: 'match' },
        })),
      };
      return { status: 200, body: bundle };
    }
    const body = req.body as Partial<AuditEvent> | undefined;
    if (!body || typeof body !== 'object' || body.resourceType !== 'AuditEvent') {
      return { status: 400, body: operationOutcome('invalid', 'Body must be an AuditEvent resource') };
    }
    if (req.method === 'PUT' && id) {
      if (!ID.test(id) || (body.id !== undefined && body.id !== id)) {
        return {
          status: 400,
          body: operationOutcome('invalid', 'AuditEvent id must match the URL and be a valid FHIR id'),
        };
      }
      const existed = this.received.has(id);
      const stored = { ...body, id } as AuditEvent;
      if (!existed) this.received.set(id, stored);
      return { status: existed ? 200 : 201, body: this.received.get(id) ?? stored };
    }
    if (req.method === 'POST' && !id) {
      const newId = `audit-${this.nextId++}`;
      const stored = { ...body, id: newId } as AuditEvent;
      this.received.set(newId, stored);
      return { status: 201, body: stored, headers: { Location: `${this.baseUrl}/AuditEvent/${newId}` } };
    }
    return { status: 405, body: operationOutcome('not-supported', `${req.method} is not supported here`) };
  }
}
