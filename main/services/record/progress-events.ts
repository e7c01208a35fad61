// Progress as the screen receives it: one 'section' event per urgent-care section, from a record built (and
// governed) from the snapshot so far.
import {
  CRITICAL_SECTIONS,
  FIRST_PAINTED_SECTIONS,
  type RecordEvent,
  type SectionId,
  type WessexRecord,
} from '../../../common/record';

type SectionEvent = Extract<RecordEvent, { type: 'section' }>;

export function urgentCareEvents(record: WessexRecord, requestId: string): SectionEvent[] {
  return CRITICAL_SECTIONS.map((section) => ({
    type: 'section',
    requestId,
    section,
    items: record.items.filter((i) => i.section === section),
    completeness: record.completeness[section],
  }));
}

/**
 * One request's urgent-care progress in the two deliveries each step is sent in: first the resuscitation
 * decisions, alerts and allergies (a few entries), then the medicines and problems (hundreds in a long record).
 * What one turn of the event loop emits reaches the page together (the harness sends a turn's events as one
 * message; Electron's messages queue behind each other), so the caller emits the second part a turn later.
 * A section whose items are what it last sent goes without them: when a second source answers with nothing
 * for the medicines, only their completeness changes, not 300 entries.
 */
export class UrgentCareProgress {
  /** Per section, the items last sent, as JSON (exact: any change to any entry sends them again). */
  private readonly sent = new Map<SectionId, string>();

  constructor(private readonly requestId: string) {}

  deliveries(record: WessexRecord): { first: RecordEvent[]; rest: RecordEvent[] } {
    const events = urgentCareEvents(record, this.requestId).map((event) => this.unlessSent(event));
    const isFirst = (e: SectionEvent) => FIRST_PAINTED_SECTIONS.has(e.section);
    return { first: events.filter(isFirst), rest: events.filter((e) => !isFirst(e)) };
  }

  private unlessSent(event: SectionEvent): SectionEvent {
    const json = JSON.stringify(event.items);
    if (this.sent.get(event.section) !== json) {
      this.sent.set(event.section, json);
      return event;
    }
    const { items: _same, ...withoutItems } = event;
    return withoutItems;
  }
}
