// Where caseload alerts are kept when this computer has no offline store (no keystore): in memory only, for
// this run, bounded; nothing reaches the disk.
import { newestFirst, type CaseloadEvent, type KeptEventQuery } from '../../../common/caseload-events';
import type { CaseloadEventKeeper } from './watch-service';

export class MemoryEventKeeper implements CaseloadEventKeeper {
  private readonly events = new Map<string, CaseloadEvent>();

  constructor(private readonly limit = 10_000) {}

  async add(events: readonly CaseloadEvent[]): Promise<CaseloadEvent[]> {
    const fresh = events.filter((e) => !this.events.has(e.id));
    for (const e of fresh) {
      this.events.set(e.id, e);
      if (this.events.size > this.limit) this.events.delete(this.events.keys().next().value as string);
    }
    return fresh;
  }

  async reportsOn(nhsNumber: string): Promise<boolean> {
    for (const e of this.events.values()) if (e.nhsNumber === nhsNumber) return true;
    return false;
  }

  /** As the offline store lists them (caseload-event-store.ts). */
  async page(query: KeptEventQuery) {
    const patients = new Set(query.patients);
    const all = [...this.events.values()]
      .filter((e) => patients.has(e.nhsNumber) && (!query.since || e.at >= query.since))
      .sort(newestFirst);
    const after = query.olderThan;
    const listed = after ? all.filter((e) => newestFirst(after, e) < 0) : all;
    return { rows: listed.slice(query.offset, query.offset + query.limit), total: all.length };
  }
}
