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

export interface AdvanceCareReads {
  /** The advance care documents' search: one of the urgent-care reads. */
  documents: Promise<unknown>;
  /**
   * The observations coded as decisions: waited for by nothing urgent (a server slow to search by code must not
   * hold up the DNACPR and allergies the other reads bring). Entries it brings after the urgent-care reads have
   * been reported are reported again (`onLateDecisions`).
   */
  observations: Promise<unknown>;
}

export function readAdvanceCare(ctx: ReadContext, patientId: string, caps: Capabilities): AdvanceCareReads {
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
      ).then((delivered) => {
        if (delivered > 0) ctx.onLateDecisions?.();
      })
    : Promise.resolve();
  return { documents, observations };
}

/** Far more than a patient's coded decisions; small enough that a server ignoring `code` costs little. */
const AHEAD_PAGE_SIZE = 50;

/**
 * A search whose entries the source's whole read of the type brings again: it only brings them sooner. Whether
 * the source answered in full is that read's to say, so a refusal or failure here is not recorded. One small
 * page, and only the entries coded as a decision kept: a server that ignores `code` answers with a page of all
 * its observations, which costs one small read, not a second whole one.
 */
async function searchAhead(ctx: ReadContext, path: string, type: string): Promise<number> {
  const screened = screenedDelivery(ctx, type);
  let delivered = 0;
  try {
    await readAllPages(ctx.client, ctx.client.url(path), {
      pageCap: 1,
      priority: 'critical',
      label: ADVANCE_CARE_OBSERVATIONS,
      onPage: (resources) => {
        const decisions = resources.filter((r) => hasCodeIn(r.code, ADVANCE_CARE_CODES));
        delivered += decisions.length;
        screened.deliver(decisions);
      },
    });
  } catch {
    return delivered;
  }
  screened.report(ADVANCE_CARE_OBSERVATIONS, `${ADVANCE_CARE_OBSERVATIONS} search`);
  return delivered;
}
