// The Wessex-wide record engine: every configured source in parallel, critical sections emitted as soon as
// every source has answered them, one merged record with provenance and conflicts at the end.
import type { Patient } from '../../../common/fhir';
import { isValidNhsNumber, normaliseNhsNumber } from '../../../common/nhs-number';
import {
  CRITICAL_SECTIONS,
  SECTION_ORDER,
  type IdentityWarning,
  type NhsNumberVerification,
  type PatientSummary,
  type RecordEvent,
  type RecordItem,
  type RecordPointer,
  type SectionId,
  type SourceStatus,
  type WessexRecord,
} from '../../../common/record';
import type { TokenProvider } from '../auth/token-provider';
import { DEFAULT_CLIENT_LIMITS, SourceClient, tokenFromProvider } from '../http';
import { detectConflicts } from './conflicts';
import { type Json, lastUpdated } from './fhir-read';
import { fetchPointers } from './locator-fetch';
import { RecordMerger } from './merge';
import { type EprDemographics, familyName, patientSummary } from './patient-identity';
import { fetchRegionalSource } from './regional-fetch';
import { type EngineSource, SourceProgress } from './source-progress';

export type { EngineSource } from './source-progress';

/** Who the record is for, as the launch established it. */
export interface RecordIdentity {
  nhsNumber: string;
  /** False when the NHS number is not verified (or policy forbids) — regional sources are then not asked. */
  mayQueryRegionalSources: boolean;
  /** The launching EPR's Patient: the banner comes from it, and regional matches are checked against it. */
  eprPatient?: Patient;
  /** EPR demographics when there is no EPR Patient resource (e.g. standalone launch). */
  demographics?: EprDemographics;
  verification?: NhsNumberVerification;
}

export interface EngineOptions {
  /** Per-source deadline for the whole read: sign-in (discovery, token), locate and every page. */
  deadlineMs: number;
  /** The most one response may send. */
  maxBodyBytes: number;
  /** The most one source's responses in flight may hold in memory at once. */
  memoryBudgetBytes: number;
  /** Requests in flight at once, per source (each source has its own connections). */
  concurrencyPerSource: number;
  /** Retries of a request answered 429 or 503. */
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  pageSize: number;
  pageCap: number;
  /** sourceId → ISO instant: only entries changed since then (incremental refresh). */
  since: Record<string, string>;
  now: () => Date;
  /** Every HTTP request made (for benchmarks and diagnostics; URLs carry identifiers, so never log them). */
  onRequest?: (url: string) => void;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  deadlineMs: 30_000,
  pageSize: 1000,
  pageCap: 200,
  maxBodyBytes: DEFAULT_CLIENT_LIMITS.maxResponseBytes,
  memoryBudgetBytes: DEFAULT_CLIENT_LIMITS.memoryBudgetBytes,
  concurrencyPerSource: DEFAULT_CLIENT_LIMITS.concurrency,
  maxRetries: DEFAULT_CLIENT_LIMITS.maxRetries,
  retryBaseMs: DEFAULT_CLIENT_LIMITS.retryBaseMs,
  retryMaxMs: DEFAULT_CLIENT_LIMITS.retryMaxMs,
  since: {},
  now: () => new Date(),
};

export interface RecordRequest {
  requestId: string;
  identity: RecordIdentity;
  sources: readonly EngineSource[];
  locator?: EngineSource;
  tokens: TokenProvider;
  signal?: AbortSignal;
  options?: Partial<EngineOptions>;
  onEvent?: (event: RecordEvent) => void;
}

interface RunContext {
  request: RecordRequest;
  options: EngineOptions;
  emit: (event: RecordEvent) => void;
  merger: RecordMerger;
}

function eprDemographics(identity: RecordIdentity): EprDemographics | undefined {
  if (identity.demographics) return identity.demographics;
  const patient = identity.eprPatient as unknown as Json | undefined;
  if (!patient) return undefined;
  const birthDate = typeof patient.birthDate === 'string' ? patient.birthDate : undefined;
  return { family: familyName(patient), birthDate };
}

function notReached(source: EngineSource, kind: 'regional' | 'locator', message: string): SourceStatus {
  return {
    id: source.id,
    name: source.name,
    kind,
    baseUrl: source.fhirBase,
    state: 'not-reached',
    message,
    resourceCount: 0,
    warnings: [],
  };
}

