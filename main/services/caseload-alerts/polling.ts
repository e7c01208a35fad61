// The fallback for a source without subscription support: every `caseloadPollSeconds`, what changed since
// the last look (`_lastUpdated`) among the caseload's encounters, documents and Patient resources (deaths).
// Caseload patients the source did not hold are looked for at every poll too: a hospital registers a patient
// new to it when they arrive, and their first admission there must not wait for the watch to restart. It hands
// the resources on as a notification would (with the patient's NHS number), so the same classification,
// dedupe, governance, audit and storage apply. A failed poll is said (the source shows "not connected") and
// tried again next time.
import { isObject, str, type JsonObject } from '../../../common/json';
import { patientOf } from './classify';
import { chunks, type CaseloadPatient, type SourceSubscriptions } from './source-subscriptions';

const IDS_PER_SEARCH = 80;
/** Looks back a little further than the last change seen: the dedupe drops what was already handed on. */
const OVERLAP_MS = 5_000;

/** A resource that changed, and the NHS number of the caseload patient it is about (by their Patient id). */
export interface PolledResource {
  resource: JsonObject;
  patientNhsNumber?: string;
}

export interface PollerOptions {
  subscriptions: SourceSubscriptions;
  /** The caseload's patients this source held when the watch began, with their Patient ids. */
  patients: readonly CaseloadPatient[];
  /** Every NHS number on the caseload: those the source did not hold are looked for at each poll. */
  caseloadNhsNumbers: readonly string[];
  intervalMs: number;
  /** Changes before this were there before the watch began. */
  startedAt: Date;
  /** Caseload patients the source has started to hold, before anything about them is handed on. */
  onNewcomers?: (patients: readonly CaseloadPatient[]) => Promise<void>;
  deliver: (resources: PolledResource[]) => Promise<void>;
  onState: (state: { connected: boolean; problem?: string; checkedAt: Date }) => void;
  clock: () => Date;
}

export class CaseloadPoller {
  private timer: NodeJS.Timeout | undefined;
  private since: number;
  /** This source's Patient ids on the caseload → NHS number: those held at the start and those found since. */
  private readonly held: Map<string, string>;
  private stopped = true;
  private running: Promise<void> | undefined;
  /** Polls completed (the bench reads it). */
  polls = 0;

  constructor(private readonly options: PollerOptions) {
    this.since = options.startedAt.getTime();
    this.held = patientIds(options.patients);
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
      const newcomers = await this.newcomers();
      const nhsOf = new Map([...this.held, ...newcomers]);
      const found: PolledResource[] = [];
      const collect = (resource: JsonObject) => {
        const nhs = nhsOf.get(patientOf(resource).patientId ?? '');
        found.push({ resource, ...(nhs ? { patientNhsNumber: nhs } : {}) });
      };
      await this.changes([...this.held.keys()], this.since - OVERLAP_MS, collect);
      await this.changes([...newcomers.keys()], this.options.startedAt.getTime() - OVERLAP_MS, collect);
      found.sort((a, b) => updatedAt(a.resource) - updatedAt(b.resource));
      const seenUpTo = found.reduce((latest, r) => Math.max(latest, updatedAt(r.resource)), this.since);
      await this.options.deliver(found);
      // Only now: a delivery that failed is looked for again at the next poll, not skipped for good (and its
      // newcomers are found again, with everything since the watch began).
      this.since = seenUpTo;
      for (const [id, nhs] of newcomers) this.held.set(id, nhs);
      this.polls++;
      this.options.onState({ connected: true, checkedAt });
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'an unexpected problem';
      this.options.onState({ connected: false, problem: `could not be checked: ${reason}`, checkedAt });
    }
  }

  /** Caseload patients the source holds now but did not: Patient id → NHS number. */
  private async newcomers(): Promise<Map<string, string>> {
    const known = new Set(this.held.values());
    const missing = this.options.caseloadNhsNumbers.filter((n) => !known.has(n));
    if (!missing.length) return new Map();
    const found = await this.options.subscriptions.patients(missing);
    if (found.length) await this.options.onNewcomers?.(found);
    return patientIds(found);
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

function patientIds(patients: readonly CaseloadPatient[]): Map<string, string> {
  return new Map(patients.flatMap((p) => p.ids.map((id) => [id, p.nhsNumber] as const)));
}
