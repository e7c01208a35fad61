// The pieces every read of a located patient is made of: the read's context, delivery screened for another
// patient's entries, one search read to its last page with its failures recorded, and the query parameters
// (page size, incremental refresh). Read type by type (type-reads.ts) or by $everything (everything-read.ts).
import { FetchFailure, PartialReadFailure, readAllPages, type Priority, type SourceClient } from '../http';
import type { Json } from './fhir-read';
import { namesAnotherPatient, type PatientOnSource } from './patient-belonging';
import { BILLING_TYPES, SUPPORTING_TYPES } from './sections';
import type { SourceProgress } from './source-progress';

export interface ReadOptions {
  pageSize: number;
  pageCap: number;
  /** Only entries changed after this instant (incremental refresh). */
  since?: string;
  /** The longest the CapabilityStatement is waited for (default: the source's own deadline). */
  capabilityWaitMs?: number;
}

export interface RegionalFetchContext {
  client: SourceClient;
  progress: SourceProgress;
  nhsNumber: string;
  read: ReadOptions;
  onResources(resources: Json[]): void;
  /** The source's Patient for this NHS number, as soon as it is known (before its entries are read). */
  onLocated?(patient: Json): void;
  /** Called once, when every critical request of this source has ended (answered or failed). */
  onCriticalDone(): void;
  /**
   * Called once, when the reads of everything that fills the first-painted sections (resuscitation decisions,
   * alerts, allergies) have ended, if that is before the rest of the critical reads (only when read by type).
   */
  onFirstPaintedDone?(): void;
  /** Decisions read ahead (advance-care-reads.ts) have arrived, perhaps after the urgent-care reads' report. */
  onLateDecisions?(): void;
}

/** A source's reads once the patient is found there. */
export interface ReadContext extends RegionalFetchContext {
  patient: PatientOnSource;
}

function deliver(ctx: RegionalFetchContext, resources: Json[]): void {
  ctx.progress.resourceCount += resources.length;
  ctx.onResources(resources);
}

const entries = (n: number) => `${n} ${n === 1 ? 'entry' : 'entries'}`;

/**
 * What one read delivers: only entries about this patient, never billing (claims a whole $everything brings),
 * and, for a search by type, of that type (or the supporting resources servers add). The rest are counted, then
 * reported without naming anyone.
 */
export function screenedDelivery(ctx: ReadContext, expectedType?: string) {
  let foreign = 0;
  let unasked = 0;
  const billing = new Map<string, number>();
  const keeps = (resource: Json) => {
    if (namesAnotherPatient(resource, ctx.patient)) {
      foreign++;
      return false;
    }
    const type = String(resource.resourceType);
    if (BILLING_TYPES.has(type)) {
      billing.set(type, (billing.get(type) ?? 0) + 1);
      return false;
    }
    if (expectedType !== undefined && type !== expectedType && !SUPPORTING_TYPES.has(type)) {
      unasked++;
      return false;
    }
    return true;
  };
  return {
    deliver(resources: Json[]): void {
      // Most pages are all the patient's: copied only when something has to go.
      let kept: Json[] | undefined;
      resources.forEach((resource, i) => {
        if (!keeps(resource)) kept ??= resources.slice(0, i);
        else kept?.push(resource);
      });
      deliver(ctx, kept ?? resources);
    },
    /** Warnings for what was left out: another patient's entries leave the answer in doubt (`label`). */
    report(label: string | undefined, what: string): void {
      if (foreign) {
        ctx.progress.warn([
          `${ctx.client.name} answered the ${what} with ${entries(foreign)} about another patient: not shown, and its answer may be incomplete`,
        ]);
        ctx.progress.markIncomplete(label);
      }
      if (unasked) {
        ctx.progress.warn([
          `${ctx.client.name} answered the ${what} with ${entries(unasked)} of another kind: not shown`,
        ]);
      }
      if (billing.size) {
        const n = [...billing.values()].reduce((a, b) => a + b, 0);
        ctx.progress.warn([
          `${ctx.client.name} also sent ${n} billing ${n === 1 ? 'entry' : 'entries'} (${[...billing.keys()].sort().join(', ')}): not part of the clinical record, not shown`,
        ]);
      }
    },
  };
}

export function search(
  ctx: ReadContext,
  path: string,
  label: string,
  priority: Priority,
  advertised = true,
  expectedType?: string,
): Promise<unknown> {
  return ctx.progress.attempt(async () => {
    try {
      const screened = screenedDelivery(ctx, expectedType);
      const result = await readAllPages(ctx.client, ctx.client.url(path), {
        pageCap: ctx.read.pageCap,
        priority,
        label,
        onPage: (resources) => screened.deliver(resources),
      });
      ctx.progress.warn(result.warnings);
      if (result.incomplete) ctx.progress.markIncomplete(label);
      screened.report(label, `${label} search`);
    } catch (error) {
      // Searched although the CapabilityStatement left it out. "Not found / not supported" confirms the
      // server holds none; "bad request" may only be a parameter it refused, so that section is in doubt.
      if (advertised || !isRejection(error)) throw error;
      const status = (error as FetchFailure).status;
      if (status === 400 || status === 422) {
        ctx.progress.warn([`${ctx.client.name} refused the ${label} search (HTTP ${status})`]);
        ctx.progress.markIncomplete(label);
      } else ctx.progress.warn([`${ctx.client.name} does not support ${label} searches`]);
    }
  }, label);
}

/**
 * Search parameters plus _count (the read's page size unless given) and, on an incremental refresh,
 * `_lastUpdated=gt…` (search) or `_since` ($everything).
 */
export function query(
  ctx: RegionalFetchContext,
  params: Record<string, string>,
  mode: 'search' | 'everything',
): string {
  const all = new URLSearchParams({ ...params, _count: params._count ?? String(ctx.read.pageSize) });
  if (ctx.read.since) {
    if (mode === 'search') all.set('_lastUpdated', `gt${ctx.read.since}`);
    else all.set('_since', ctx.read.since);
  }
  return all.toString();
}

/** The server refused the operation itself (not us, not a transient fault): searching by type may still work. */
export function isRejection(error: unknown): boolean {
  if (!(error instanceof FetchFailure) || error instanceof PartialReadFailure || error.status === undefined)
    return false;
  return [400, 404, 405, 422, 501].includes(error.status);
}
