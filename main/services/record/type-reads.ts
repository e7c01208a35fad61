// A located patient's record read type by type: one search per resource type, the urgent-care types (and the
// advance care documents) first, the first-painted sections reported as soon as their searches have ended.
import { FIRST_PAINTED_SECTIONS } from '../../../common/record';
import { supported, type Capabilities } from './source-capabilities';
import { ADVANCE_CARE_REQUESTS, readAdvanceCare, type AdvanceCareReads } from './advance-care-reads';
import { query, search, type ReadContext } from './source-reads';
import {
  ADVANCE_CARE_DOCUMENTS,
  CRITICAL_TYPES,
  CRITICAL_TYPES_IF_LISTED,
  OTHER_TYPES,
  sectionsHoldingType,
} from './sections';

/**
 * The urgent-care reads of a source searched type by type: one search per urgent-care type, and the advance care
 * searches. The engine keeps this many requests in flight per source, so they all go out together and the
 * urgent-care sections take one round trip once the patient is found (one waiting for a free connection cost
 * the paramedic a whole round trip more).
 */
export const URGENT_CARE_REQUESTS =
  CRITICAL_TYPES.length + CRITICAL_TYPES_IF_LISTED.length + ADVANCE_CARE_REQUESTS;

export interface ByTypeOptions {
  /** The advance care searches, already under way (a read by $everything started them). */
  advanceCare?: AdvanceCareReads;
  /**
   * Search every type, listed in the CapabilityStatement or not (those not listed tolerantly): after a refused
   * $everything, the statement's list says what can be searched, not what the server holds.
   */
  everyType?: boolean;
}

export async function readByType(
  ctx: ReadContext,
  patientId: string,
  caps: Capabilities,
  options: ByTypeOptions = {},
): Promise<void> {
  const typeQuery = (type: string, extra: Record<string, string> = {}) =>
    `${type}?${query(ctx, { patient: `Patient/${patientId}`, ...extra }, 'search')}`;
  // Urgent-care types are searched even when the CapabilityStatement omits them: a statement that is
  // incomplete must not turn "not asked" into "none recorded".
  const urgentTypes = [
    ...CRITICAL_TYPES,
    ...CRITICAL_TYPES_IF_LISTED.filter((t) => options.everyType || supported(caps, t)),
  ];
  const reads: [label: string, read: Promise<unknown>][] = urgentTypes.map((t) => [
    t,
    search(ctx, typeQuery(t), t, 'critical', supported(caps, t), t),
  ]);
  const advanceCare = options.advanceCare ?? readAdvanceCare(ctx, patientId, caps);
  reads.push([ADVANCE_CARE_DOCUMENTS, advanceCare.documents]);
  // A long list of medicines (often a source's slowest search) does not hold up the DNACPR and the allergies.
  const firstPainted = reads.filter(([label]) => fillsFirstPainted(label)).map(([, read]) => read);
  const critical = reads.map(([, read]) => read);
  // Counted down before either group's end is seen, so the same last answer never reports both.
  let unanswered = critical.length;
  const answered = () => unanswered--;
  for (const read of critical) void read.then(answered, answered);
  void Promise.all(firstPainted).then(() => {
    if (unanswered > 0) ctx.onFirstPaintedDone?.();
  });
  const criticalDone = Promise.all(critical).then(() => ctx.onCriticalDone());
  const rest = OTHER_TYPES.filter((t) => options.everyType || supported(caps, t)).map((t) =>
    search(ctx, typeQuery(t), t, 'bulk', supported(caps, t), t),
  );
  await Promise.all([criticalDone, advanceCare.observations, ...rest]);
}

/** Whether a read of `label` can hold entries of the first-painted sections. */
function fillsFirstPainted(label: string): boolean {
  return sectionsHoldingType(label).some((section) => FIRST_PAINTED_SECTIONS.has(section));
}
