import { describe, expect, it } from 'vitest';
import {
  emptyRecord,
  uniformCompleteness,
  type RecordEvent,
  type RecordItem,
  type SectionId,
  type WessexRecord,
} from '../../common/record';
import { UrgentCareProgress } from '../../main/services/record';
import { shownSections } from '../support/shown-sections';

function item(section: SectionId, id: string, display: string): RecordItem {
  return {
    key: `X/dcr/${id}`,
    section,
    resourceType: 'Flag',
    display,
    resource: { resourceType: 'Flag', id } as RecordItem['resource'],
    provenance: [
      { sourceId: 'dcr', sourceName: 'DCR', server: 'http://dcr', resourceType: 'Flag', resourceId: id },
    ],
  };
}

function record(items: RecordItem[], state: 'loading' | 'complete'): WessexRecord {
  return { ...emptyRecord(), items, completeness: uniformCompleteness({ state, gaps: [] }) };
}

const sectionsOf = (events: { type: string; section?: string }[]) => events.map((e) => e.section);
/** Both deliveries as the caller sends them: the second made when its turn comes. */
const sent = (d: { first: RecordEvent[]; rest: () => RecordEvent[] }) => ({ first: d.first, rest: d.rest() });

describe('urgent-care progress', () => {
  it('sends the resuscitation decisions apart from the medicines, and unchanged items only once', () => {
    const progress = new UrgentCareProgress('r1');
    const dnacpr = item('advanceCare', 'a1', 'DNACPR');
    const medicines = Array.from({ length: 3 }, (_, i) => item('medications', `m${i}`, `Medicine ${i}`));
    const first = sent(progress.deliveries(record([dnacpr, ...medicines], 'loading')));
    expect(sectionsOf(first.first)).toEqual(['advanceCare', 'alerts', 'allergies']);
    expect(sectionsOf(first.rest)).toEqual(['medications', 'problems']);

    // A second source answers with nothing new: only the completeness changes, so no items go again.
    const second = sent(progress.deliveries(record([dnacpr, ...medicines], 'complete')));
    for (const event of [...second.first, ...second.rest]) {
      expect(event).not.toHaveProperty('items');
      expect(event.type === 'section' && event.completeness.state).toBe('complete');
    }

    // Any change to any entry sends the section's items again.
    const renamed = [...medicines.slice(0, 2), item('medications', 'm2', 'Medicine 2 (changed)')];
    const third = sent(progress.deliveries(record([dnacpr, ...renamed], 'complete')));
    const medicineEvent = third.rest.find((e) => e.type === 'section' && e.section === 'medications');
    expect(medicineEvent?.type === 'section' && medicineEvent.items?.map((i) => i.display)).toEqual([
      'Medicine 0',
      'Medicine 1',
      'Medicine 2 (changed)',
    ]);
    expect(third.first.find((e) => e.type === 'section' && e.section === 'advanceCare')).not.toHaveProperty(
      'items',
    );

    // What the screen makes of it all: the newest items of every section, each complete.
    const shown = shownSections([first, second, third].flatMap((d) => [...d.first, ...d.rest]));
    expect(shown.get('advanceCare')?.items.map((i) => i.display)).toEqual(['DNACPR']);
    expect(shown.get('medications')?.items.map((i) => i.display)).toEqual(renamed.map((i) => i.display));
    expect([...shown.values()].every((s) => s.completeness.state === 'complete')).toBe(true);
  });

  it('keeps each request apart: a new request sends everything again', () => {
    const dnacpr = item('advanceCare', 'a1', 'DNACPR');
    new UrgentCareProgress('r1').deliveries(record([dnacpr], 'complete'));
    const again = new UrgentCareProgress('r2').deliveries(record([dnacpr], 'complete'));
    expect(again.first[0]).toMatchObject({ requestId: 'r2', section: 'advanceCare', items: [dnacpr] });
  });
});
