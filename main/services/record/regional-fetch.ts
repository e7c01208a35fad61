// One regional source: locate the patient by NHS number, then read the record — Patient/$everything when the
// server advertises it, parallel per-type searches otherwise — critical types first.
import { FIRST_PAINTED_SECTIONS, type IdentityWarning } from '../../../common/record';
import { NHS_NUMBER_SYSTEM } from '../../../common/nhs-number';
import { asArray, isObject, objectsIn, type Json, str } from './fhir-read';
import { namesAnotherPatient, patientOnSource, type PatientOnSource } from './patient-belonging';
import { nhsNumberOf } from './patient-identity';
import {
  FetchFailure,
  PartialReadFailure,
  readAllPages,
  type PageResult,
  type Priority,
  type SourceClient,
} from '../http';
import {
  ADVANCE_CARE_DOCUMENT_TYPES,
  allTypes,
  CRITICAL_TYPES,
  OTHER_TYPES,
  sectionsHoldingType,
  SUPPORTING_TYPES,
} from './sections';
import type { SourceProgress } from './source-progress';

export interface ReadOptions {
  pageSize: number;
  pageCap: number;
  /** Only entries changed after this instant (incremental refresh). */
  since?: string;
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
}

export interface RegionalFetchResult {
  patient?: Json;
  identityWarnings: IdentityWarning[];
}

/** A source's reads once the patient is found there. */
interface ReadContext extends RegionalFetchContext {
  patient: PatientOnSource;
}

interface Capabilities {
  everything: boolean;
  /** Resource types the server says it can search; undefined when it did not say. */
  types?: Set<string>;
}

function readCapabilities(statement: unknown): Capabilities {
  if (!isObject(statement) || statement.resourceType !== 'CapabilityStatement') return { everything: false };
  const rest = objectsIn(statement.rest);
  const resources = rest.flatMap((r) => objectsIn(r.resource));
  const isEverything = (op: unknown) =>
    isObject(op) && (op.name === 'everything' || /patient-everything/.test(str(op.definition) ?? ''));
  const patient = resources.find((r) => r.type === 'Patient');
  const everything =
    asArray(patient?.operation).some(isEverything) ||
    rest.some((r) => asArray(r.operation).some(isEverything));
  const types = new Set(resources.map((r) => str(r.type)).filter((t): t is string => t !== undefined));
  return { everything, types: types.size ? types : undefined };
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
  const [capability, located] = await Promise.allSettled([
    client.getJson(client.url('metadata'), { priority: 'critical' }),
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

function deliver(ctx: RegionalFetchContext, resources: Json[]): void {
  ctx.progress.resourceCount += resources.length;
  ctx.onResources(resources);
}

const entries = (n: number) => `${n} ${n === 1 ? 'entry' : 'entries'}`;

/**
 * What one read delivers: only entries about this patient and, for a search by type, of that type (or the
 * supporting resources servers add). The rest are counted, then reported without naming anyone.
 */
function screenedDelivery(ctx: ReadContext, expectedType?: string) {
  let foreign = 0;
  let unasked = 0;
  const keeps = (resource: Json) => {
    if (namesAnotherPatient(resource, ctx.patient)) {
      foreign++;
      return false;
    }
    const type = String(resource.resourceType);
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
    },
  };
}

function search(
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

/** Search parameters plus _count and, on an incremental refresh, `_lastUpdated=gt…` (search) or `_since` ($everything). */
function query(
  ctx: RegionalFetchContext,
  params: Record<string, string>,
  mode: 'search' | 'everything',
): string {
  const all = new URLSearchParams({ ...params, _count: String(ctx.read.pageSize) });
  if (ctx.read.since) {
    if (mode === 'search') all.set('_lastUpdated', `gt${ctx.read.since}`);
    else all.set('_since', ctx.read.since);
  }
  return all.toString();
}

/**
 * The urgent-care reads of a source searched type by type: one search per urgent-care type, and the advance care
 * documents. The engine keeps this many requests in flight per source, so they all go out together and the
 * urgent-care sections take one round trip once the patient is found (a ninth waiting for a free connection
 * cost the paramedic a whole round trip more).
 */
export const URGENT_CARE_REQUESTS = CRITICAL_TYPES.length + 1;

const supported = (caps: Capabilities, type: string) => !caps.types || caps.types.has(type);
const ADVANCE_CARE_TYPE_PARAM = ADVANCE_CARE_DOCUMENT_TYPES.map((c) => `http://snomed.info/sct|${c}`).join(
  ',',
);

async function readByType(ctx: ReadContext, patientId: string, caps: Capabilities): Promise<void> {
  const typeQuery = (type: string, extra: Record<string, string> = {}) =>
    `${type}?${query(ctx, { patient: `Patient/${patientId}`, ...extra }, 'search')}`;
  // Urgent-care types are searched even when the CapabilityStatement omits them: a statement that is
  // incomplete must not turn "not asked" into "none recorded".
  const reads: [label: string, read: Promise<unknown>][] = CRITICAL_TYPES.map((t) => [
    t,
    search(ctx, typeQuery(t), t, 'critical', supported(caps, t), t),
  ]);
  const advanceCare = 'advance care documents';
  reads.push([
    advanceCare,
    search(
      ctx,
      typeQuery('DocumentReference', { type: ADVANCE_CARE_TYPE_PARAM }),
      advanceCare,
      'critical',
      supported(caps, 'DocumentReference'),
      'DocumentReference',
    ),
  ]);
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
  const rest = OTHER_TYPES.filter((t) => supported(caps, t)).map((t) =>
    search(ctx, typeQuery(t), t, 'bulk', true, t),
  );
  await Promise.all([criticalDone, ...rest]);
}

/** Whether a read of `label` can hold entries of the first-painted sections. */
function fillsFirstPainted(label: string): boolean {
  return sectionsHoldingType(label).some((section) => FIRST_PAINTED_SECTIONS.has(section));
}

/** The server refused the operation itself (not us, not a transient fault): searching by type may still work. */
function isRejection(error: unknown): boolean {
  if (!(error instanceof FetchFailure) || error instanceof PartialReadFailure || error.status === undefined)
    return false;
  return [400, 404, 405, 422, 501].includes(error.status);
}

async function readEverything(ctx: ReadContext, patientId: string, caps: Capabilities): Promise<void> {
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