function identityGate(
  identity: RecordIdentity,
  nhs: string,
): { reason: string; warning: IdentityWarning } | undefined {
  if (!isValidNhsNumber(nhs)) {
    const message =
      'The NHS number is not valid (it fails the modulus 11 check); regional records were not searched';
    return { reason: message, warning: { kind: 'invalid-nhs-number', message } };
  }
  if (!identity.mayQueryRegionalSources) {
    const message = 'The NHS number is not verified; regional records were not searched';
    return { reason: message, warning: { kind: 'unverified-nhs-number', message } };
  }
  return undefined;
}

/** Assembles the patient's Wessex record from every source; events stream to onEvent as it goes. */
export async function assembleRecord(request: RecordRequest): Promise<WessexRecord> {
  const options: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, ...request.options };
  const emit = (event: RecordEvent) => request.onEvent?.(event);
  const ctx: RunContext = { request, options, emit, merger: new RecordMerger() };
  const nhs = normaliseNhsNumber(request.identity.nhsNumber);
  const gate = identityGate(request.identity, nhs);
  if (gate) {
    const statuses = [
      ...request.sources.map((s) => notReached(s, 'regional', gate.reason)),
      ...(request.locator ? [notReached(request.locator, 'locator', gate.reason)] : []),
    ];
    for (const s of statuses) emit({ type: 'source', requestId: request.requestId, source: s });
    return finish(ctx, nhs, statuses, [], [gate.warning], []);
  }
  const clients: SourceClient[] = [];
  const clientFor = (source: EngineSource) => {
    const client = sourceClient(request, options, source);
    clients.push(client);
    return client;
  };
  try {
    return await fetchAll(ctx, nhs, clientFor);
  } finally {
    // Connections are dropped in the background: the record is ready, nothing waits on sockets closing.
    for (const client of clients) void client.close();
  }
}

/** One client per source for this fetch: its own token, connections, memory budget and deadline. */
function sourceClient(request: RecordRequest, options: EngineOptions, source: EngineSource): SourceClient {
  return new SourceClient({
    name: source.name,
    baseUrl: source.fhirBase,
    token: tokenFromProvider(request.tokens, source.id),
    deadlineMs: options.deadlineMs,
    ...(request.signal ? { signal: request.signal } : {}),
    limits: {
      maxResponseBytes: options.maxBodyBytes,
      memoryBudgetBytes: options.memoryBudgetBytes,
      concurrency: options.concurrencyPerSource,
      maxRetries: options.maxRetries,
      retryBaseMs: options.retryBaseMs,
      retryMaxMs: options.retryMaxMs,
    },
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
  });
}

async function fetchAll(
  ctx: RunContext,
  nhs: string,
  clientFor: (source: EngineSource) => SourceClient,
): Promise<WessexRecord> {
  const { request, options, emit, merger } = ctx;
  const clients = request.sources.map(clientFor);
  const progresses = request.sources.map((s) => new SourceProgress(s, 'regional'));
  const now = () => options.now().toISOString();
  for (const p of progresses)
    emit({ type: 'source', requestId: request.requestId, source: p.status('pending') });

  let criticalPending = request.sources.length;
  const emitCritical = (allAnswered: boolean) => {
    for (const section of CRITICAL_SECTIONS) {
      emit({
        type: 'section',
        requestId: request.requestId,
        section,
        items: sectionItems(merger, section),
        allSourcesAnswered: allAnswered,
      });
    }
  };
  const epr = eprDemographics(request.identity);
  const regional = request.sources.map(async (source, i) => {
    const progress = progresses[i]!;
    let criticalReported = false;
    const result = await fetchRegionalSource({
      client: clients[i]!,
      progress,
      nhsNumber: nhs,
      epr,
      read: { pageSize: options.pageSize, pageCap: options.pageCap, since: options.since[source.id] },
      onResources: (resources) =>
        merger.add({ id: source.id, name: source.name, server: source.fhirBase }, resources),
      onCriticalDone: () => {
        if (criticalReported) return;
        criticalReported = true;
        criticalPending--;
        emitCritical(criticalPending === 0);
      },
    }).catch((error: unknown) => {
      progress.decided = { state: 'failed', message: `${source.name} could not be read: ${String(error)}` };
      return { patient: undefined, identityWarnings: [] as IdentityWarning[] };
    });
    if (!criticalReported) {
      criticalPending--;
      emitCritical(criticalPending === 0);
    }
    const status = progress.final(now());
    emit({ type: 'source', requestId: request.requestId, source: status });
    return { status, ...result };
  });

  const locatorRun = request.locator ? runLocator(ctx, request.locator, nhs, clientFor, clients) : undefined;
  const regionalResults = await Promise.all(regional);
  const locatorResult = locatorRun ? await locatorRun : undefined;

  const statuses = [
    ...regionalResults.map((r) => r.status),
    ...(locatorResult ? [locatorResult.status] : []),
  ];
  const identityWarnings = regionalResults.flatMap((r) => r.identityWarnings);
  const located = regionalResults.filter((r) => r.patient).map((r) => r.patient!);
  const reachedAll = regionalResults.every((r) => r.status.state === 'complete');
  if (request.sources.length > 0 && located.length === 0 && reachedAll) {
    identityWarnings.push({
      kind: 'not-found',
      message: 'This NHS number was not found on any Wessex regional source',
    });
  }
  return finish(ctx, nhs, statuses, located, identityWarnings, locatorResult?.pointers ?? []);
}

