// The resuscitation and advance care decisions searched for up front, alongside whichever way a source's record is
// read: its advance care documents by type, and observations coded as such a decision (the whole Observation read
// can take seconds in a long record; a DNACPR recorded as an observation is needed in the first round trip).
import { readAllPages } from '../http';
import { ADVANCE_CARE_CODES } from './clinical-codes';
import { hasCodeIn } from './fhir-read';
import { ADVANCE_CARE_DOCUMENT_TYPES, ADVANCE_CARE_DOCUMENTS, ADVANCE_CARE_OBSERVATIONS } from './sections';
import { supported, type Capabilities } from './source-capabilities';
import { query, screenedDelivery, search, type ReadContext } from './source-reads';

const snomed = (codes: Iterable<string>) => [...codes].map((c) => `http://snomed.info/sct|${c}`).join(',');
const DOCUMENT_TYPES = snomed(ADVANCE_CARE_DOCUMENT_TYPES);
const DECISION_CODES = snomed(ADVANCE_CARE_CODES);

/** One search each: counted in URGENT_CARE_REQUESTS. */
export const ADVANCE_CARE_REQUESTS = 2;

export function readAdvanceCare(ctx: ReadContext, patientId: string, caps: Capabilities): Promise<unknown> {
  const forPatient = (extra: Record<string, string>) =>
    query(ctx, { patient: `Patient/${patientId}`, ...extra }, 'search');
  const documents = search(
    ctx,
    `DocumentReference?${forPatient({ type: DOCUMENT_TYPES })}`,
    ADVANCE_CARE_DOCUMENTS,
    'critical',
    supported(caps, 'DocumentReference'),
    'DocumentReference',
  );
  const observations = supported(caps, 'Observation')
    ? searchAhead(
        ctx,
        `Observation?${forPatient({ code: DECISION_CODES, _count: String(AHEAD_PAGE_SIZE) })}`,
        'Observation',
      )
    : undefined;
  return Promise.all([documents, observations]);
}

/** Far more than a patient's coded decisions; small enough that a server ignoring `code` costs little. */
const AHEAD_PAGE_SIZE = 50;

/**
 * A search whose entries the source's whole read of the type brings again: it only brings them sooner. Whether
 * the source answered in full is that read's to say, so a refusal or failure here is not recorded. One small
 * page, and only the entries coded as a decision kept: a server that ignores `code` answers with a page of all
 * its observations, which costs one small read, not a second whole one.
 */
async function searchAhead(ctx: ReadContext, path: string, type: string): Promise<void> {
  const screened = screenedDelivery(ctx, type);
  try {
    await readAllPages(ctx.client, ctx.client.url(path), {
      pageCap: 1,
      priority: 'critical',
      label: ADVANCE_CARE_OBSERVATIONS,
      onPage: (resources) => screened.deliver(resources.filter((r) => hasCodeIn(r.code, ADVANCE_CARE_CODES))),
    });
  } catch {
    return;
  }
  screened.report(ADVANCE_CARE_OBSERVATIONS, `${ADVANCE_CARE_OBSERVATIONS} search`);
}
