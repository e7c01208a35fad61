// Where a caseload comes from on a FHIR server: a List of patients (e.g. a community team's caseload) or the
// user's Appointments for a day. Patients are resolved to NHS numbers; a bearer token is only ever sent to
// the configured server's own origin, and references elsewhere are reported rather than followed.
import { NHS_NUMBER_SYSTEM } from '../../../common/nhs-number';
import type { ListProblem } from './nhs-number-list';

type Json = Record<string, unknown>;

export interface CaseloadServer {
  fhirBase: string;
  token?: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

export interface CaseloadResult {
  nhsNumbers: string[];
  /** Entries that could not be turned into an NHS number ("line" is the entry's position, from 1). */
  problems: ListProblem[];
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

class CaseloadClient {
  private readonly base: URL;
  constructor(private readonly server: CaseloadServer) {
    this.base = new URL(server.fhirBase.endsWith('/') ? server.fhirBase : `${server.fhirBase}/`);
  }

  /** Resolves a (relative or absolute) reference on this server; undefined for anything elsewhere. */
  resolve(ref: string): URL | undefined {
    const url = new URL(ref, this.base);
    return url.origin === this.base.origin && url.pathname.startsWith(this.base.pathname) ? url : undefined;
  }

  async get(url: URL): Promise<Json> {
    const res = await (this.server.fetch ?? fetch)(url, {
      headers: {
        accept: 'application/fhir+json',
        ...(this.server.token ? { authorization: `Bearer ${this.server.token}` } : {}),
      },
      signal: this.server.signal,
    });
    if (!res.ok) {
      const type = url.pathname.split('/').find((segment) => /^[A-Z][A-Za-z]+$/.test(segment));
      throw new Error(`The caseload server answered ${res.status} for ${type ?? 'a request'}.`);
    }
    const body: unknown = await res.json();
    if (!isObject(body)) throw new Error('The caseload server sent something that is not FHIR JSON.');
    return body;
  }

  /** Every entry resource of a search, following same-origin `next` links. */
  async search(first: URL): Promise<Json[]> {
    const out: Json[] = [];
    let url: URL | undefined = first;
    for (let page = 0; url && page < 50; page++) {
      const bundle = await this.get(url);
      for (const e of Array.isArray(bundle.entry) ? bundle.entry : []) {
        if (isObject(e) && isObject(e.resource)) out.push(e.resource);
      }
      const next = (Array.isArray(bundle.link) ? bundle.link : []).find(
        (l) => isObject(l) && l.relation === 'next',
      );
      url = isObject(next) && typeof next.url === 'string' ? this.resolve(next.url) : undefined;
    }
    return out;
  }
}

function nhsFromIdentifiers(identifiers: unknown): string | undefined {
  for (const id of Array.isArray(identifiers) ? identifiers : [identifiers]) {
    if (isObject(id) && id.system === NHS_NUMBER_SYSTEM && typeof id.value === 'string')
      return id.value.replace(/\s/g, '');
  }
  return undefined;
}

async function resolvePatients(
  client: CaseloadClient,
  refs: Json[],
  known: Map<string, Json>,
): Promise<CaseloadResult> {
  const result: CaseloadResult = { nhsNumbers: [], problems: [] };
  for (const [index, ref] of refs.entries()) {
    const line = index + 1;
    let nhs = nhsFromIdentifiers(ref.identifier);
    if (!nhs && typeof ref.reference === 'string') {
      const url = client.resolve(ref.reference);
      if (!url) {
        result.problems.push({ line, message: 'The patient is on another server, which is not followed.' });
        continue;
      }
      try {
        const patient = known.get(ref.reference) ?? (await client.get(url));
        nhs = nhsFromIdentifiers(patient.identifier);
      } catch (error) {
        result.problems.push({
          line,
          message: error instanceof Error ? error.message : 'The patient could not be read.',
        });
        continue;
      }
    }
    if (!nhs) result.problems.push({ line, message: 'The patient has no NHS number on this server.' });
    else if (!result.nhsNumbers.includes(nhs)) result.nhsNumbers.push(nhs);
  }
  return result;
}

/** Patients on a FHIR List (List.entry.item → Patient). */
export async function caseloadFromList(server: CaseloadServer, listId: string): Promise<CaseloadResult> {
  const client = new CaseloadClient(server);
  const list = await client.get(
    new URL(`List/${encodeURIComponent(listId)}`, new URL(`${server.fhirBase.replace(/\/$/, '')}/`)),
  );
  if (list.resourceType !== 'List') throw new Error('The caseload is not a FHIR List.');
  const refs = (Array.isArray(list.entry) ? list.entry : [])
    .map((e) => (isObject(e) && isObject(e.item) ? e.item : {}))
    .filter(
      (item) =>
        item.type === undefined ||
        item.type === 'Patient' ||
        String(item.reference ?? '').includes('Patient/'),
    );
  return resolvePatients(client, refs, new Map());
}

/**
 * The id of the current caseload List the practitioner (e.g. "Practitioner/123") keeps on this server
 * (List.code "caseload", List.source the practitioner), or undefined when there is none.
 */
export async function findCaseloadList(
  server: CaseloadServer,
  practitioner: string,
): Promise<string | undefined> {
  const client = new CaseloadClient(server);
  const url = new URL('List', new URL(`${server.fhirBase.replace(/\/$/, '')}/`));
  url.searchParams.set('code', 'caseload');
  url.searchParams.set('source', practitioner);
  url.searchParams.set('status', 'current');
  const lists = (await client.search(url)).filter(
    (r) => r.resourceType === 'List' && typeof r.id === 'string',
  );
  return lists[0]?.id as string | undefined;
}

/** Patients with appointments on `date` (YYYY-MM-DD) for the practitioner (e.g. "Practitioner/123"). */
export async function caseloadFromAppointments(
  server: CaseloadServer,
  practitioner: string,
  date: string,
): Promise<CaseloadResult> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error('The appointment date must be YYYY-MM-DD.');
  const client = new CaseloadClient(server);
  const url = new URL('Appointment', new URL(`${server.fhirBase.replace(/\/$/, '')}/`));
  url.searchParams.set('actor', practitioner);
  url.searchParams.set('date', date);
  url.searchParams.set('_include', 'Appointment:patient');
  const resources = await client.search(url);
  const known = new Map(
    resources
      .filter((r) => r.resourceType === 'Patient' && typeof r.id === 'string')
      .map((p) => [`Patient/${p.id as string}`, p]),
  );
  const refs = resources
    .filter(
      (r) => r.resourceType === 'Appointment' && r.status !== 'cancelled' && r.status !== 'entered-in-error',
    )
    .flatMap((a) => (Array.isArray(a.participant) ? a.participant : []))
    .map((p) => (isObject(p) && isObject(p.actor) ? p.actor : {}))
    .filter((actor) => actor.type === 'Patient' || String(actor.reference ?? '').startsWith('Patient/'));
  return resolvePatients(client, refs, known);
}
