// The Wessex-wide record engine: every configured source in parallel, each source's answer kept as it came
// (a snapshot, see snapshot.ts). Progress is reported per source, as soon as a source has answered for the
// resuscitation decisions, alerts and allergies, again once it has answered all its urgent-care reads, once it has
// ended (its advance care decisions settled), and at the urgent-care deadline; a slow source never holds up
// another, nor a source's slow medicines its DNACPR.
import { failedBecause } from '../../../common/failure-words';
import { isValidNhsNumber, normaliseNhsNumber } from '../../../common/nhs-number';
import {
  FIRST_PAINTED_SECTIONS,
  SETTLED_BY_URGENT_CARE_READS,
  type IdentityWarning,
  type RecordPointer,
  type SourceStatus,
} from '../../../common/record';
import type { TokenPurpose, TokenProvider } from '../auth/token-provider';
import { asFetchFailure, DEFAULT_CLIENT_LIMITS, SourceClient, tokenFromProvider } from '../http';
import { durationText } from '../http/deadline';
import type { Json } from './fhir-read';
import { fetchPointers } from './locator-fetch';
import type { RecordIdentity } from './record-identity';
import { learnFacts } from './resource-facts';
import { fetchRegionalSource, URGENT_CARE_REQUESTS } from './regional-fetch';
import { NOTHING_WITHHELD, type RecordSnapshot, type SourceSnapshot } from './snapshot';
import { type EngineSource, SourceProgress } from './source-progress';

export type { EngineSource } from './source-progress';
export type { RecordIdentity } from './record-identity';

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
  /** After this long the urgent-care sections are shown with what has arrived, naming what has not. */
  urgentCareDeadlineMs: number;
  /**
   * The longest a source's CapabilityStatement is waited for; past it the source is read type by type (a
   * statement only says how to read the record, so a slow one must not hold the record up to the deadline).
   */
  capabilityWaitMs: number;
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
  urgentCareDeadlineMs: 8_000,
  capabilityWaitMs: 5_000,
  maxBodyBytes: DEFAULT_CLIENT_LIMITS.maxResponseBytes,
  memoryBudgetBytes: DEFAULT_CLIENT_LIMITS.memoryBudgetBytes,
  concurrencyPerSource: Math.max(DEFAULT_CLIENT_LIMITS.concurrency, URGENT_CARE_REQUESTS),
  maxRetries: DEFAULT_CLIENT_LIMITS.maxRetries,
  retryBaseMs: DEFAULT_CLIENT_LIMITS.retryBaseMs,
  retryMaxMs: DEFAULT_CLIENT_LIMITS.retryMaxMs,
  since: {},
  now: () => new Date(),
};

export interface SnapshotProgress {
  /**
   * The snapshot so far: sources that have answered their urgent-care reads with what they sent (status
   * provisional until they finish), the others pending with nothing. Only urgent-care sections are settled.
   */
  snapshot: RecordSnapshot;
  /** The urgent-care deadline has passed: pending sources' statuses say so. */
  deadlinePassed: boolean;
}

export interface SnapshotRequest {
  requestId: string;
  identity: RecordIdentity;
  sources: readonly EngineSource[];
  locator?: EngineSource;
  tokens: TokenProvider;
  /** Why the record is read (break-glass: ETREAT); the sources' tokens are bound to it and to the patient. */
  purpose?: TokenPurpose;
  signal?: AbortSignal;
  options?: Partial<EngineOptions>;
  /** Each source's status as it changes (pending, then how it ended). */
  onSource?: (status: SourceStatus) => void;
  onProgress?: (progress: SnapshotProgress) => void;
  /**
   * Whether progress may show a source that has answered for the resuscitation decisions, alerts and allergies
   * alone (default yes). A caller that already shows a saved copy has nothing to gain from that step.
   */
  firstPaintedProgress?: boolean;
  /**
   * Each page's resources as they are read, while the next is on the wire: work the caller does on every
   * resource (governance's walk of each tree) is done here rather than after the last page.
   */
  onResourcesRead?: (resources: readonly Json[]) => void;
  /**
   * Whether governance will withhold a locator pointer whatever its document says (a sensitive code in the
   * pointer itself): its document is then not read either, so its holder records no read by this user.
   */
  pointerWithheld?: (pointer: RecordPointer) => boolean;
  /**
   * One of the callbacks above threw: the fetch went on without it (a status, a progress step or a page's work
   * the caller missed). For the log: which step, and the source it was about.
   */
  onCallbackFailed?: (failure: CallbackFailure) => void;
}

export interface CallbackFailure {
  step: 'source' | 'progress' | 'resources';
  /** The source whose status or page it was (a progress step is about the whole record). */
  sourceId?: string;
  error: unknown;
}

/**
 * Runs a caller's callback: its failure is the caller's, never the source's that happened to report it, nor the
 * fetch's, nor (from the deadline's timer) the process's. It is reported, and the fetch goes on.
 */
