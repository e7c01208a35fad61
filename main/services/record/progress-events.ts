// Progress as the screen receives it: one 'section' event per urgent-care section, from a record built (and
// governed) from the snapshot so far.
import {
  CRITICAL_SECTIONS,
  FIRST_PAINTED_SECTIONS,
  type RecordEvent,
  type WessexRecord,
} from '../../../common/record';

export function urgentCareEvents(record: WessexRecord, requestId: string): RecordEvent[] {
  return CRITICAL_SECTIONS.map((section) => ({
    type: 'section',
    requestId,
    section,
    items: record.items.filter((i) => i.section === section),
    completeness: record.completeness[section],
  }));
}

/**
 * The urgent-care events in the two deliveries they are sent in: first the resuscitation decisions, alerts and
 * allergies (a few entries), then the medicines and problems (hundreds in a long record). What one turn of the
 * event loop emits reaches the page together (the harness sends a turn's events as one message; Electron's
 * messages queue behind each other), so the second part is emitted a turn later.
 */
export function urgentCareDeliveries(
  record: WessexRecord,
  requestId: string,
): { first: RecordEvent[]; rest: RecordEvent[] } {
  const events = urgentCareEvents(record, requestId);
  const isFirst = (e: RecordEvent) => e.type === 'section' && FIRST_PAINTED_SECTIONS.has(e.section);
  return { first: events.filter(isFirst), rest: events.filter((e) => !isFirst(e)) };
}
