// Where a caseload comes from on a FHIR server: a List of patients (e.g. a community team's caseload) or the
// user's Appointments for a day. Patients are resolved to NHS numbers; a bearer token is only ever sent to
// the configured server's own origin, and references elsewhere are reported rather than followed.
import { NHS_NUMBER_SYSTEM } from '../../../common/nhs-number';
import { FetchFailure, PartialReadFailure, readAllPages, type SourceClient } from '../http';
import { isObject, type JsonObject as Json } from '../../../common/json';
import type { ListProblem } from '../../../common/nhs-number-list';

/** The configured source the caseload is kept on (its client holds the token, limits and deadline). */
export type CaseloadServer = SourceClient;

export interface CaseloadResult {
  nhsNumbers: string[];
  /** Entries that could not be turned into an NHS number ("line" is the entry's position, from 1). */
  problems: ListProblem[];
  /** Whole-search notes in plain words: results past the page limit, unreadable entries, a broken next link. */
  warnings: string[];
}

/** A caseload is a page or two; this many pages is far past any real one. */
const CASELOAD_PAGE_CAP = 50;

class CaseloadReader {
  private readonly base: URL;
  readonly warnings: string[] = [];

  constructor(readonly client: SourceClient) {
    this.base = new URL(client.url(''));
  }

  /** Resolves a (relative or absolute) reference on this server; undefined for anything elsewhere. */
  resolve(ref: string): URL | undefined {
    const url = new URL(ref, this.base);
    return url.origin === this.base.origin && url.pathname.startsWith(this.base.pathname) ? url : undefined;
  }

  async read(url: URL): Promise<Json> {
    const body = await this.client.getJson(url.href).catch((error: unknown) => {
      if (!(error instanceof FetchFailure) || error.status === undefined) throw error;
      const type = url.pathname.split('/').find((segment) => /^[A-Z][A-Za-z]+$/.test(segment));
      throw new FetchFailure(error.kind, `${error.message} for ${type ?? 'a request'}`, error.status);
    });
    if (!isObject(body)) throw new FetchFailure('malformed', 'sent something that is not FHIR JSON');
    return body;
  }

  /** Every entry resource of a search, following same-origin `next` links; what was not read is a warning. */
  async search(first: URL, label: string): Promise<Json[]> {
    const out: Json[] = [];
    try {
      const result = await readAllPages(this.client, first.href, {
        pageCap: CASELOAD_PAGE_CAP,
        priority: 'critical',
        label,
        onPage: (resources) => out.push(...resources),
      });
      this.warnings.push(...result.warnings);
    } catch (error) {
      // Some pages arrived before the failure: keep them, and say the rest is missing.
      if (!(error instanceof PartialReadFailure)) throw error;
      this.warnings.push(`${this.client.name} ${error.message}`);
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
  reader: CaseloadReader,
  refs: Json[],
  known: Map<string, Json>,
): Promise<CaseloadResult> {
  const result: CaseloadResult = { nhsNumbers: [], problems: [], warnings: reader.warnings };
  for (const [index, ref] of refs.entries()) {
    const line = index + 1;
    let nhs = nhsFromIdentifiers(ref.identifier);
    if (!nhs && typeof ref.reference === 'string') {
      const url = reader.resolve(ref.reference);
      if (!url) {
        result.problems.push({ line, message: 'The patient is on another server, which is not followed.' });
        continue;
      }
      try {
        const patient = known.get(ref.reference) ?? (await reader.read(url));
        nhs = nhsFromIdentifiers(patient.identifier);
      } catch (error) {
        const message =
          error instanceof FetchFailure
            ? `${reader.client.name} ${error.message}.`
            : error instanceof Error
              ? error.message
              : 'The patient could not be read.';
        result.problems.push({ line, message });
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
  const reader = new CaseloadReader(server);
  const list = await reader.read(new URL(server.url(`List/${encodeURIComponent(listId)}`)));
  if (list.resourceType !== 'List') throw new Error('The caseload is not a FHIR List.');
  const refs = (Array.isArray(list.entry) ? list.entry : [])
    .map((e) => (isObject(e) && isObject(e.item) ? e.item : {}))
    .filter(
      (item) =>
        item.type === undefined ||
        item.type === 'Patient' ||
        String(item.reference ?? '').includes('Patient/'),
    );
  return resolvePatients(reader, refs, new Map());
}

/**
 * The id of the current caseload List the practitioner (e.g. "Practitioner/123") keeps on this server
 * (List.code "caseload", List.source the practitioner), or undefined when there is none.
 */
export async function findCaseloadList(
  server: CaseloadServer,
  practitioner: string,
): Promise<string | undefined> {
  const reader = new CaseloadReader(server);
  const url = new URL(server.url('List'));
  url.searchParams.set('code', 'caseload');
  url.searchParams.set('source', practitioner);
  url.searchParams.set('status', 'current');
  const lists = (await reader.search(url, 'caseload List')).filter(
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
  const reader = new CaseloadReader(server);
  const url = new URL(server.url('Appointment'));
  url.searchParams.set('actor', practitioner);
  url.searchParams.set('date', date);
  url.searchParams.set('_include', 'Appointment:patient');
  const resources = await reader.search(url, 'Appointment');
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
  return resolvePatients(reader, refs, known);
}
