// NRL-style record locator: DocumentReference pointers searched by NHS number (and optionally type).
import type { Bundle, DocumentReference } from '../../common/fhir';
import { LoopbackServer, type SandboxRequest, type SandboxResponse } from '../http/loopback-server';
import { operationOutcome } from '../http/outcome';

const NHS_NUMBER = 'https://fhir.nhs.uk/Id/nhs-number';

export interface LocatorServerOptions {
  host: string;
  port?: number;
  latencyMs?: number;
  otherOrigin?: () => string | undefined;
}

export class LocatorServer extends LoopbackServer {
  private pointers: DocumentReference[] = [];

  constructor(options: LocatorServerOptions) {
    super({ ...options, id: 'locator', name: 'Wessex record locator', basePath: '/record-locator/FHIR/R4' });
  }

  load(pointers: DocumentReference[]): void {
    this.pointers = [...this.pointers, ...pointers];
  }

  protected override async route(req: SandboxRequest): Promise<SandboxResponse> {
    const [type, id, ...rest] = req.segments;
    if (req.method !== 'GET')
      return { status: 405, body: operationOutcome('not-supported', 'The locator is read-only') };
    if (type !== 'DocumentReference' || rest.length) {
      return { status: 404, body: operationOutcome('not-found', 'Only DocumentReference is served here') };
    }
    if (id) {
      const found = this.pointers.find((p) => p.id === id);
      return found
        ? { status: 200, body: found }
        : { status: 404, body: operationOutcome('not-found', `DocumentReference/${id} not found`) };
    }
    const subject =
      req.url.searchParams.get('subject:identifier') ?? req.url.searchParams.get('subject.identifier');
    const [system, nhs] = (subject ?? '').split('|');
    if (!subject || system !== NHS_NUMBER || !nhs || !/^\d{10}$/.test(nhs)) {
      return {
        status: 400,
        body: operationOutcome(
          'invalid',
          `subject:identifier=${NHS_NUMBER}|<10-digit NHS number> is required`,
        ),
      };
    }
    const typeFilter = req.url.searchParams.get('type')?.split(',');
    const matches = this.pointers.filter(
      (p) =>
        p.subject?.identifier?.value === nhs &&
        (!typeFilter ||
          typeFilter.some((t) => {
            const [s, c] = t.includes('|') ? t.split('|') : [undefined, t];
            return p.type?.coding?.some((coding) => coding.code === c && (!s || coding.system === s));
          })),
    );
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matches.length,
      link: [{ relation: 'self', url: new URL(req.url.pathname + req.url.search, this.origin).toString() }],
      entry: matches.map((resource) => ({
        fullUrl: `${this.baseUrl}/DocumentReference/${resource.id}`,
        resource,
        search: { mode: 'match' },
      })),
    };
    return { status: 200, body: bundle };
  }
}
