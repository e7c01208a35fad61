// The caseload watch: the user's caseload (NHS numbers given, today's appointments or a caseload List) watched
// on every regional source, by subscription where the source offers it and by polling where it does not.
// Every event is recognised (on the caseload or ignored and counted), deduplicated, governed for the patient,
// audited (written ahead, a PatientQuery per patient per notification), kept encrypted, then governed for the
// signed-in user and handed to listeners (the bridge, the CLI).
import { failedBecause } from '../../../common/failure-words';
import type { JsonObject } from '../../../common/json';
import type {
  CaseloadEvent,
  CaseloadEventQuery,
  CaseloadSelection,
  CaseloadWatchStatus,
  KeptEventQuery,
} from '../../../common/caseload-events';
import { normaliseNhsNumber, isValidNhsNumber } from '../../../common/nhs-number';
import type { AuditAction, AuditIntent } from '../audit';
import type { TokenProvider } from '../auth/token-provider';
import type { DissentFinding } from '../governance/dissent';
import type { UserGovernance } from '../governance/govern-record';
import type { SensitiveCodes } from '../governance/sensitive-codes';
import { SourceClient, tokenFromProvider, type Transport } from '../http';
import type { EngineSource } from '../record';
import {
  buildEvent,
  HeldPatients,
  withheldEvent,
  type BuiltEvent,
  type CaseloadPatients,
} from './caseload-event';
import { patientOf } from './classify';
import { DeliveredFocus } from './event-sequence';
import {
  DISSENT_WITHHELD,
  governAsRecord,
  governForPatient,
  governForUser,
  linkedEntries,
  type LinkedEntries,
  type LinkedRead,
} from './govern-event';
import { MAX_FILTER_IDENTIFIERS, SourceSubscriptions, type CaseloadPatient } from './source-subscriptions';
import { SourceWatch, type DeliveredBatch } from './source-watch';

export interface CaseloadWatchService {
  /** Replaces any running watch. */
  start(selection: CaseloadSelection): Promise<CaseloadWatchStatus>;
  stop(): Promise<void>;
  status(): CaseloadWatchStatus;
  /**
   * The kept events about the caseload last watched (none before a watch), newest first, governed for the
   * signed-in user. Other caseloads' events share the store and are not listed.
   */
  events(query: CaseloadEventQuery): Promise<{
    rows: CaseloadEvent[];
    total: number;
  }>;
  /** Whether the patient is on the caseload last watched and an event about them is kept (one `events` lists). */
  reportsOn(nhsNumber: string): Promise<boolean>;
  /** Each new governed event as it arrives (after storage and audit). */
  onEvent(listener: (event: CaseloadEvent) => void): () => void;
  onStatus(listener: (status: CaseloadWatchStatus) => void): () => void;
}

/** Where events are kept (the encrypted offline store's `caseloadEvents`). */
export interface CaseloadEventKeeper {
  add(events: readonly CaseloadEvent[]): Promise<CaseloadEvent[]>;
  page(query: KeptEventQuery): Promise<{
    rows: CaseloadEvent[];
    total: number;
  }>;
  /** Whether an event about this patient is kept, while its retention lasts. */
  reportsOn(nhsNumber: string): Promise<boolean>;
}

export interface CaseloadWatchDeps {
  sources: readonly EngineSource[];
  tokens: TokenProvider;
  audit: { begin(action: AuditAction): AuditIntent };
  store: CaseloadEventKeeper;
  /** The sensitive code list the record is governed with (policy.sensitiveCodeListPath): alerts are too. */
  sensitive: SensitiveCodes;
  /** The signed-in user's governance for this patient (throws when nobody is signed in). */
  governance: (nhsNumber: string) => UserGovernance;
  /** NHS numbers of the caseload a selection names (appointments, a List), with problems in plain words. */
  resolveCaseload: (selection: CaseloadSelection) => Promise<{ nhsNumbers: string[]; problems: string[] }>;
  /** policy.caseloadPollSeconds */
  pollSeconds: number;
  /** What the client asks the server for (the contract: 20 s). */
  heartbeatSeconds?: number;
  clock?: () => Date;
  /** Tests: the first reconnection delay. */
  backoffBaseMs?: number;
  /** Tests: how soon a source that could not be asked about the caseload is asked again (every time). */
  startRetryMs?: number;
  transport?: Transport;
}

