// The fallback for a source without subscription support: every `caseloadPollSeconds`, what changed since
// the last look (`_lastUpdated`) among the caseload's encounters, documents and Patient resources (deaths).
// Caseload patients the source did not hold are looked for at every poll too: a hospital registers a patient
// new to it when they arrive, and their first admission there must not wait for the watch to restart (the
// watch takes them on: checks their dissent there, learns their Patient ids and name). It hands the resources
// on as a notification would, so the same classification, dedupe, governance, audit and storage apply. A
// failed poll is said (the source shows "not connected") and tried again next time.
import { failedBecause } from '../../../common/failure-words';
import { isObject, str, type JsonObject } from '../../../common/json';
import type { CaseloadPatients } from './caseload-event';
import { chunks, type CaseloadPatient, type SourceSubscriptions } from './source-subscriptions';

const IDS_PER_SEARCH = 80;
/** Looks back a little further than the last change seen: the dedupe drops what was already handed on. */
const OVERLAP_MS = 5_000;

export interface PollerOptions {
  subscriptions: SourceSubscriptions;
  /** The watch's caseload patients at this source (those not held are looked for at each poll). */
  patients: CaseloadPatients;
  /** Looks for these caseload patients; those the source holds now are taken on into `patients` and returned. */
  takeOn: (nhsNumbers: readonly string[]) => Promise<CaseloadPatient[]>;
  intervalMs: number;
  /** Changes before this were there before the watch began. */
  startedAt: Date;
  deliver: (resources: JsonObject[]) => Promise<void>;
  onState: (state: { connected: boolean; problem?: string; checkedAt: Date }) => void;
  clock: () => Date;
}

export class CaseloadPoller {
  private timer: NodeJS.Timeout | undefined;
  private since: number;
  /** The Patient ids each look asks about: those held at the start, and those found since and delivered. */
  private readonly followed: Set<string>;
  private stopped = true;
  private running: Promise<void> | undefined;
  /** Polls completed (the bench reads it). */
  polls = 0;

  constructor(private readonly options: PollerOptions) {
    this.since = options.startedAt.getTime();
    this.followed = new Set(options.patients.byId.keys());
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One look now (tests and the bench; the timer does the same). */
  async pollNow(): Promise<void> {
    const checkedAt = this.options.clock();
    try {
      // Newly held patients: everything about them since the watch began, not only since the last look.
      const newcomers = (await this.newcomers()).flatMap((p) => p.ids);
      const found: JsonObject[] = [];
      const collect = (resource: JsonObject) => void found.push(resource);
      await this.changes([...this.followed], this.since - OVERLAP_MS, collect);
      await this.changes(newcomers, this.options.startedAt.getTime() - OVERLAP_MS, collect);
      found.sort((a, b) => updatedAt(a) - updatedAt(b));
      const seenUpTo = found.reduce((latest, r) => Math.max(latest, updatedAt(r)), this.since);
      await this.options.deliver(found);
      // Only now: a delivery that failed is looked for again at the next poll, not skipped for good (and its
      // newcomers are found again, with everything since the watch began).
      this.since = seenUpTo;
      for (const id of newcomers) this.followed.add(id);
      this.polls++;
      this.options.onState({ connected: true, checkedAt });
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'an unexpected problem';
      this.options.onState({
        connected: false,
        problem: failedBecause('could not be checked', reason),
        checkedAt,
      });
    }
  }

  /** Caseload patients the source holds now but did not (taken on by the watch before their changes are read). */
  private async newcomers(): Promise<CaseloadPatient[]> {
    const { byId, names } = this.options.patients;
    const known = new Set([...this.followed].map((id) => byId.get(id)));
    const missing = [...names.keys()].filter((n) => !known.has(n));
    return missing.length ? this.options.takeOn(missing) : [];
  }

  /** What changed since `since` in these patients' encounters, documents and Patient resources. */
  private async changes(
    ids: readonly string[],
    since: number,
    collect: (resource: JsonObject) => void,
  ): Promise<void> {
    const changed = `_lastUpdated=ge${encodeURIComponent(new Date(since).toISOString())}`;
    const { subscriptions } = this.options;
    for (const chunk of chunks(ids, IDS_PER_SEARCH)) {
      const refs = encodeURIComponent(chunk.map((id) => `Patient/${id}`).join(','));
      await subscriptions.search(`Encounter?patient=${refs}&${changed}`, 'Encounter', collect);
      await subscriptions.search(
        `DocumentReference?patient=${refs}&${changed}`,
        'DocumentReference',
        collect,
      );
      await subscriptions.search(
        `Patient?_id=${encodeURIComponent(chunk.join(','))}&${changed}`,
        'Patient',
        collect,
      );
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pollNow().finally(() => {
        this.running = undefined;
        this.schedule(this.options.intervalMs);
      });
    }, delayMs);
    this.timer.unref?.();
  }
}

function updatedAt(resource: JsonObject): number {
  const at = isObject(resource.meta) ? Date.parse(str(resource.meta.lastUpdated) ?? '') : NaN;
  return Number.isNaN(at) ? 0 : at;
}
