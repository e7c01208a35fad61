// One regional source: locate the patient by NHS number, then read the record — Patient/$everything when the
// server advertises it, parallel per-type searches otherwise — critical types first.
import type { IdentityWarning } from '../../../common/record';
import { NHS_NUMBER_SYSTEM } from '../../../common/nhs-number';
import { str, type Json } from './fhir-read';
import { patientOnSource } from './patient-belonging';
import { nhsNumberOf } from './patient-identity';
import { readAllPages, type FetchFailure, type PageResult } from '../http';
import { readEverything } from './everything-read';
import { readCapabilities } from './source-capabilities';
import type { ReadContext, RegionalFetchContext } from './source-reads';
import { readByType } from './type-reads';

export type { ReadOptions, RegionalFetchContext } from './source-reads';
export { URGENT_CARE_REQUESTS } from './type-reads';

export interface RegionalFetchResult {
  patient?: Json;
  identityWarnings: IdentityWarning[];
}

interface Located {
  matches: Json[];
  search: PageResult;
}

async function locate(ctx: RegionalFetchContext): Promise<Located> {
  const matches: Json[] = [];
  const identifier = encodeURIComponent(`${NHS_NUMBER_SYSTEM}|${ctx.nhsNumber}`);
  const search = await readAllPages(ctx.client, ctx.client.url(`Patient?identifier=${identifier}`), {
    pageCap: 5,
    priority: 'critical',
    label: 'Patient',
    // Only a Patient carrying the NHS number asked for is a match: a server that ignores the search parameter
    // must not make someone else the patient.
    onPage: (resources) =>
      matches.push(
        ...resources.filter((r) => r.resourceType === 'Patient' && nhsNumberOf(r) === ctx.nhsNumber),
      ),
  });
  return { matches, search };
}

export async function fetchRegionalSource(ctx: RegionalFetchContext): Promise<RegionalFetchResult> {
  const { client, progress } = ctx;
  const identityWarnings: IdentityWarning[] = [];
  const wait = ctx.read.capabilityWaitMs;
  const [capability, located] = await Promise.allSettled([
    // Unread in time, it is as if unreadable: the record is read type by type.
    client.getJson(client.url('metadata'), {
      priority: 'critical',
      ...(wait !== undefined ? { signal: AbortSignal.timeout(wait) } : {}),
    }),
    locate(ctx),
  ]);
  if (located.status === 'rejected') {
    const failure = located.reason as FetchFailure;
    progress.failures.push(failure);
    progress.decided = { state: 'failed', message: `${client.name} ${failure.message}` };
    ctx.onCriticalDone();
    return { identityWarnings };
  }
  const { matches, search: patientSearch } = located.value;
  const source = progress.source;
  progress.warn(patientSearch.warnings);
  if (matches.length === 0 && patientSearch.incomplete) {
    // Not "patient not known": the answer could not be read, so nobody can say.
    progress.decided = {
      state: 'failed',
      message:
        patientSearch.warnings.join('; ') || `${source.name} did not answer the patient search in full`,
    };
    ctx.onCriticalDone();
    return { identityWarnings };
  }
  if (matches.length === 0) {
    progress.decided = { state: 'complete', message: `patient not known to ${source.name}` };
    ctx.onCriticalDone();
    return { identityWarnings };
  }
  if (matches.length > 1) {
    const message = `${matches.length} patient records on ${source.name} share this NHS number; none were shown until the identity is resolved`;
    identityWarnings.push({ kind: 'multiple-matches', sourceId: source.id, message });
    progress.decided = { state: 'failed', message };
    ctx.onCriticalDone();
    return { identityWarnings };
  }
  const patient = matches[0]!;
  ctx.onLocated?.(patient);
  const patientId = str(patient.id);
  if (!patientId) {
    progress.decided = { state: 'failed', message: `${source.name} returned a patient without an id` };
    ctx.onCriticalDone();
    return { patient, identityWarnings };
  }
  const caps = capability.status === 'fulfilled' ? readCapabilities(capability.value) : { everything: false };
  const reads: ReadContext = { ...ctx, patient: patientOnSource(patient, ctx.nhsNumber) };
  if (caps.everything) await readEverything(reads, patientId, caps);
  else await readByType(reads, patientId, caps);
  return { patient, identityWarnings };
}
