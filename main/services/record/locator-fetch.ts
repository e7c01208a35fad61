// The record locator: pointers to documents held elsewhere (ReSPECT, EoL and crisis plans, ...), and the
// documents themselves when their server is one we are configured for (and so hold a token for).
import type { RecordPointer } from '../../../common/record';
import type { Resource } from '../../../common/fhir';
import { NHS_NUMBER_SYSTEM } from '../../../common/nhs-number';
import { isObject } from './fhir-read';
import { readAllPages, sourceHolding, type SourceClient } from '../http';
import { namesAnotherPatient } from './patient-belonging';
import { holderOf, toRecordPointer } from './pointers';
import { restrictivePointerLabels } from '../governance/sensitive-filter';
import type { SourceProgress } from './source-progress';

export interface LocatorContext {
  client: SourceClient;
  progress: SourceProgress;
  nhsNumber: string;
  pageCap: number;
  /** Clients of every configured source, to fetch a pointed-to document with that server's own token. */
  configured: readonly SourceClient[];
  /** A pointer governance withholds on its own codes: its document is not read (see SnapshotRequest). */
  withheld?: (pointer: RecordPointer) => boolean;
}

export async function fetchPointers(ctx: LocatorContext): Promise<RecordPointer[]> {
  const docs: unknown[] = [];
  // A locator that ignores `subject:identifier` answers with everyone's pointers: only this patient's are kept.
  const patient = { nhsNumber: ctx.nhsNumber };
  let foreign = 0;
  const identifier = encodeURIComponent(`${NHS_NUMBER_SYSTEM}|${ctx.nhsNumber}`);
  await ctx.progress.attempt(async () => {
    const result = await readAllPages(
      ctx.client,
      ctx.client.url(`DocumentReference?subject:identifier=${identifier}`),
      {
        pageCap: ctx.pageCap,
        priority: 'critical',
        label: 'record locator pointers',
        onPage: (resources) => {
          for (const r of resources) {
            if (r.resourceType !== 'DocumentReference') continue;
            if (namesAnotherPatient(r, patient)) foreign++;
            else docs.push(r);
          }
        },
      },
    );
    ctx.progress.warn(result.warnings);
    if (result.incomplete || foreign) ctx.progress.markIncomplete();
    if (foreign) {
      ctx.progress.warn([
        `${ctx.client.name} answered with ${foreign} ${foreign === 1 ? 'pointer' : 'pointers'} for another patient: not shown, and its answer may be incomplete`,
      ]);
    }
  });
  ctx.progress.resourceCount = docs.length;
  const pointers = docs.filter(isObject).map((d, i) => toRecordPointer(d, ctx.progress.source.id, i));
  await Promise.all(pointers.map((p) => (ctx.withheld?.(p) ? undefined : retrieve(p, ctx.configured))));
  return pointers;
}

async function retrieve(pointer: RecordPointer, configured: readonly SourceClient[]): Promise<void> {
  // A document the pointer labels restricted is withheld from everyone here (patient-level governance): it is
  // not read either, so no source records this user reading it.
  if (restrictivePointerLabels(pointer)) return;
  const holder = pointer.url ? sourceHolding(pointer.url, configured, (c) => c.baseUrl) : undefined;
  if (!pointer.url || !holder) {
    pointer.retrieval = 'not-configured';
    pointer.retrievalMessage = `document held at ${holderOf(pointer)}`;
    return;
  }
  try {
    const response = await holder.get(pointer.url, {
      priority: 'critical',
      accept: pointer.contentType ?? '*/*',
    });
    const contentType =
      response.contentType.split(';')[0]!.trim() || pointer.contentType || 'application/octet-stream';
    let document: Resource;
    if (/json/i.test(contentType)) {
      const parsed: unknown = JSON.parse(response.body.toString('utf8'));
      if (!isObject(parsed) || typeof parsed.resourceType !== 'string')
        throw new Error('not a FHIR resource');
      document = parsed as unknown as Resource;
    } else {
      document = { resourceType: 'Binary', contentType, data: response.body.toString('base64') };
    }
    pointer.retrieval = 'retrieved';
    pointer.document = document;
  } catch (error) {
    pointer.retrieval = 'unreachable';
    const reason =
      error instanceof SyntaxError || !(error instanceof Error)
        ? 'sent a document that could not be read'
        : error.message;
    pointer.retrievalMessage = `${holder.name} ${reason}`;
  }
}
