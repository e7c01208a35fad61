// The regional audit endpoint: receives IHE BALP AuditEvents and keeps one hash chain per device.
// `PUT /AuditEvent/{id}` carries the event's place in its device's chain (X-Audit-Chain, X-Audit-Seq,
// X-Audit-Prev-Hash, X-Audit-Hash); the server recomputes the hash from the bytes it received and the
// previous event it holds, appends only the next event, repeats an identical event idempotently, and refuses
// (409) a gap, a wrong previous hash, a wrong hash or a different event at a held position. Every answer about
// a chain (and `GET /AuditEvent` with X-Audit-Chain) carries the head it holds: X-Audit-Head-Seq/-Hash.
// With auth on, every request needs a bearer token for this server (401 otherwise): a regional access token
// whose purpose of use is HOPERAT or TREAT (403 purpose-not-permitted otherwise). Every request is audited
// server-side in `auditEvents` (../http/bearer-auth.ts).
// POST (the server assigns the id) stays for clients outside any chain. Tests read what arrived.
import { createHash } from 'node:crypto';
import type { AuditEvent, Bundle } from '../../common/fhir';
import {
  LoopbackServer,
  type LoopbackTransportOptions,
  type SandboxRequest,
  type SandboxResponse,
} from '../http/loopback-server';
import { AccessGuard, type ResourceServerAuth } from '../http/bearer-auth';
import { operationOutcome } from '../http/outcome';
import type { RegionalTokenVerifier } from '../regional-auth/verify';

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const CHAIN_ID = /^[A-Za-z0-9-]{8,64}$/;
const HASH = /^[0-9a-f]{64}$/;
const GENESIS_HASH = '0'.repeat(64);

export interface AuditServerOptions extends LoopbackTransportOptions {
  /** Clock (ms) for token expiry and audit times. */
  now?: () => number;
}

export interface ChainHead {
  seq: number;
  /** '' for an empty chain. */
  hash: string;
}

interface Chain {
  ids: string[];
  hashes: string[];
}

const header = (req: SandboxRequest, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
};

export class AuditServer extends LoopbackServer {
  private readonly received = new Map<string, AuditEvent>();
  private readonly chains = new Map<string, Chain>();
  private nextId = 1;
  private readonly guard: AccessGuard;

  constructor(options: AuditServerOptions) {
    super({ ...options, id: 'audit', name: 'Wessex audit', basePath: '/audit' });
    this.guard = new AccessGuard(this.name, () => this.baseUrl, options.now);
  }

  /** This server's own record of every request it decided on (not the events it received: see `events`). */
  get auditEvents(): AuditEvent[] {
    return this.guard.auditEvents;
  }

  clearAuditEvents(): void {
    this.guard.auditEvents.length = 0;
  }

  /** Every distinct AuditEvent received, in arrival order. */
  get events(): AuditEvent[] {
    return [...this.received.values()];
  }

  clearEvents(): void {
    this.received.clear();
    this.chains.clear();
  }

  /** The head this server holds for a device's chain ({ seq: 0, hash: '' } when it holds none). */
  chainHead(chainId: string): ChainHead {
    const chain = this.chains.get(chainId);
    const seq = chain?.hashes.length ?? 0;
    return { seq, hash: chain?.hashes[seq - 1] ?? '' };
  }

  /** Sets every part of the token check at once (see ../http/bearer-auth.ts). */
  setAuth(auth: ResourceServerAuth): void {
    this.guard.setAuth(auth);
  }

  /** Require regional access tokens (verified for this server's base URL) with an audit purpose of use. */
  setRegionalVerifier(verify: RegionalTokenVerifier | undefined): void {
    this.guard.auth = { ...this.guard.auth, regional: verify };
  }