async function runLocator(
  ctx: RunContext,
  locator: EngineSource,
  nhs: string,
  clientFor: (s: EngineSource) => SourceClient,
  regionalClients: SourceClient[],
): Promise<{ status: SourceStatus; pointers: RecordPointer[] }> {
  const progress = new SourceProgress(locator, 'locator');
  ctx.emit({ type: 'source', requestId: ctx.request.requestId, source: progress.status('pending') });
  const client = clientFor(locator);
  const pointers = await fetchPointers({
    client,
    progress,
    nhsNumber: nhs,
    pageCap: ctx.options.pageCap,
    configured: [...regionalClients, client],
  });
  const status = progress.final(ctx.options.now().toISOString());
  ctx.emit({ type: 'source', requestId: ctx.request.requestId, source: status });
  return { status, pointers };
}

function sectionItems(merger: RecordMerger, section: SectionId): RecordItem[] {
  const entries = merger.sectionEntries(section);
  return entries.map((e) => merger.toItem(e));
}

function bestPatient(located: Json[]): Json | undefined {
  let best: Json | undefined;
  for (const p of located) {
    if (!best || (lastUpdated(p) ?? '') > (lastUpdated(best) ?? '')) best = p;
  }
  return best;
}

function summary(identity: RecordIdentity, nhs: string, located: Json[]): PatientSummary {
  const patient = (identity.eprPatient as unknown as Json | undefined) ?? bestPatient(located);
  const base: PatientSummary = patient
    ? patientSummary(patient)
    : { name: 'Name not known', verification: identity.verification ?? 'unknown' };
  base.nhsNumber = base.nhsNumber ?? nhs;
  if (identity.verification) base.verification = identity.verification;
  return base;
}

const sectionRank = new Map<SectionId, number>(SECTION_ORDER.map((s, i) => [s, i]));

function finish(
  ctx: RunContext,
  nhs: string,
  sources: SourceStatus[],
  located: Json[],
  identityWarnings: IdentityWarning[],
  pointers: RecordPointer[],
): WessexRecord {
  const { merger, request } = ctx;
  const entries = merger.entries();
  const { conflicts, byEntry } = detectConflicts(entries);
  const items = entries
    .map((e) => merger.toItem(e, byEntry.get(e.key)))
    .sort(
      (a, b) =>
        sectionRank.get(a.section)! - sectionRank.get(b.section)! ||
        (b.date ?? '').localeCompare(a.date ?? ''),
    );
  const record: WessexRecord = {
    patient: summary(request.identity, nhs, located),
    sources,
    items,
    conflicts,
    identityWarnings,
    pointers,
    withheld: { count: 0, reasons: [] },
    dissent: false,
    assembledAt: ctx.options.now().toISOString(),
    ungrantedScopes: [],
  };
  ctx.emit({ type: 'record', requestId: request.requestId, record });
  return record;
}

/** The same as assembleRecord, as an async stream of events ending with the 'record' event. */
export async function* recordEvents(request: Omit<RecordRequest, 'onEvent'>): AsyncGenerator<RecordEvent> {
  const queue: RecordEvent[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let failure: unknown;
  void assembleRecord({
    ...request,
    onEvent: (e) => {
      queue.push(e);
      wake?.();
    },
  })
    .catch((error: unknown) => {
      failure = error;
    })
    .finally(() => {
      done = true;
      wake?.();
    });
  for (;;) {
    const next = queue.shift();
    if (next) {
      yield next;
      continue;
    }
    if (done) break;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
  if (failure) throw failure;
}