export class CaseloadWatchProblem extends Error {}

interface RunningSource {
  watch: SourceWatch;
  client: SourceClient;
  subscriptions: SourceSubscriptions;
  patients: HeldPatients;
  /**
   * What each patient checked here declined to share (everything, or entries with some codes). A patient not in
   * it (the check failed, or the source has started to hold them since and the check of them failed) is unknown,
   * and their details are withheld.
   */
  dissent: Map<string, DissentFinding>;
  /** Looks for these caseload patients; those the source holds now are checked for dissent, held and returned. */
  takeOn: (nhsNumbers: readonly string[]) => Promise<CaseloadPatient[]>;
  /**
   * Patient ids a notification named without an NHS number that a search for every caseload patient not held
   * showed to be no caseload patient, and when: not searched for again for a while (a server whose filter lets
   * everyone through would otherwise have the whole caseload looked up for each of its notifications). Only for
   * a while, in case the source had not yet indexed a caseload patient it had just registered.
   */
  notOnCaseload: Map<string, number>;
}

/** Patient ids known to be no caseload patient's, per source, before the memory starts again. */
const MOST_IDS_REMEMBERED = 10_000;
/**
 * How long such an id is not looked for again: short, as an event about a caseload patient the source has not
 * indexed yet is lost meanwhile (it is counted as about someone else).
 */
const NOT_ON_CASELOAD_MS = 60_000;

/** A source that could not be asked about the caseload is asked again: first after this, then twice as long… */
const START_RETRY_FIRST_MS = 5_000;
/** …up to this. */
const START_RETRY_MOST_MS = 120_000;

export class CaseloadWatch implements CaseloadWatchService {
  private running: RunningSource[] = [];
  private unavailable: { sourceId: string; sourceName: string; problem: string }[] = [];
  private caseload: string[] = [];
  private ignored = 0;
  private watchingSince: string | undefined;
  private unreadable = 0;
  private readonly delivered = new DeliveredFocus();
  private readonly eventListeners = new Set<(event: CaseloadEvent) => void>();
  private readonly statusListeners = new Set<(status: CaseloadWatchStatus) => void>();
  private readonly clock: () => Date;
  /** Deliveries run one at a time, so events are kept and shown in the order they arrived. */
  private deliveries: Promise<void> = Promise.resolve();
  private generation = 0;
  /** Sources to ask about the caseload again (they could not be asked when the watch started). */
  private readonly startRetries = new Set<NodeJS.Timeout>();

