// Progress as the screen receives it: one 'section' event per urgent-care section, from a record built (and
// governed) from the snapshot so far.
import {
  CRITICAL_SECTIONS,
  FIRST_PAINTED_SECTIONS,
  type RecordEvent,
  type RecordItem,
  type SectionEvent,
  type SectionId,
  type WessexRecord,
} from '../../../common/record';
import { itemForScreen } from '../../../common/summary/record-overview';

export function urgentCareEvents(record: WessexRecord, requestId: string): SectionEvent[] {
  return CRITICAL_SECTIONS.map((section) => ({
    type: 'section',
    requestId,
    section,
    items: record.items.filter((i) => i.section === section).map(itemForScreen),
    completeness: record.completeness[section],
  }));
}

/**
 * One request's urgent-care progress in the two deliveries each step is sent in: first the resuscitation
 * decisions, alerts and allergies (a few entries), then the medicines and problems (hundreds in a long record).
 * What one turn of the event loop emits reaches the page together (the harness sends a turn's events as one
 * message; Electron's messages queue behind each other), so the caller emits the second part a turn later:
 * `rest` makes its events then, in the order the steps came.
 * A section whose items are what it last sent goes without them: when a second source answers with nothing
 * for the medicines, only their completeness changes, not 300 entries.
 */
export class UrgentCareProgress {
  /** Per section, the items last sent, and their JSON once a later step has needed to compare. */
  private readonly sent = new Map<SectionId, { items: RecordItem[]; json?: string }>();

  constructor(private readonly requestId: string) {}

  deliveries(record: WessexRecord): { first: RecordEvent[]; rest: () => RecordEvent[] } {
    const events = urgentCareEvents(record, this.requestId);
    const isFirst = (e: SectionEvent) => FIRST_PAINTED_SECTIONS.has(e.section);
    return {
      first: events.filter(isFirst).map((e) => this.unlessSent(e)),
      rest: () => events.filter((e) => !isFirst(e)).map((e) => this.unlessSent(e)),
    };
  }

  /**
   * The screen may not have what was last made for `section` (its delivery failed): its next event carries the
   * items in full.
   */
  forget(section: SectionId): void {
    this.sent.delete(section);
  }

  private unlessSent(event: SectionEvent): SectionEvent {
    const items = event.items ?? [];
    const last = this.sent.get(event.section);
    // A section's first items go as they are: compared (as JSON, exact) only when there is something to compare.
    if (last) {
      last.json ??= JSON.stringify(last.items);
      const json = JSON.stringify(items);
      if (json === last.json) {
        const { items: _same, ...withoutItems } = event;
        return withoutItems;
      }
      this.sent.set(event.section, { items, json });
    } else {
      this.sent.set(event.section, { items });
    }
    return event;
  }
}
