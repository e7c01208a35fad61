// Every read of a patient's record goes through here, in one direction:
//   fetch (per source, streaming) → patient-level governance → fold into the saved copy → save (one shared
//   copy per patient; never under dissent) → merge (buildRecord) → user-level governance → caller.
// The offline path is the same from "saved copy" on. Progress takes the same steps, so nothing reaches a
// screen that the final record would not show.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { offlineBanner, type OfflineBannerModel } from '../../../common/offline-banner';
import { normaliseNhsNumber } from '../../../common/nhs-number';
import type { Consent } from '../../../common/fhir';
import { PAGED_SECTIONS, type PagedSection } from '../../../common/summary';
import {
  CRITICAL_SECTIONS,
  SETTLED_BY_URGENT_CARE_READS,
  type IdentityDecision,
  type RecordEvent,
  type SourceStatus,
  type WessexRecord,
} from '../../../common/record';
import { purposeOfUse, type TokenProvider } from '../auth/token-provider';
import type { CachedRecordMeta, LoadOptions, OfflineCache } from '../cache/offline-cache';
import {
  governForUser,
  governSnapshot,
  isPrivacyConsent,
  learnWithholdCauses,
  pointerWithholdCause,
  SECTIONS_FOR_ACCESS,
  type GovernOptions,
} from '../governance';
import {
  buildRecord,
  fetchSnapshot,
  type CallbackFailure,
  type EngineOptions,
  type EngineSource,
  type RecordIdentity,
  type RecordSnapshot,
  type SnapshotRequest,
  patientSummary,
} from '../record';
import type { Json } from '../record/fhir-read';
import { combineSnapshots, nextSourcesAsOf, type RefreshMode, type SourceWrite } from './combine-snapshots';
import { sourcesUnreachable } from './reachability';
import { ScreenProgress, type ProgressSkipped } from './screen-progress';

export interface RecordReaderOptions {
  sources: readonly EngineSource[];
  locator?: EngineSource;
  tokens: TokenProvider;
  cache?: OfflineCache;
  engine?: Partial<EngineOptions>;
  clock?: () => Date;
  /** A full refresh at least this often, so server-side deletions disappear. Default 24. */
  fullRefreshHours?: number;
  /** Asked for changes since a little before the last fetch, in case the server's clock is behind ours. */
  sinceMarginMs?: number;
  /** Keeps the documents an urgent-care clinician needs with each saved record (offline-documents.ts). */
  keepDocuments?: (nhsNumber: string, record: WessexRecord) => Promise<void>;
  /**
   * A progress update the screen missed (it could not take it, or the step could not be made): for the log.
   * The open goes on, and the record's answer shows everything.
   */
  onProgressSkipped?: (skipped: ProgressSkipped) => void;
}

export interface ReadRequest {
  requestId: string;
  identity: RecordIdentity;
  governance: GovernOptions;
  /** The clinician's decisions on held-apart sources (this session). */
  decisions?: readonly IdentityDecision[];
  preferOffline?: boolean;
  pin?: boolean;
  /** Governed progress for the screen: source statuses, then urgent-care sections as sources answer. */
  emit?: (event: RecordEvent) => void;
}

export interface OpenedRecord {
  /** The record as this user may see it. */
  record: WessexRecord;
  /** live: fetched in full; refreshed: saved copy + changes; offline: the saved copy alone. */
  from: 'live' | 'refreshed' | 'offline';
  banner?: OfflineBannerModel;
  /** Set when only part of the results history was read: how many results the saved copy holds. */
  resultsTotal?: number;
  /**
   * Set when `record` holds only the newest entries of these long lists (an offline open answers with the
   * summary first): the whole saved copy, read and governed the same way, follows for their pages.
   */
  partial?: { longLists: PagedSection[]; readWhole: (signal?: AbortSignal) => Promise<WessexRecord> };
  /**
   * Settles once the shared saved copy has been written (audit a cache-write) or could not be (`reason`). The
   * save runs after the record is returned, so the screen never waits for it.
   */
  saved: Promise<SaveOutcome>;
  /** The saved copy was removed because the patient declined sharing. */
  purgedForDissent: boolean;
  /** Settles when the record's urgent-care documents have been kept for offline use (or could not be). */
  documentsKept: Promise<void>;
}