function callerStep(request: SnapshotRequest, step: CallbackFailure['step'], sourceId?: string) {
  return (work: () => void): void => {
    try {
      work();
    } catch (error) {
      try {
        request.onCallbackFailed?.({ step, ...(sourceId ? { sourceId } : {}), error });
      } catch {
        // Nowhere left to report it; the fetch still goes on.
      }
    }
  };
}

/** Tells the caller a source's status, isolated: one that cannot take it stops no other update. */
function tellSource(request: SnapshotRequest, status: SourceStatus): void {
  callerStep(request, 'source', status.id)(() => request.onSource?.(status));
}

/** One source's read in progress. */
interface SourceRun {
  source: EngineSource;
  kind: 'regional' | 'locator';
  progress: SourceProgress;
  resources: Json[];
  pointers: RecordPointer[];
  patient?: Json;
  identityWarnings: IdentityWarning[];
  /** Provisional status once the reads for the first-painted sections ended (the other sections still loading). */
  firstPaintedStatus?: SourceStatus;
  /** Provisional status once its urgent-care reads ended; the final status once it ended. */
  criticalStatus?: SourceStatus;
  finalStatus?: SourceStatus;
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

function emptySnapshot(nhs: string, at: string): RecordSnapshot {
  return {
    nhsNumber: nhs,
    sources: [],
    identityWarnings: [],
    assembledAt: at,
    withheld: NOTHING_WITHHELD,
    dissent: false,
  };
}

/** Reads the patient's record from every source; progress streams to the request's callbacks as it goes. */
export async function fetchSnapshot(request: SnapshotRequest): Promise<RecordSnapshot> {
  const options: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, ...request.options };
  const nhs = normaliseNhsNumber(request.identity.nhsNumber);
  const gate = identityGate(request.identity, nhs);
  if (gate) {
    const statuses = [
      ...request.sources.map((s) => notReached(s, 'regional', gate.reason)),
      ...(request.locator ? [notReached(request.locator, 'locator', gate.reason)] : []),
    ];
    for (const s of statuses) tellSource(request, s);
    return {
      ...emptySnapshot(nhs, options.now().toISOString()),
      sources: statuses.map((status) => ({ status, resources: [], pointers: [], identityWarnings: [] })),
      identityWarnings: [gate.warning],
      notRequested: gate.reason,
    };
  }
  const clients: SourceClient[] = [];
  const clientFor = (source: EngineSource) => {
    const client = sourceClient(request, options, source, nhs);
    clients.push(client);
    return client;
  };
  try {
    return await fetchAll(request, options, nhs, clientFor);
  } finally {
    // Connections are dropped in the background: the record is ready, nothing waits on sockets closing.
    for (const client of clients) void client.close();
  }
}

