// A located patient's record read by Patient/$everything, where the source advertises it: the urgent-care types
// first (`_type`), then each other type, or the whole record in one read where the server ignores `_type`.
import { readAllPages } from '../http';
import { str, type Json } from './fhir-read';
import { allTypes, CRITICAL_TYPES, SUPPORTING_TYPES } from './sections';
import { supported, type Capabilities } from './source-capabilities';
import {
  ADVANCE_CARE_TYPE_PARAM,
  isRejection,
  query,
  screenedDelivery,
  search,
  type ReadContext,
} from './source-reads';
import { readByType } from './type-reads';

export async function readEverything(ctx: ReadContext, patientId: string, caps: Capabilities): Promise<void> {
  const everything = (types: readonly string[]) =>
    `Patient/${encodeURIComponent(patientId)}/$everything?${query(ctx, { _type: types.join(',') }, 'everything')}`;
  const criticalTypes = new Set<string>([...CRITICAL_TYPES, 'Patient']);
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
  let rejected = false;
  const screened = screenedDelivery(ctx);
  const critical: Promise<unknown>[] = [
    readAllPages(ctx.client, ctx.client.url(everything([...CRITICAL_TYPES])), {
      pageCap: ctx.read.pageCap,
      priority: 'critical',
      label: 'Patient/$everything',
      onPage: (resources, page) => {
        if (page === 1) onFirstPage(resources);
        screened.deliver(resources);
      },
    }).then(
      (result) => {
        ctx.progress.succeeded++;
        ctx.progress.warn(result.warnings);
        if (result.incomplete) ctx.progress.markIncomplete();
        screened.report(undefined, 'Patient/$everything read');
      },
      (error: unknown) => {
        if (isRejection(error)) rejected = true;
        else ctx.progress.fail(error);
      },
    ),
  ];
  const path = `DocumentReference?${query(ctx, { patient: `Patient/${patientId}`, type: ADVANCE_CARE_TYPE_PARAM }, 'search')}`;
  critical.push(
    search(ctx, path, 'advance care documents', 'critical', supported(caps, 'DocumentReference')),
  );
  await Promise.all(critical);
  if (rejected) {
    ctx.progress.warn([
      `${ctx.client.name} advertises Patient/$everything but rejected it; its record was read type by type instead`,
    ]);
    return readByType(ctx, patientId, caps);
  }
  ctx.onCriticalDone();
  await Promise.all(rest);
  // The first page was empty or the read failed before it: nothing told us the filter works, so read the rest.
  if (typeFilterHonoured === undefined) {
    const others = allTypes().filter((t) => !criticalTypes.has(t));
    await Promise.all(others.map((t) => search(ctx, everything([t]), t, 'bulk')));
  }
}