  protected override async route(req: SandboxRequest): Promise<SandboxResponse> {
    const denied = await this.guard.check(req, async () => ({
      service: 'audit',
      resourceType: req.segments[0],
      interaction: req.method === 'GET' ? (req.segments[1] ? 'read' : 'search') : 'write',
      patients: [],
      dissented: async () => false,
    }));
    if (denied) return denied;
    const [type, id, ...rest] = req.segments;
    if (type !== 'AuditEvent' || rest.length) {
      return { status: 404, body: operationOutcome('not-found', 'Only AuditEvent is served here') };
    }
    if (req.method === 'GET') return this.read(req, id);
    const body = req.body as Partial<AuditEvent> | undefined;
    if (!body || typeof body !== 'object' || body.resourceType !== 'AuditEvent') {
      return { status: 400, body: operationOutcome('invalid', 'Body must be an AuditEvent resource') };
    }
    if (req.method === 'PUT' && id) {
      if (!ID.test(id) || body.id !== id) {
        return {
          status: 400,
          body: operationOutcome('invalid', 'AuditEvent id must match the URL and be a valid FHIR id'),
        };
      }
      return this.append(req, { ...body, id } as AuditEvent & { id: string });
    }
    if (req.method === 'POST' && !id) {
      const newId = `audit-${this.nextId++}`;
      const stored = { ...body, id: newId } as AuditEvent;
      this.received.set(newId, stored);
      return { status: 201, body: stored, headers: { Location: `${this.baseUrl}/AuditEvent/${newId}` } };
    }
    return { status: 405, body: operationOutcome('not-supported', `${req.method} is not supported here`) };
  }

  private read(req: SandboxRequest, id: string | undefined): SandboxResponse {
    const chainId = header(req, 'x-audit-chain');
    const headHeaders = chainId && CHAIN_ID.test(chainId) ? this.headHeaders(chainId) : undefined;
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
      entry:
        req.url.searchParams.get('_count') === '0'
          ? []
          : this.events.map((resource) => ({
              fullUrl: `${this.baseUrl}/AuditEvent/${resource.id}`,
              resource,
              search: { mode: 'match' },
            })),
    };
    return { status: 200, body: bundle, ...(headHeaders ? { headers: headHeaders } : {}) };
  }

  private append(req: SandboxRequest, event: AuditEvent & { id: string }): SandboxResponse {
    const chainId = header(req, 'x-audit-chain') ?? '';
    const seqText = header(req, 'x-audit-seq') ?? '';
    const prevHash = header(req, 'x-audit-prev-hash') ?? '';
    const hash = header(req, 'x-audit-hash') ?? '';
    if (
      !CHAIN_ID.test(chainId) ||
      !/^[1-9]\d{0,14}$/.test(seqText) ||
      !HASH.test(prevHash) ||
      !HASH.test(hash)
    ) {
      return {
        status: 400,
        body: operationOutcome(
          'required',
          'Each event needs its place in the chain: X-Audit-Chain, X-Audit-Seq, X-Audit-Prev-Hash and X-Audit-Hash',
        ),
      };
    }
    const seq = Number(seqText);
    const chain = this.chains.get(chainId) ?? { ids: [], hashes: [] };
    const refuse = (message: string): SandboxResponse => ({
      status: 409,
      body: operationOutcome('conflict', message),
      headers: this.headHeaders(chainId),
    });
    const held = chain.hashes.length;
    if (seq <= held) {
      // A repeat of an event already held (an upload retried after a lost answer) is fine; anything else is not.
      if (chain.hashes[seq - 1] === hash && chain.ids[seq - 1] === event.id) {
        return {
          status: 200,
          body: this.received.get(event.id) ?? event,
          headers: this.headHeaders(chainId),
        };
      }
      return refuse(`Event ${seq} of this chain is already held and differs from this one`);
    }
    if (seq > held + 1)
      return refuse(`Events ${held + 1} to ${seq - 1} of this chain have not been received`);
    if (prevHash !== (chain.hashes[held - 1] ?? GENESIS_HASH)) {
      return refuse(`Event ${seq} does not follow event ${held} held here (previous hash differs)`);
    }
    const recomputed = createHash('sha256')
      .update(prevHash)
      .update(req.rawBody ?? Buffer.alloc(0))
      .digest('hex');
    if (recomputed !== hash) return refuse(`Event ${seq}'s hash does not match its content`);
    if (this.received.has(event.id)) return refuse(`AuditEvent/${event.id} is already held at another place`);
    chain.ids.push(event.id);
    chain.hashes.push(hash);
    this.chains.set(chainId, chain);
    this.received.set(event.id, event);
    return { status: 201, body: event, headers: this.headHeaders(chainId) };
  }

  private headHeaders(chainId: string): Record<string, string> {
    const head = this.chainHead(chainId);
    return { 'X-Audit-Head-Seq': String(head.seq), 'X-Audit-Head-Hash': head.hash };
  }
}
