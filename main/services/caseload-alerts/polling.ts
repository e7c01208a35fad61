// The fallback for a source without subscription support: every `caseloadPollSeconds`, what changed since
// the last look (`_lastUpdated`) among the caseload's encounters, documents and Patient resources (deaths).
// It hands the resources on as a notification would, so the same classification, dedupe, governance, audit
// and storage apply. A failed poll is said (the source shows "not connected") and tried again next time.
import { isObject, str, type JsonObject } from '../../../common/json';
import { chunks, type SourceSubscriptions } from './source-subscriptions';

const IDS_PER_SEARCH = 80;
/** Looks back a little further than the last change seen: the dedupe drops what was already handed on. */
const OVERLAP_MS = 5_000;

export interface PollerOptions {
  subscriptions: SourceSubscriptions;
  /** This source's Patient ids for the caseload. */
  patientIds: () => readonly string[];
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
  private stopped = true;
  private running: Promise<void> | undefined;
  /** Polls completed (the bench reads it). */
  polls = 0;

  constructor(private readonly options: PollerOptions) {
    this.since = options.startedAt.getTime();
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
      const found: JsonObject[] = [];
      const from = new Date(this.since - OVERLAP_MS).toISOString();
      for (const ids of chunks(this.options.patientIds(), IDS_PER_SEARCH)) {
        const refs = encodeURIComponent(ids.map((id) => `Patient/${id}`).join(','));
        const changed = `_lastUpdated=ge${encodeURIComponent(from)}`;
        const collect = (r: JsonObject) => found.push(r);
        const { subscriptions } = this.options;
        await subscriptions.search(`Encounter?patient=${refs}&${changed}`, 'Encounter', collect);
        await subscriptions.search(
          `DocumentReference?patient=${refs}&${changed}`,
          'DocumentReference',
          collect,
        );
        await subscriptions.search(
          `Patient?_id=${encodeURIComponent(ids.join(','))}&${changed}`,
          'Patient',
          collect,
        );
      }
      found.sort((a, b) => updatedAt(a) - updatedAt(b));
      const seenUpTo = found.reduce((latest, r) => Math.max(latest, updatedAt(r)), this.since);
      await this.options.deliver(found);
      // Only now: a delivery that failed is looked for again at the next poll, not skipped for good.
      this.since = seenUpTo;
      this.polls++;
      this.options.onState({ connected: true, checkedAt });
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'an unexpected problem';
      this.options.onState({ connected: false, problem: `could not be checked: ${reason}`, checkedAt });
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