/** One client per source for this fetch: its own token, connections, memory budget and deadline. */
function sourceClient(
  request: SnapshotRequest,
  options: EngineOptions,
  source: EngineSource,
  nhs: string,
): SourceClient {
  return new SourceClient({
    name: source.name,
    baseUrl: source.fhirBase,
    token: tokenFromProvider(request.tokens, source.id, {
      access: { patient: nhs, purpose: request.purpose ?? 'TREAT' },
    }),
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

function sourceSnapshot(run: SourceRun, status: SourceStatus, withData: boolean): SourceSnapshot {
  return {
    status,
    ...(withData && run.patient ? { patient: run.patient } : {}),
    resources: withData ? run.resources : [],
    pointers: withData ? run.pointers : [],
    identityWarnings: withData ? run.identityWarnings : [],
  };
}

/** What a source's first-painted reads settle: the alerts and allergies (see SETTLED_BY_URGENT_CARE_READS). */
const FIRST_PAINTED_BY_URGENT_CARE_READS = SETTLED_BY_URGENT_CARE_READS.filter((s) =>
  FIRST_PAINTED_SECTIONS.has(s),
);

async function fetchAll(
  request: SnapshotRequest,
  options: EngineOptions,
  nhs: string,
  clientFor: (source: EngineSource) => SourceClient,
): Promise<RecordSnapshot> {
  const now = () => options.now().toISOString();
  const runs: SourceRun[] = [
    ...request.sources.map((source) => newRun(source, 'regional')),
    ...(request.locator ? [newRun(request.locator, 'locator')] : []),
  ];
  let deadlinePassed = false;
  const progressNow = (): RecordSnapshot => ({
    ...emptySnapshot(nhs, now()),
    sources: runs.map((run) => {
      if (run.finalStatus) return sourceSnapshot(run, run.finalStatus, true);
      const pending = run.progress.status('pending');
      pending.resourceCount = 0;
      // Past the deadline, what the source has not yet settled is overdue, and stays so until it is (its
      // urgent-care reads answering later does not make the rest merely "still loading" again).
      if (deadlinePassed) {
        const within = durationText(options.urgentCareDeadlineMs);
        // One that answered its urgent-care reads has answered, only not with everything.
        pending.message = run.criticalStatus
          ? `${run.source.name} has not sent the rest of its record within ${within}; still trying`
          : `${run.source.name} has not answered within ${within}; still trying`;
      }
      if (run.criticalStatus) {
        return {
          ...sourceSnapshot(run, run.criticalStatus, true),
          settledOnly: { sections: SETTLED_BY_URGENT_CARE_READS, pending },
        };
      }
      if (run.firstPaintedStatus) {
        return {
          ...sourceSnapshot(run, run.firstPaintedStatus, true),
          settledOnly: { sections: FIRST_PAINTED_BY_URGENT_CARE_READS, pending },
        };
      }
      return sourceSnapshot(run, pending, false);
    }),
  });
  // Progress is the caller's work (governing, merging, the screen's events), done inside whichever source's
  // callback reported it: a failure is reported as the caller's (see callerStep). The caller misses that step;
  // the final record, built after every source has ended, is unaffected.
  const progressStep = callerStep(request, 'progress');
  const report = () => progressStep(() => request.onProgress?.({ snapshot: progressNow(), deadlinePassed }));
  for (const run of runs) tellSource(request, run.progress.status('pending'));
  const deadline = request.onProgress
    ? setTimeout(() => {
        deadlinePassed = true;
        report();
      }, options.urgentCareDeadlineMs)
    : undefined;
  deadline?.unref?.();

  const regionalClients = request.sources.map(clientFor);
  const regional = runs
    .filter((run) => run.kind === 'regional')
    .map(async (run, i) => {
      const pageWork = callerStep(request, 'resources', run.source.id);
      const criticalDone = () => {
        if (run.criticalStatus) return;
        run.criticalStatus = run.progress.final(now());
        report();
      };
      const result = await fetchRegionalSource({
        client: regionalClients[i]!,
        progress: run.progress,
        nhsNumber: nhs,
        read: {
          pageSize: options.pageSize,
          pageCap: options.pageCap,
          since: options.since[run.source.id],
          capabilityWaitMs: options.capabilityWaitMs,
        },
        onResources: (resources) => {
          for (const r of resources) run.resources.push(r);
          // While the next page is on the wire, so the merge at the end only has to join.
          learnFacts(resources);
          // The caller's work ahead of the record (governance learning causes): it is done again for the
          // record if it fails here, so the source's read is not in doubt.
          pageWork(() => request.onResourcesRead?.(resources));
        },
        // Known before any entry is shown, so progress is checked for identity like the final record.
        onLocated: (patient) => (run.patient = patient),
        onCriticalDone: criticalDone,
        // Reported again only once the urgent-care reads have been: until then, their report will carry them.
        onLateDecisions: () => {
          if (run.criticalStatus && !run.finalStatus) report();
        },
        onFirstPaintedDone: () => {
          if (run.criticalStatus || request.firstPaintedProgress === false) return;
          run.firstPaintedStatus = run.progress.final(now());
          report();
        },
      }).catch((error: unknown) => {
        run.progress.decided = {
          state: 'failed',
          // In the status line's words, never an error's class name ("FetchFailure: …").
          message: `${run.source.name} ${failedBecause('could not be read', asFetchFailure(error).message)}`,
        };
        return { patient: undefined, identityWarnings: [] as IdentityWarning[] };
      });
      if (result.patient) run.patient = result.patient;
      run.identityWarnings.push(...result.identityWarnings);
      run.finalStatus = run.progress.final(now());
      tellSource(request, run.finalStatus);
      // Reported again while another source is still reading: this one's advance care decisions are settled.
      if (!run.criticalStatus || runs.some((other) => !other.finalStatus)) report();
    });
  const locatorRun = runs.find((run) => run.kind === 'locator');
  const located = locatorRun
    ? (async () => {
        const client = clientFor(locatorRun.source);
        locatorRun.pointers = await fetchPointers({
          client,
          progress: locatorRun.progress,
          nhsNumber: nhs,
          pageCap: options.pageCap,
          configured: [...regionalClients, client],
          ...(request.pointerWithheld ? { withheld: request.pointerWithheld } : {}),
        });
        locatorRun.finalStatus = locatorRun.progress.final(now());
        tellSource(request, locatorRun.finalStatus);
        report();
      })()
    : undefined;
  try {
    await Promise.all([...regional, located]);
  } finally {
    if (deadline) clearTimeout(deadline);
  }

  const snapshot: RecordSnapshot = {
    ...emptySnapshot(nhs, now()),
    sources: runs.map((run) => sourceSnapshot(run, run.finalStatus!, true)),
  };
  const regionalRuns = runs.filter((run) => run.kind === 'regional');
  const reachedAll = regionalRuns.every((run) => run.finalStatus!.state === 'complete');
  if (regionalRuns.length > 0 && reachedAll && regionalRuns.every((run) => !run.patient)) {
    snapshot.identityWarnings.push({
      kind: 'not-found',
      message: 'This NHS number was not found on any Wessex regional source',
    });
  }
  return snapshot;
}

function newRun(source: EngineSource, kind: 'regional' | 'locator'): SourceRun {
  return {
    source,
    kind,
    progress: new SourceProgress(source, kind),
    resources: [],
    pointers: [],
    identityWarnings: [],
  };
}
