// The overview the screen is given: whole summary sections, the newest of each long list with its total, and
// a held-apart source cut to its newest entries with its count (never a silently shorter list).
import { describe, expect, it } from 'vitest';
import type { RecordItem, SectionId } from '../../common/record';
import {
  buildSummary,
  HELD_APART_SHOWN,
  itemForScreen,
  recordLists,
  recordOverview,
  withSectionsAsSent,
} from '../../common/summary';
import { frailRecord, item } from './summary-fixture';

const NOW = new Date('2026-06-01T09:00:00Z');

function heartRate(day: number): RecordItem {
  const date = new Date(Date.UTC(2020, 0, 1) + day * 86_400_000).toISOString();
  return item(
    'results',
    {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
      effectiveDateTime: date,
      valueQuantity: { value: 60 + (day % 30), unit: '/min' },
    },
    { display: 'Heart rate', date },
  );
}

describe('record overview', () => {
  const base = frailRecord();
  const readings = Array.from({ length: 1_000 }, (_, day) => heartRate(day));
  const record = { ...base, items: [...base.items, ...readings] };
  const overview = recordOverview(record, recordLists(record));

  it('keeps every entry of the summary sections and only the ten newest results, with the total', () => {
    const results = record.items.filter((i) => i.section === 'results');
    expect(overview.lists.results.total).toBe(results.length);
    expect(overview.items.filter((i) => i.section === 'results')).toHaveLength(10);
    const newest = [...results].sort((a, b) => Date.parse(b.date!) - Date.parse(a.date!)).slice(0, 10);
    expect(overview.recentResults.map((r) => r.key)).toEqual(newest.map((i) => i.key));
    for (const section of ['advanceCare', 'alerts', 'allergies', 'medications', 'problems'] as const)
      expect(overview.items.filter((i) => i.section === section)).toEqual(
        record.items.filter((i) => i.section === section).map(itemForScreen),
      );
  });

  it('summarises to the same counts and sections as the whole record', () => {
    const whole = buildSummary(record, NOW);
    const fromOverview = buildSummary(overview, NOW);
    expect(fromOverview.counts).toEqual(whole.counts);
    expect(fromOverview.advanceCare).toEqual(whole.advanceCare);
    // Medicines come with only the parts of their resources the rows are made from (medicines-for-screen).
    const asShown = buildSummary({ ...record, items: record.items.map(itemForScreen) }, NOW);
    expect(fromOverview.medications).toEqual(asShown.medications);
    expect(fromOverview.results.map((r) => r.key)).toEqual(whole.results.slice(0, 10).map((r) => r.key));
  });

  it('leaves out a section the events carried exactly, and the screen that kept them has the whole overview', () => {
    const sectionOf = (section: SectionId) => overview.items.filter((i) => i.section === section);
    const sent = new Map<SectionId, RecordItem[]>([
      ['medications', sectionOf('medications')],
      // An earlier step's allergies: the answer carries the final ones.
      ['allergies', sectionOf('allergies').slice(1)],
    ]);
    const answer = recordOverview(record, recordLists(record), [], NOW, sent);

    expect(answer.sectionsAsSent).toEqual(['medications']);
    expect(answer.items.some((i) => i.section === 'medications')).toBe(false);
    expect(answer.items.filter((i) => i.section === 'allergies')).toEqual(sectionOf('allergies'));
    const filledIn = withSectionsAsSent(answer, (section) => sent.get(section));
    expect(buildSummary(filledIn, NOW)).toEqual(buildSummary(overview, NOW));
    expect(filledIn.sectionsAsSent).toBeUndefined();
  });

  it('a section the screen no longer has is said to be missing, never shown as none recorded', () => {
    const sent = new Map<SectionId, RecordItem[]>([
      ['medications', overview.items.filter((i) => i.section === 'medications')],
    ]);
    const answer = recordOverview(record, recordLists(record), [], NOW, sent);
    const lost = withSectionsAsSent(answer, () => undefined);
    expect(lost.completeness.medications).toMatchObject({
      state: 'incomplete',
      gaps: [{ reason: 'Not received by this screen: open the record again.' }],
    });
  });

  it('lists the newest entries of a large held-apart source and says how many there are', () => {
    const apart = {
      sourceId: 'chie',
      sourceName: 'CHIE',
      patient: { name: 'Someone Else', verification: 'verified' as const },
      differences: ['date of birth'],
      patientKey: 'chie|p1',
      items: readings,
    };
    const shown = recordOverview({ ...record, heldApart: [apart] }, recordLists(record)).heldApart[0]!;
    expect(shown.itemCount).toBe(1_000);
    expect(shown.items).toHaveLength(HELD_APART_SHOWN);
    expect(shown.items[0]!.date).toBe(readings[999]!.date);
  });
});
