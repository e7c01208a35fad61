// Where caseload alerts are kept when this computer has no offline store (no keystore): in memory only, for
// this run, bounded; nothing reaches the disk.
import type { CaseloadEvent } from '../../../common/caseload-events';
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

  async page(query: { since?: string; limit: number; offset: number }) {
    const all = [...this.events.values()]
      .filter((e) => !query.since || e.at >= query.since)
      .sort((a, b) => b.at.localeCompare(a.at) || b.receivedAt.localeCompare(a.receivedAt));
    return { rows: all.slice(query.offset, query.offset + query.limit), total: all.length };
  }
}
