// A tiny loopback FHIR server for engine tests that need shapes the sandbox does not offer (hand-made
// next links, per-request scripted answers). Search: by patient, _count/_offset paging, $everything with _type.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = Record<string, unknown>;

export interface FakeRequest {
  url: URL;
  authorization?: string;
}

export interface FakeFhirOptions {
  resources: Json[];
  everything?: boolean;
  /** The types the CapabilityStatement lists as searchable (default: all the engine reads). */
  advertised?: readonly string[];
  /** Return a response to override the normal answer for this request (status, headers, body). */
  intercept?: (
    req: FakeRequest,
  ) => { status: number; headers?: Record<string, string>; body: string } | undefined;
  /** Answer only once this settles (to see which requests a client has in flight at once). */
  hold?: (req: FakeRequest) => Promise<void> | undefined;
  /** Rewrite a search Bundle before it is sent (e.g. to plant a foreign next link). */
  rewrite?: (bundle: Json, req: FakeRequest) => Json;
}

export interface FakeFhir {
  base: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

const SEARCHABLE = [
  'AllergyIntolerance',
  'Condition',
  'MedicationStatement',
  'MedicationRequest',
  'Flag',
  'Observation',
  'DiagnosticReport',
  'Encounter',
  'Procedure',
  'Immunization',
  'DocumentReference',
  'CarePlan',
  'CareTeam',
  'Consent',
  'RelatedPerson',
  'EpisodeOfCare',
  'Appointment',
  'List',
];

const json = (status: number, body: unknown) => ({
  status,
  headers: { 'content-type': 'application/fhir+json' },
  body: JSON.stringify(body),
});

export async function startFakeFhir(options: FakeFhirOptions): Promise<FakeFhir> {
  const requests: FakeRequest[] = [];
  let base = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const record: FakeRequest = { url, authorization: req.headers.authorization };
    requests.push(record);
    const answer = () => {
      const { status, headers, body } = options.intercept?.(record) ?? route(url, record);
      res.writeHead(status, headers ?? {});
      res.end(body);
    };
    const held = options.hold?.(record);
    if (held) void held.then(answer);
    else answer();
  });

  function page(all: Json[], url: URL, req: FakeRequest) {
    const count = Number(url.searchParams.get('_count') ?? 50);
    const offset = Number(url.searchParams.get('_offset') ?? 0);
    const slice = all.slice(offset, offset + count);
    const bundle: Json = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: all.length,
      entry: slice.map((resource) => ({ resource, search: { mode: 'match' } })),
      link: [] as Json[],
    };
    if (offset + count < all.length) {
      const next = new URL(url);
      next.searchParams.set('_offset', String(offset + count));
      (bundle.link as Json[]).push({ relation: 'next', url: next.href });
    }
    return json(200, options.rewrite ? options.rewrite(bundle, req) : bundle);
  }

  function route(url: URL, req: FakeRequest) {
    const path = url.pathname.replace(/^\/fhir\/?/, '');
    if (path === 'metadata') {
      const patientOps = options.everything ? [{ name: 'everything' }] : [];
      return json(200, {
        resourceType: 'CapabilityStatement',
        rest: [
          {
            mode: 'server',
            resource: [
              { type: 'Patient', operation: patientOps },
              ...(options.advertised ?? SEARCHABLE).map((type) => ({
                type,
                interaction: [{ code: 'search-type' }],
              })),
            ],
          },
        ],
      });
    }
    const everything = /^Patient\/([^/]+)\/\$everything$/.exec(path);
    if (everything) {
      if (!options.everything) return json(404, { resourceType: 'OperationOutcome', issue: [] });
      const types = url.searchParams.get('_type')?.split(',');
      const all = options.resources.filter((r) => !types || types.includes(String(r.resourceType)));
      return page(all, url, req);
    }
    const type = path;
    let all = options.resources.filter((r) => r.resourceType === type);
    const identifier = url.searchParams.get('identifier');
    if (type === 'Patient' && identifier) {
      const [system, value] = identifier.split('|');
      all = all.filter((r) =>
        ((r.identifier as Json[] | undefined) ?? []).some((i) => i.system === system && i.value === value),
      );
    }
    return page(all, url, req);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  return {
    base,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