export interface SaveOutcome {
  written: boolean;
  /** What the offline store failed with, when the fetched record could not be kept (for the log's code). */
  failure?: unknown;
}

export class OfflineUnavailableError extends Error {
  constructor() {
    super(
      'The record sources cannot be reached and there is no offline copy of this patient’s record on this ' +
        'computer. Try again when you have a connection.',
    );
  }
}

const HOUR = 3_600_000;
/**
 * An offline open reads this many of the newest rows of each long list first: enough for the summary's newest
 * ten after duplicates across sources merge.
 */
const NEWEST_ROWS_FIRST = 100;
const nothingToKeep = Promise.resolve();
const notSaved: Promise<SaveOutcome> = Promise.resolve({ written: false });
/** A source status for progress: counts come with the final record (before governance they would reveal more). */
const uncounted = (source: SourceStatus): SourceStatus => ({ ...source, resourceCount: 0 });

/** The engine's verdict that no Wessex source holds this NHS number (all reached, none found it). */
export function notFoundAnywhere(record: Pick<WessexRecord, 'identityWarnings'>): boolean {
  return record.identityWarnings.some((w) => w.kind === 'not-found');
}

/**
 * Whether any source in the snapshot holds a Consent about sharing: in force or not yet (it can come into force
 * after the copy was saved), it can withhold any other entry, so a part of the record cannot be governed alone.
 */
const holdsConsent = (snapshot: RecordSnapshot) =>
  snapshot.sources.some((s) =>
    s.resources.some((r) => r.resourceType === 'Consent' && isPrivacyConsent(r as unknown as Consent)),
  );

const answered = (snapshot: RecordSnapshot) =>
  snapshot.sources.some((s) => s.status.state === 'complete' || s.status.state === 'partial');

export class RecordReader {
  private readonly clock: () => Date;

