// Tests only: the caseload watch service as the issue 18 contract defines it, held in memory, so the bridge,
// the "My caseload" screen and the notifications can be tested before (and apart from) the real watch on the
// regional sources. A test delivers events and changes a source's connection as the real service would report.
import {
  newestFirst,
  type CaseloadEvent,
  type CaseloadEventQuery,
  type CaseloadSelection,
  type CaseloadSourceStatus,
  type CaseloadWatchStatus,
} from '../../common/caseload-events';
import type { CaseloadWatchService } from '../../main/services/caseload-alerts';

export class InMemoryCaseloadWatch implements CaseloadWatchService {
  private watching = false;
  private watchingSince: string | undefined;
  private unreadable = 0;
  private patients = new Set<string>();
  private readonly held: CaseloadEvent[] = [];
  private readonly eventListeners = new Set<(event: CaseloadEvent) => void>();
  private readonly statusListeners = new Set<(status: CaseloadWatchStatus) => void>();
  private sources: CaseloadSourceStatus[];
  private next = 1;
  /** What each start was asked to watch. */
  readonly selections: CaseloadSelection[] = [];

  constructor(sources: Pick<CaseloadSourceStatus, 'sourceId' | 'sourceName'>[]) {
    this.sources = sources.map((s) => ({
      ...s,
      mode: 'websocket',
      connected: false,
      problem: 'not started',
    }));
  }

  async start(selection: CaseloadSelection): Promise<CaseloadWatchStatus> {
    this.selections.push(selection);
    this.watching = true;
    this.watchingSince = new Date().toISOString();
    this.patients = new Set(selection.nhsNumbers ?? []);
    this.sources = this.sources.map(({ problem: _problem, ...s }) => ({
      ...s,
      mode: 'websocket',
      connected: true,
    }));
    return this.status();
  }

  async stop(): Promise<void> {
    this.watching = false;
    this.changed();
  }

  status(): CaseloadWatchStatus {
    return {
      watching: this.watching,
      ...(this.watchingSince ? { watchingSince: this.watchingSince } : {}),
      patients: this.patients.size,
      sources: this.sources.map((s) => ({ ...s })),
      ignoredNotOnCaseload: 0,
      ...(this.unreadable ? { unreadable: this.unreadable } : {}),
    };
  }

  /** In the order the encrypted store lists them: newest first by when, then when received, then id. */
  async events(query: CaseloadEventQuery): Promise<{ rows: CaseloadEvent[]; total: number }> {
    const listed = [...this.held].sort(newestFirst);
    const after = query.olderThan;
    const from = after ? listed.filter((e) => newestFirst(after, e) < 0) : listed;
    return { rows: from.slice(query.offset, query.offset + query.limit), total: listed.length };
  }

  async reportsOn(nhsNumber: string): Promise<boolean> {
    return this.held.some((e) => e.nhsNumber === nhsNumber);
  }

  onEvent(listener: (event: CaseloadEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onStatus(listener: (status: CaseloadWatchStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Delivers one event as the real watch would after storing and auditing it. */
  deliver(event: Omit<CaseloadEvent, 'id' | 'receivedAt' | 'sourceName'>): CaseloadEvent {
    const source = this.sources.find((s) => s.sourceId === event.sourceId);
    const now = new Date().toISOString();
    const delivered: CaseloadEvent = {
      ...event,
      id: `${event.sourceId}|Encounter/e${this.next}|${this.next}`,
      sourceName: source?.sourceName ?? event.sourceId,
      receivedAt: now,
    };
    this.next += 1;
    this.held.push(delivered);
    for (const listener of this.eventListeners) listener(delivered);
    return delivered;
  }

  /** A source's connection changes (it dropped, fell back to polling, came back). */
  /** Updates the watch could not read (counted as the real watch counts them). */
  setUnreadable(count: number): void {
    this.unreadable = count;
    this.changed();
  }

  /** The source's missed updates were fetched after all. */
  gapFilled(sourceId: string): void {
    this.sources = this.sources.map(({ incomplete: _incomplete, ...s }) =>
      s.sourceId === sourceId ? s : { ...s, ...(_incomplete ? { incomplete: _incomplete } : {}) },
    );
    this.changed();
  }

  setSource(sourceId: string, change: Partial<Omit<CaseloadSourceStatus, 'sourceId'>>): void {
    this.sources = this.sources.map((s) => {
      if (s.sourceId !== sourceId) return s;
      const updated = { ...s, ...change };
      if (updated.connected && !('problem' in change)) delete updated.problem;
      return updated;
    });
    this.changed();
  }

  private changed(): void {
    const status = this.status();
    for (const listener of this.statusListeners) listener(status);
  }
}