  constructor(private readonly deps: CaseloadWatchDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  async start(selection: CaseloadSelection): Promise<CaseloadWatchStatus> {
    await this.stop();
    // A start that fails lists and covers no one, not the caseload watched before.
    this.caseload = [];
    const generation = ++this.generation;
    const given = (selection.nhsNumbers ?? []).map(normaliseNhsNumber);
    const bad = given.filter((n) => !isValidNhsNumber(n));
    if (bad.length)
      throw new CaseloadWatchProblem(`${bad.length} NHS number(s) in the caseload are not valid.`);
    const looked = selection.fromSource ? await this.deps.resolveCaseload(selection) : undefined;
    const nhsNumbers = [...new Set([...given, ...(looked?.nhsNumbers ?? [])])];
    if (nhsNumbers.length === 0) {
      throw new CaseloadWatchProblem(
        looked?.problems.join(' ') || 'The caseload holds no patients, so there is nothing to watch.',
      );
    }
    if (nhsNumbers.length > MAX_FILTER_IDENTIFIERS) {
      throw new CaseloadWatchProblem(
        `A caseload watch covers at most ${MAX_FILTER_IDENTIFIERS} patients; this one has ${nhsNumbers.length}.`,
      );
    }
    this.caseload = nhsNumbers;
    this.ignored = 0;
    this.unreadable = 0;
    this.watchingSince = this.clock().toISOString();
    await Promise.all(this.deps.sources.map((source) => this.startSource(source, nhsNumbers, generation)));
    this.changed();
    return this.status();
  }

  async stop(): Promise<void> {
    this.generation++;
    for (const timer of this.startRetries) clearTimeout(timer);
    this.startRetries.clear();
    const running = this.running.splice(0);
    this.unavailable = [];
    await Promise.all(running.map((r) => r.watch.stop()));
    await Promise.all(running.map((r) => r.client.close()));
    await this.deliveries;
    if (running.length) this.changed();
  }

  status(): CaseloadWatchStatus {
    return {
      watching: this.running.length > 0 || this.unavailable.length > 0,
      ...(this.watchingSince ? { watchingSince: this.watchingSince } : {}),
      patients: this.caseload.length,
      // In the configured order, whichever source's start finished first: the screen's list never reorders.
      sources: [
        ...this.running.map((r) => r.watch.status()),
        ...this.unavailable.map((u) => ({
          sourceId: u.sourceId,
          sourceName: u.sourceName,
          mode: 'unavailable' as const,
          connected: false,
          problem: u.problem,
        })),
      ].sort((a, b) => this.configuredPlace(a.sourceId) - this.configuredPlace(b.sourceId)),
      ignoredNotOnCaseload: this.ignored,
      unreadable: this.unreadable,
    };
  }

  private configuredPlace(sourceId: string): number {
    return this.deps.sources.findIndex((s) => s.id === sourceId);
  }

  /** Messages and focus resources that could not be read (never shown; counted for support). */
  get unreadableCount(): number {
    return this.unreadable;
  }

  /** The running sources' watches (tests and the bench). */
  get sourceWatches(): readonly SourceWatch[] {
    return this.running.map((r) => r.watch);
  }

  async events(query: CaseloadEventQuery): Promise<{
    rows: CaseloadEvent[];
    total: number;
  }> {
    const page = await this.deps.store.page({ ...query, patients: this.caseload });
    return { rows: page.rows.map((e) => this.forUser(e)), total: page.total };
  }

  async reportsOn(nhsNumber: string): Promise<boolean> {
    if (!this.caseload.includes(nhsNumber)) return false;
    return this.deps.store.reportsOn(nhsNumber);
  }

  onEvent(listener: (event: CaseloadEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onStatus(listener: (status: CaseloadWatchStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private forUser(event: CaseloadEvent): CaseloadEvent {
    return governForUser(event, this.deps.governance(event.nhsNumber));
  }

  private changed(): void {
    const status = this.status();
    for (const listener of this.statusListeners) listener(status);
  }

  private async startSource(
    source: EngineSource,
    nhsNumbers: string[],
    generation: number,
    failures = 0,
  ): Promise<void> {
    const client = new SourceClient({
      name: source.name,
      baseUrl: source.fhirBase,
      token: tokenFromProvider(this.deps.tokens, source.id, { mode: 'per-request' }),
      ...(this.deps.transport ? { transport: this.deps.transport } : {}),
    });
    const subscriptions = new SourceSubscriptions(client, source.id);
    let found;
    try {
      found = await subscriptions.patients(nhsNumbers);
    } catch (error) {
      await client.close();
      const reason = error instanceof Error ? error.message : 'an unexpected problem';
      if (generation !== this.generation) return;
      this.unavailable = this.unavailable.filter((u) => u.sourceId !== source.id);
      this.unavailable.push({
        sourceId: source.id,
        sourceName: source.name,
        problem: `${source.name} ${failedBecause('could not be asked about the caseload', reason)}; not watched until it answers (trying again)`,
      });
      this.retryStart(source, nhsNumbers, generation, failures + 1);
      return;
    }
    if (generation === this.generation)
      this.unavailable = this.unavailable.filter((u) => u.sourceId !== source.id);
    const dissent = new Map<string, DissentFinding>();
    const checkDissent = async (patients: readonly CaseloadPatient[]) => {
      const declined = await subscriptions.dissenting(patients, this.clock()).catch(() => undefined);
      if (declined) for (const [nhsNumber, finding] of declined) dissent.set(nhsNumber, finding);
    };
    await checkDissent(found);
    const patients = new HeldPatients(nhsNumbers, found);
    // A patient the source has started to hold: whether they declined sharing there is checked (and their
    // Patient ids and name learnt) before anything about them is told.
    const takeOn = async (wanted: readonly string[]) => {
      const newcomers = await subscriptions.patients(wanted);
      if (newcomers.length) await checkDissent(newcomers);
      patients.hold(newcomers);
      return newcomers;
    };
    const watch = new SourceWatch({
      sourceId: source.id,
      sourceName: source.name,
      subscriptions,
      patients,
      heartbeatSeconds: this.deps.heartbeatSeconds ?? 20,
      pollIntervalMs: this.deps.pollSeconds * 1000,
      clock: this.clock,
      ...(this.deps.backoffBaseMs !== undefined ? { backoffBaseMs: this.deps.backoffBaseMs } : {}),
      takeOn,
      deliver: (batch) => this.deliver(batch, generation),
      onStatus: () => {
        if (generation === this.generation) this.changed();
      },
      onUnreadable: () => {
        this.unreadable++;
        if (generation === this.generation) this.changed();
      },
    });
    if (generation !== this.generation) {
      await client.close();
      return;
    }
    this.running.push({ watch, client, subscriptions, patients, dissent, takeOn, notOnCaseload: new Map() });
    await watch.start();
  }

  /** One notification's (or poll's) resources: recognised, deduplicated, governed, audited, kept, shown. */
  private deliver(batch: DeliveredBatch, generation: number): Promise<void> {
    // Newcomers are taken on in turn too, so a batch that waits for a dissent check is never overtaken.
    const next = this.deliveries.then(async () => {
      await this.newcomersIn(batch);
      await this.deliverNow(batch, generation);
    });
    this.deliveries = next.catch(() => undefined);
    return next;
  }

  /**
   * Caseload patients a notification names by a Patient id the source did not hold when the watch began: taken
   * on (dissent checked, name learnt) as polling takes on those it finds, before the event is built. The NHS
   * number the notification gives is looked for, or else every caseload patient not held yet. If that fails,
   * the event goes on: told without details when it names an NHS number ("could not be checked"), otherwise
   * counted as not on the caseload.
   */
  /** A source that was down when the watch started is asked again, later and later, until it answers. */
  private retryStart(source: EngineSource, nhsNumbers: string[], generation: number, failures: number): void {
    const delay = Math.min(START_RETRY_MOST_MS, START_RETRY_FIRST_MS * 2 ** Math.min(failures - 1, 16));
    const timer = setTimeout(() => {
      this.startRetries.delete(timer);
      if (generation !== this.generation) return;
      void this.startSource(source, nhsNumbers, generation, failures).then(
        () => {
          if (generation === this.generation) this.changed();
        },
        () => undefined,
      );
    }, this.deps.startRetryMs ?? delay);
    timer.unref();
    this.startRetries.add(timer);
  }

  private async newcomersIn(batch: DeliveredBatch): Promise<void> {
    const running = this.running.find((r) => r.watch.status().sourceId === batch.sourceId);
    if (!running) return;
    const { byId, names } = running.patients;
    const held = new Set(byId.values());
    const wanted = new Set<string>();
    const unnamed = new Set<string>();
    const now = this.clock().getTime();
    const recentlyLookedFor = (id: string) =>
      now - (running.notOnCaseload.get(id) ?? -Infinity) < NOT_ON_CASELOAD_MS;
    for (const item of batch.items) {
      if (!('resource' in item)) continue;
      const pointer = patientOf(item.resource);
      const id = pointer.patientId;
      if (!id || byId.has(id)) continue;
      const named = pointer.nhsNumber ?? item.patientNhsNumber;
      if (!named) {
        if (recentlyLookedFor(id)) continue;
        unnamed.add(id);
      }
      for (const n of named ? [named] : [...names.keys()].filter((k) => !held.has(k))) {
        if (names.has(n)) wanted.add(n);
      }
    }
    if (wanted.size) {
      try {
        await running.takeOn([...wanted]);
      } catch {
        // Only a search that answered shows that an id is no caseload patient's.
        return;
      }
    }
    for (const id of unnamed) {
      if (byId.has(id)) continue;
      if (running.notOnCaseload.size >= MOST_IDS_REMEMBERED) running.notOnCaseload.clear();
      running.notOnCaseload.set(id, now);
    }
  }

  private async deliverNow(batch: DeliveredBatch, generation: number): Promise<void> {
    const running = this.running.find((r) => r.watch.status().sourceId === batch.sourceId);
    if (!running || generation !== this.generation) return;
    const { ignored, unreadable } = this;
    const receivedAt = this.clock();
    const source = { sourceId: batch.sourceId, sourceName: running.watch.status().sourceName };
    const alerts: { event: CaseloadEvent; resource?: JsonObject }[] = [];
    const freshKeys: string[] = [];
    for (const item of batch.items) {
      const built = this.built(item, batch.topic, source, running.patients, receivedAt);
      if (!built || 'unreadable' in built) {
        this.unreadable++;
        continue;
      }
      if ('notOnCaseload' in built) {
        this.ignored++;
        continue;
      }
      if ('notAnAlert' in built || !this.delivered.firstTime(built.dedupeKeys)) continue;
      freshKeys.push(...built.dedupeKeys);
      alerts.push({ event: built.event, ...('resource' in item ? { resource: item.resource } : {}) });
    }
    let fresh: CaseloadEvent[];
    try {
      const linked = await linkedEntriesOf(running, alerts);
      fresh = alerts.map(({ event, resource }) => {
        const dissent = running.dissent.get(event.nhsNumber);
        // What the record would withhold is told without its details, before it is kept or shown.
        const asRecord = resource
          ? governAsRecord(event, resource, this.deps.sensitive, dissent, linked(resource))
          : event;
        return governForPatient(asRecord, dissent?.full, this.deps.governance(event.nhsNumber));
      });
    } catch (error) {
      // Not shown, so not yet delivered: the same events sent again are told.
      this.delivered.forget(freshKeys);
      throw error;
    }
    if (fresh.length) await this.keepAndShow(fresh, freshKeys, batch.topic, source.sourceName);
    // All a delivery moves in the status is these counts (each source reports its own state; events go out
    // on their own), so the status is told only when one of them moved.
    if (this.ignored !== ignored || this.unreadable !== unreadable) this.changed();
  }

  /** Audited ahead, kept, then handed to listeners governed for the signed-in user. */
  private async keepAndShow(
    fresh: CaseloadEvent[],
    freshKeys: string[],
    topic: string | undefined,
    server: string,
  ): Promise<void> {
    // Written ahead: the audit event is durable before the events are kept or shown.
    const intents = [...new Set(fresh.map((e) => e.nhsNumber))].map((nhsNumber) =>
      this.deps.audit.begin({
        kind: 'patient-query',
        query: `caseload alert (${topic ? 'subscription' : 'polling'})`,
        server,
        nhsNumber,
      }),
    );
    let kept: CaseloadEvent[];
    try {
      kept = await this.deps.store.add(fresh);
    } catch (error) {
      for (const intent of intents) intent.endedOtherwise('8', 'The caseload alert could not be kept');
      this.delivered.forget(freshKeys);
      throw error;
    }
    for (const intent of intents) intent.done();
    for (const event of kept) {
      const shown = this.forUser(event);
      for (const listener of this.eventListeners) listener(shown);
    }
  }

  /** One item as an event; undefined when it cannot be read at all (counted, never fatal to the batch). */
  private built(
    item: DeliveredBatch['items'][number],
    topic: string | undefined,
    source: { sourceId: string; sourceName: string },
    patients: CaseloadPatients,
    receivedAt: Date,
  ): BuiltEvent | undefined {
    try {
      return 'withheld' in item
        ? withheldEvent(item.withheld, source, patients, receivedAt, item.timestamp, DISSENT_WITHHELD)
        : buildEvent(
            item.resource,
            topic,
            source,
            patients,
            receivedAt,
            item.timestamp,
            item.patientNhsNumber,
          );
    } catch {
      return undefined;
    }
  }
}

/** How many links deep what an alert links to is followed (a procedure's reason, a diagnosis's evidence). */
const MOST_LINK_DEPTH = 3;

/**
 * What each alert's resource links to (its reasons and diagnoses, and what those link to in turn), read from its
 * source by id, one search per type at each depth: per resource, every entry reached, and whether one
 * could not be read (its search failed, the source did not send it, it is another patient's or on another
 * server, or it is further than the depth followed).
 */
async function linkedEntriesOf(
  running: RunningSource,
  alerts: readonly { resource?: JsonObject }[],
): Promise<(resource: JsonObject) => LinkedRead> {
  const baseUrl = running.client.baseUrl;
  // "Type/id" → the entry as read, or null when it could not be.
  const read = new Map<string, JsonObject | null>();
  const roots = new Map<JsonObject, { link: LinkedEntries; patientId?: string }>();
  // "Type/id" → the patients whose alerts reach it (each search names them).
  let wanted = new Map<string, Set<string>>();
  const want = (refs: readonly string[], patientId: string, into: Map<string, Set<string>>) => {
    for (const ref of refs) if (!read.has(ref)) into.set(ref, (into.get(ref) ?? new Set()).add(patientId));
  };
  for (const { resource } of alerts) {
    if (!resource) continue;
    const link = linkedEntries(resource, baseUrl);
    const patientId = patientOf(resource).patientId;
    roots.set(resource, { link, ...(patientId ? { patientId } : {}) });
    if (patientId) want(link.refs, patientId, wanted);
  }
  for (let depth = 0; depth < MOST_LINK_DEPTH && wanted.size; depth++) {
    const byType = new Map<string, { id: string; patientId: string }[]>();
    for (const [ref, patients] of wanted) {
      const [type, id] = ref.split('/') as [string, string];
      let list = byType.get(type);
      if (!list) byType.set(type, (list = []));
      for (const patientId of patients) list.push({ id, patientId });
    }
    await Promise.all(
      [...byType].map(async ([type, list]) => {
        const got = await running.subscriptions.byIds(type, list).catch(() => undefined);
        for (const { id } of list) read.set(`${type}/${id}`, got?.get(id) ?? null);
      }),
    );
    // Followed on only from an entry of a patient whose alert reached it (another's leaves the alert unchecked).
    const next = new Map<string, Set<string>>();
    for (const [ref, patients] of wanted) {
      const entry = read.get(ref);
      const owner = entry ? patientOf(entry).patientId : undefined;
      if (entry && owner && patients.has(owner)) want(linkedEntries(entry, baseUrl).refs, owner, next);
    }
    wanted = next;
  }
  return (resource) => {
    const { link, patientId } = roots.get(resource)!;
    const entries: JsonObject[] = [];
    let unchecked = link.elsewhere || (link.refs.length > 0 && !patientId);
    const seen = new Set<string>();
    const pending = patientId ? [...link.refs] : [];
    for (let ref = pending.pop(); ref !== undefined; ref = pending.pop()) {
      if (seen.has(ref)) continue;
      seen.add(ref);
      const entry = read.get(ref);
      if (!entry || patientOf(entry).patientId !== patientId) {
        unchecked = true;
        continue;
      }
      const onward = linkedEntries(entry, baseUrl);
      if (onward.elsewhere) unchecked = true;
      entries.push(entry);
      pending.push(...onward.refs);
    }
    return { entries, unchecked };
  };
}