  constructor(private readonly options: RecordReaderOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** The merged record as this user may see it: user-level governance around the one merge. */
  private build(
    snapshot: RecordSnapshot,
    request: ReadRequest,
    sections?: typeof CRITICAL_SECTIONS,
  ): WessexRecord {
    return governForUser(snapshot, request.governance, (visible) =>
      buildRecord(visible, {
        identity: request.identity,
        ...(request.decisions ? { decisions: request.decisions } : {}),
        ...(sections ? { sections } : {}),
        now: this.clock(),
      }),
    );
  }

  /**
   * The saved copy, labelled as one, as this user may see it; undefined when this patient is not saved. With
   * `recentResults`, only the newest results are read and `resultsTotal` says how many there are. With
   * `request.emit`, the urgent-care sections are read and sent first (a few hundred rows, not the whole
   * history), so the screen paints them before the rest of the record is read.
   */
  async openOffline(request: ReadRequest, load: LoadOptions = {}): Promise<OpenedRecord | undefined> {
    const { cache } = this.options;
    if (!cache) return undefined;
    const nhs = normaliseNhsNumber(request.identity.nhsNumber);
    const whole = !load.sections && load.recentResults === undefined && load.newestOfLongLists === undefined;
    if (request.emit && whole) {
      const summary = await cache.load(nhs, { newestOfLongLists: NEWEST_ROWS_FIRST });
      if (!summary) return undefined;
      if (this.governedAsSaved(summary.snapshot, request.governance)) {
        const view = this.savedView(summary.snapshot, summary.meta, request);
        await this.emitSavedUrgentCare(view, summary.meta.fetchedAt, request, request.emit);
        return this.summaryFirst(nhs, summary, view, request);
      }
    }
    const loaded = await cache.load(nhs, load);
    if (!loaded) return undefined;
    const opened = this.offlineFrom(loaded, request);
    if (load.recentResults !== undefined || load.sections) {
      opened.resultsTotal = (await cache.sectionCounts(nhs)).results ?? 0;
    }
    return opened;
  }

  /**
   * The saved copy's summary (every section but the long lists, and the newest rows of those) as the answer;
   * the whole copy is read when the long lists' pages are wanted (`readWhole`). Only where governing the
   * summary cannot depend on the rest (`governedAsSaved`).
   */
  private async summaryFirst(
    nhs: string,
    summary: { snapshot: RecordSnapshot; meta: CachedRecordMeta },
    view: RecordSnapshot,
    request: ReadRequest,
  ): Promise<OpenedRecord | undefined> {
    const cache = this.options.cache!;
    const opened = this.offlineFrom(summary, request, view);
    // A source held apart is listed with its count: that needs the whole copy.
    if (opened.record.heldApart.length) {
      const loaded = await cache.load(nhs);
      return loaded && this.offlineFrom(loaded, request);
    }
    const counts = await cache.sectionCounts(nhs);
    const longLists = PAGED_SECTIONS.filter((s) => (counts[s] ?? 0) > NEWEST_ROWS_FIRST);
    if (!longLists.length) return opened;
    // Read each time it is called: whoever keeps the opened record calls it once (see OpenedRecords).
    const readWhole = (signal?: AbortSignal) =>
      cache.load(nhs, signal ? { signal } : {}).then((loaded) => {
        if (!loaded) throw new Error('The saved copy is no longer on this computer. Open the record again.');
        signal?.throwIfAborted();
        return this.offlineFrom(loaded, request).record;
      });
    return { ...opened, partial: { longLists, readWhole } };
  }

  /** The saved copy already read (`saved`: its view, when already governed), as this user may see it. */
  private offlineFrom(
    loaded: { snapshot: RecordSnapshot; meta: CachedRecordMeta },
    request: ReadRequest,
    saved = this.savedView(loaded.snapshot, loaded.meta, request),
  ): OpenedRecord {
    const record: WessexRecord = { ...this.build(saved, request), offline: { asOf: loaded.meta.fetchedAt } };
    return {
      record,
      from: 'offline',
      banner: offlineBanner(record, this.clock()),
      saved: notSaved,
      purgedForDissent: false,
      documentsKept: nothingToKeep,
    };
  }

  /**
   * The urgent-care part of a saved copy may go to the screen ahead of the rest only when governing it again
   * cannot depend on the rest: the same code list as when it was saved, and nothing known from outside it
   * (a withheld entry elsewhere can take linked urgent-care entries with it).
   */
  private governedAsSaved(saved: RecordSnapshot, governance: GovernOptions): boolean {
    const fingerprint = governance.sensitive.fingerprint;
    return (
      fingerprint !== undefined &&
      saved.governedWith === fingerprint &&
      !governance.dissent &&
      !governance.consents?.length &&
      // A saved Consent may have come into force since, restricting entries outside the part read.
      !holdsConsent(saved)
    );
  }

  /** A saved copy governed again (the code list or a restriction may have changed) and labelled as saved. */
  private savedView(saved: RecordSnapshot, meta: CachedRecordMeta, request: ReadRequest): RecordSnapshot {
    const governed = governSnapshot(saved, request.governance);
    return {
      ...governed,
      sources: governed.sources.map((s) => ({
        ...s,
        status: {
          ...s.status,
          savedCopy: s.status.savedCopy ?? { asOf: s.status.fetchedAt ?? meta.fetchedAt },
        },
      })),
    };
  }

  /**
   * The urgent-care sections of a saved copy, each turn's events leaving before the next is built: first the
   * resuscitation decisions, alerts and allergies (a few entries), then the medicines and problems (hundreds
   * in a long record), then the caller builds the rest of the summary. The split is the delivery's, not only the
   * screen's layout (useRecord): what one turn emits reaches the page together, and sent with the medicines the
   * DNACPR painted about twice as late (bench:ui offline open, 64 against 172 ms on a slow machine).
   */
  private async emitSavedUrgentCare(
    saved: RecordSnapshot,
    asOf: string,
    request: ReadRequest,
    emit: (event: RecordEvent) => void,
  ): Promise<void> {
    const screen = this.screenFor(request, emit);
    let partial: WessexRecord;
    try {
      partial = this.build(saved, request, CRITICAL_SECTIONS);
    } catch (error) {
      // The whole saved copy, read and governed for the answer, shows it instead.
      screen.stepFailed(error);
      return;
    }
    const { requestId } = request;
    screen.send({ type: 'patient', requestId, patient: partial.patient, offline: { asOf } });
    // Counts come with the whole record: these would count the urgent-care sections only.
    for (const source of partial.sources)
      screen.send({ type: 'source', requestId, source: uncounted(source) });
    const rest = screen.urgentCareOf(partial);
    await nextTurn();
    rest();
    await nextTurn();
  }

  /** Progress to `emit`, each update on its own (screen-progress.ts). */
  private screenFor(request: ReadRequest, emit: (event: RecordEvent) => void): ScreenProgress {
    return new ScreenProgress(
      request.requestId,
      emit,
      SECTIONS_FOR_ACCESS[request.governance.access],
      this.options.onProgressSkipped,
    );
  }

  async open(request: ReadRequest): Promise<OpenedRecord> {
    const { cache } = this.options;
    const nhs = normaliseNhsNumber(request.identity.nhsNumber);
    if (request.preferOffline) {
      const offline = await this.openOffline(request);
      if (offline) return offline;
    }
    // The banner paints from the launch context at once, before any source has answered.
    const eprPatient = request.identity.eprPatient;
    const screen = request.emit && this.screenFor(request, request.emit);
    if (screen && eprPatient) {
      const patient = { ...patientSummary(eprPatient as unknown as Json), nhsNumber: nhs };
      if (request.identity.verification) patient.verification = request.identity.verification;
      screen.send({ type: 'patient', requestId: request.requestId, patient });
    }
    const savedCopy = await this.savedCopyFor(nhs, request);
    const mode: RefreshMode = savedCopy.meta && !this.fullRefreshDue(savedCopy.meta) ? 'incremental' : 'full';
    const live = await fetchSnapshot({
      requestId: request.requestId,
      identity: { ...request.identity, nhsNumber: nhs },
      sources: this.options.sources,
      ...(this.options.locator ? { locator: this.options.locator } : {}),
      tokens: this.options.tokens,
      purpose: purposeOfUse(request.governance.breakGlass),
      options: {
        now: this.clock,
        ...this.options.engine,
        ...(mode === 'incremental' ? { since: this.since(savedCopy.meta!.sourcesAsOf) } : {}),
      },
      ...(screen
        ? // Its failure is the open's (awaited below); here it is only started early.
          this.progressTo(request, screen, savedCopy.forProgress, mode, () =>
            savedCopy.readWhole().catch(() => undefined),
          )
        : {}),
      // A saved copy's resuscitation decisions are on screen already; a source's own, without its medicines,
      // would only take the saved medicines off the screen (a full refresh replaces the source) until they come.
      firstPaintedProgress: !savedCopy.forProgress.snapshot,
      onResourcesRead: (resources) => learnWithholdCauses(resources, request.governance.sensitive),
      pointerWithheld: (pointer) => pointerWithholdCause(pointer, request.governance.sensitive) !== undefined,
      // What the engine's callbacks meet that progressTo does not catch itself (the causes learnt ahead of the
      // record are learnt again for it).
      onCallbackFailed: ({ step, sourceId, error }: CallbackFailure) => {
        if (step === 'progress' && screen) screen.stepFailed(error);
        else this.options.onProgressSkipped?.({ ...(sourceId ? { sourceId } : {}), error });
      },
    });
    const loaded = await savedCopy.readWhole();
    // Removed meanwhile (another window, retention): changes alone are not a record, so fetch it whole.
    if (mode === 'incremental' && !loaded) return this.open(request);
    const saved = loaded?.snapshot;
    const opened = (record: WessexRecord, extra: Partial<OpenedRecord> = {}): OpenedRecord => ({
      record,
      from: saved && mode === 'incremental' ? 'refreshed' : 'live',
      saved: notSaved,
      purgedForDissent: false,
      documentsKept: nothingToKeep,
      ...extra,
    });

    // Sources deliberately not asked (identity not safe to search): no saved copy stands in for them either.
    if (live.notRequested) return opened(this.build(governSnapshot(live, request.governance), request));
    if (loaded && sourcesUnreachable({ sources: live.sources.map((s) => s.status), dissent: false })) {
      return this.offlineFrom(loaded, request);
    }
    const { snapshot, writes } = this.fold(saved, live, mode, request);

    if (snapshot.dissent) {
      // Never kept: what break-glass may show lives in memory only, and an earlier saved copy goes now.
      const purged = loaded && cache ? await cache.delete(nhs, 'dissent') : false;
      return opened(this.build(snapshot, request), { from: 'live', purgedForDissent: purged });
    }
    if (!cache || !answered(live) || notFoundAnywhere(live)) {
      return opened(this.build(snapshot, request));
    }
    // Written after the record is returned; if the store fails, the clinician still has what the sources sent.
    const written = this.save(cache, snapshot, writes, request, mode, live, loaded?.meta).then(
      (): SaveOutcome => ({ written: true }),
      (error: unknown): SaveOutcome => ({ written: false, failure: error }),
    );
    return opened(this.build(snapshot, request), {
      saved: written,
      documentsKept: written.then((o) =>
        o.written ? this.keepDocuments(nhs, snapshot, request) : undefined,
      ),
    });
  }

  private async save(
    cache: OfflineCache,
    snapshot: RecordSnapshot,
    writes: SourceWrite[],
    request: ReadRequest,
    mode: RefreshMode,
    live: RecordSnapshot,
    meta: CachedRecordMeta | undefined,
  ): Promise<void> {
    await cache.saveSnapshotSoon(snapshot, {
      writes,
      ...(request.pin !== undefined ? { pinned: request.pin } : {}),
      // A full refresh only counts as one when every source answered in full (deletions seen everywhere).
      fullRefresh: mode === 'full' && live.sources.every((s) => s.status.state === 'complete'),
      sourcesAsOf: nextSourcesAsOf(meta?.sourcesAsOf ?? {}, live),
    });
  }

  private fullRefreshDue(meta: CachedRecordMeta): boolean {
    if (!meta.fullRefreshedAt) return true;
    const age = this.clock().getTime() - Date.parse(meta.fullRefreshedAt);
    return age >= (this.options.fullRefreshHours ?? 24) * HOUR;
  }

  /**
   * The fetch folded into the saved copy, then governed as a whole: a Consent in one part can restrict another,
   * and what a source withholds now (labelled since the last open, say) takes its saved copy and other sources'
   * copies of it with it.
   */
  private fold(
    saved: RecordSnapshot | undefined,
    live: RecordSnapshot,
    mode: RefreshMode,
    request: ReadRequest,
  ): { snapshot: RecordSnapshot; writes: SourceWrite[] } {
    const combined = combineSnapshots(saved, live, mode);
    // What the saved copy kept was governed when it was kept; the refresh's resources are what is new (and
    // only worth listing when the saved copy remembers withholding something).
    const remembers = !!saved?.sources.some((s) => s.withheldCopies?.length);
    const fresh = remembers ? new Set(live.sources.flatMap((s) => s.resources)) : undefined;
    const snapshot = governSnapshot(combined.snapshot, {
      ...request.governance,
      ...(fresh ? { fresh } : {}),
    });
    const writes = combined.writes.map((w, i): SourceWrite => {
      const before = combined.snapshot.sources[i]!.resources.length;
      const after = snapshot.sources[i]!.resources;
      // Whatever governance removed goes from the saved copy too, kept sources included.
      return after.length !== before ? { sourceId: w.sourceId, mode: 'replace', resources: after } : w;
    });
    return { snapshot, writes };
  }

  /**
   * The saved copy a live open refreshes. When its urgent-care part can be governed on its own (as for the
   * offline path), only that part is read before the sources are asked, so a re-open paints the DNACPR as fast
   * as a first open; the whole copy (thousands of rows, read synchronously) is read once the urgent-care
   * sections are on screen, while the rest of the record is still arriving.
   */
  private async savedCopyFor(
    nhs: string,
    request: ReadRequest,
  ): Promise<{
    meta?: CachedRecordMeta;
    /** What progress is folded with: the urgent-care part (`part`) or the whole saved copy. */
    forProgress: { snapshot?: RecordSnapshot; part: boolean };
    readWhole: () => Promise<{ snapshot: RecordSnapshot; meta: CachedRecordMeta } | undefined>;
  }> {
    const { cache } = this.options;
    const meta = cache ? await cache.meta(nhs) : undefined;
    if (!cache || !meta) return { forProgress: { part: false }, readWhole: async () => undefined };
    let whole: Promise<{ snapshot: RecordSnapshot; meta: CachedRecordMeta } | undefined> | undefined;
    const readWhole = () => (whole ??= cache.load(nhs));
    if (request.emit) {
      const urgent = await cache.load(nhs, { sections: CRITICAL_SECTIONS });
      if (urgent && this.governedAsSaved(urgent.snapshot, request.governance))
        return { meta, forProgress: { snapshot: urgent.snapshot, part: true }, readWhole };
    }
    const loaded = await readWhole();
    return { meta: loaded?.meta, forProgress: { snapshot: loaded?.snapshot, part: false }, readWhole };
  }

  /**
   * Progress as the screen receives it: the same fold, merge and governance as the final record. Once every
   * source has answered its urgent-care reads (SETTLED_BY_URGENT_CARE_READS sent complete), `urgentSent` is
   * called (the whole saved copy is read then).
   */
  private progressTo(
    request: ReadRequest,
    screen: ScreenProgress,
    saved: { snapshot?: RecordSnapshot; part: boolean },
    mode: RefreshMode,
    urgentSent: () => unknown,
  ): Pick<SnapshotRequest, 'onSource' | 'onProgress'> {
    const { snapshot: savedSnapshot, part: savedIsPart } = saved;
    let banner = '';
    let sent = false;
    return {
      onSource: (source) => {
        screen.send({ type: 'source', requestId: request.requestId, source: uncounted(source) });
      },
      onProgress: ({ snapshot }) => {
        // A Consent from a source may restrict saved entries outside the urgent-care part read so far: the
        // screen waits for the final record, governed with the whole saved copy.
        if (savedIsPart && holdsConsent(snapshot)) return;
        let partial: WessexRecord;
        try {
          const sofar = this.fold(savedSnapshot, snapshot, mode, request).snapshot;
          partial = this.build(sofar, request, CRITICAL_SECTIONS);
        } catch (error) {
          // The screen keeps what it has, each urgent-care section saying it may be incomplete; a later step
          // or the record shows what arrived.
          screen.stepFailed(error);
          return;
        }
        const patient = JSON.stringify(partial.patient);
        // Sent again by the next step if the screen could not take it.
        if (
          patient !== banner &&
          screen.send({ type: 'patient', requestId: request.requestId, patient: partial.patient })
        )
          banner = patient;
        const rest = screen.urgentCareOf(partial);
        // A turn later, so the resuscitation decisions leave without the medicines. A later progress's events
        // follow these, so the screen always ends with the newest.
        setImmediate(rest);
        if (
          !sent &&
          SETTLED_BY_URGENT_CARE_READS.every((section) => partial.completeness[section].state !== 'loading')
        ) {
          sent = true;
          // After the medicines' turn, so every event leaves first.
          setImmediate(urgentSent);
        }
      },
    };
  }

  /** Documents are chosen from the shared copy (patient-level governed), not from this user's view of it. */
  private keepDocuments(nhs: string, snapshot: RecordSnapshot, request: ReadRequest): Promise<void> {
    if (!this.options.keepDocuments) return nothingToKeep;
    const shared = buildRecord(snapshot, {
      identity: request.identity,
      sections: ['advanceCare', 'documents'],
      now: this.clock(),
    });
    return this.options.keepDocuments(nhs, shared).catch(() => undefined);
  }

  private since(asOf: Record<string, string>): Record<string, string> {
    const margin = this.options.sinceMarginMs ?? 5 * 60_000;
    return Object.fromEntries(
      Object.entries(asOf).map(([id, at]) => [id, new Date(Date.parse(at) - margin).toISOString()]),
    );
  }
}
