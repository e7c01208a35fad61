// A located patient's record read by Patient/$everything, where the source advertises it: the urgent-care types
// first (`_type`), then each other type, or the whole record in one read where the server ignores `_type` or
// refuses it (HTTP 400); type by type where it refuses the operation itself.
import { readAllPages, type FetchFailure } from '../http';
import { str, type Json } from './fhir-read';
import { allTypes, CRITICAL_TYPES, CRITICAL_TYPES_IF_LISTED, SUPPORTING_TYPES } from './sections';
import { supported, type Capabilities } from './source-capabilities';
import { readAdvanceCare } from './advance-care-reads';
import { isRejection, query, screenedDelivery, search, type ReadContext } from './source-reads';
import { readByType } from './type-reads';

/** How one $everything read ended: read (in whole or in part, recorded as such), or refused with `refused`. */
interface EverythingRead {
  refused?: number;
}

/** One $everything read to its last page, recorded in the source's progress unless the server refused it. */
async function readOne(
  ctx: ReadContext,
  path: string,
  onFirstPage: (resources: Json[]) => void,
): Promise<EverythingRead> {
  const screened = screenedDelivery(ctx);
  try {
    const result = await readAllPages(ctx.client, ctx.client.url(path), {
      pageCap: ctx.read.pageCap,
      priority: 'critical',
      label: 'Patient/$everything',
      onPage: (resources, page) => {
        if (page === 1) onFirstPage(resources);
        screened.deliver(resources);
      },
    });
    ctx.progress.succeeded++;
    ctx.progress.warn(result.warnings);
    if (result.incomplete) ctx.progress.markIncomplete();
    screened.report(undefined, 'Patient/$everything read');
    return {};
  } catch (error) {
    if (isRejection(error)) return { refused: (error as FetchFailure).status };
    ctx.progress.fail(error);
    return {};
  }
}

/** A refusal that may be of a parameter (`_type`) rather than of the operation. */
const refusesParameter = (status: number | undefined) => status === 400 || status === 422;

export async function readEverything(ctx: ReadContext, patientId: string, caps: Capabilities): Promise<void> {
  const everything = (types?: readonly string[]) =>
    `Patient/${encodeURIComponent(patientId)}/$everything?${query(ctx, types ? { _type: types.join(',') } : {}, 'everything')}`;
  const urgentTypes = [...CRITICAL_TYPES, ...CRITICAL_TYPES_IF_LISTED.filter((t) => supported(caps, t))];
  const criticalTypes = new Set<string>([...urgentTypes, 'Patient']);
  const rest: Promise<unknown>[] = [];
  let typeFilterHonoured: boolean | undefined;
  const onFirstPage = (resources: Json[]) => {
    typeFilterHonoured = resources.every((r) => {
      const type = str(r.resourceType) ?? '';
      return criticalTypes.has(type) || SUPPORTING_TYPES.has(type);
    });
    // A server that ignores _type has just started sending everything: that one read is the whole record.
    if (!typeFilterHonoured) return;
    const others = allTypes().filter((t) => !criticalTypes.has(t));
    for (const type of others) rest.push(search(ctx, everything([type]), type, 'bulk'));
  };
  // Searched once, alongside whichever way the record is read.
  const advanceCare = readAdvanceCare(ctx, patientId, caps);
  let read = await readOne(ctx, everything(urgentTypes), onFirstPage);
  if (refusesParameter(read.refused)) {
    // Some servers refuse _type on $everything: the operation without it is the whole record in one read (as
    // from a server that ignores _type), so every type the server holds is read, listed in its statement or not.
    typeFilterHonoured = false;
    read = await readOne(ctx, everything(), () => undefined);
  }
  if (read.refused !== undefined) {
    ctx.progress.warn([
      `${ctx.client.name} refused Patient/$everything (HTTP ${read.refused}); its record was read type by type instead`,
    ]);
    return readByType(ctx, patientId, caps, { advanceCare, everyType: true });
  }
  await advanceCare.documents;
  ctx.onCriticalDone();
  await Promise.all([...rest, advanceCare.observations]);
  // The first page was empty or the read failed before it: nothing told us the filter works, so read the rest.
  if (typeFilterHonoured === undefined) {
    const others = allTypes().filter((t) => !criticalTypes.has(t));
    await Promise.all(others.map((t) => search(ctx, everything([t]), t, 'bulk')));
  }
}
