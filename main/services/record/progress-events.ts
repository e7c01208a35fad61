// Progress as the screen receives it: one 'section' event per urgent-care section, from a record built (and
// governed) from the snapshot so far.
import { CRITICAL_SECTIONS, type RecordEvent, type WessexRecord } from '../../../common/record';

export function urgentCareEvents(record: WessexRecord, requestId: string): RecordEvent[] {
  return CRITICAL_SECTIONS.map((section) => ({
    type: 'section',
    requestId,
    section,
    items: record.items.filter((i) => i.section === section),
    completeness: record.completeness[section],
  }));
}
