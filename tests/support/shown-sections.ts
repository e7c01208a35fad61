// What the screen makes of a request's record events, as useRecord does: per section, the newest items and
// completeness; an event without items keeps the items the section already has.
import {
  sectionItemsAfter,
  type RecordEvent,
  type RecordItem,
  type SectionCompleteness,
  type SectionId,
} from '../../common/record';

export function shownSections(
  events: readonly RecordEvent[],
): Map<SectionId, { items: RecordItem[]; completeness: SectionCompleteness }> {
  const shown = new Map<SectionId, { items: RecordItem[]; completeness: SectionCompleteness }>();
  for (const e of events) {
    if (e.type !== 'section') continue;
    shown.set(e.section, {
      items: sectionItemsAfter(e, shown.get(e.section)?.items),
      completeness: e.completeness,
    });
  }
  return shown;
}
