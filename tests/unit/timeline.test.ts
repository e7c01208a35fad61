import { describe, expect, it } from 'vitest';
import { uniformCompleteness, type RecordItem } from '../../common/record';
import {
  Timeline,
  encounterDetail,
  timelineNotice,
  type TimelineEntry,
  type TimelineFilter,
  type TimelineRow,
} from '../../common/summary';
import { item } from './summary-fixture';

const NOW = new Date('2026-11-30T12:00:00Z');

function record(): RecordItem[] {
  return [
    item(
      'encounters',
      {
        resourceType: 'Encounter',
        id: 'adm-1',
        status: 'finished',
        class: { code: 'IMP' },
        period: { start: '2025-08-09', end: '2025-08-12' },
      } as never,
      { display: 'Hospital admission', date: '2025-08-09', sources: ['chie'] },
    ),
    item(
      'encounters',
      { resourceType: 'Encounter', status: 'in-progress', class: { code: 'IMP' } } as never,
      { display: 'Hospital admission', date: '2026-11-27', sources: ['chie'] },
    ),
    item(
      'results',
      {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'eGFR' },
        valueQuantity: { value: 28, unit: 'mL/min' },
        referenceRange: [{ low: { value: 60 } }],
        effectiveDateTime: '2025-08-10',
      } as never,
      { display: 'eGFR', date: '2025-08-10', sources: ['chie'] },
    ),
    item('documents', { resourceType: 'DocumentReference', status: 'current' } as never, {
      display: 'Discharge summary',
      date: '2025-08-12',
      sources: ['chie'],
    }),
    item('problems', { resourceType: 'Condition' } as never, {
      display: 'Type 2 diabetes',
      date: '2016-09-21',
      status: 'active',
      sources: ['dcr', 'chie'],
    }),
    item(
      'medications',
      {
        resourceType: 'MedicationStatement',
        status: 'stopped',
        medicationCodeableConcept: { text: 'Metformin 500mg tablets' },
        effectivePeriod: { start: '2016-10-01', end: '2025-08-12' },
        statusReason: [{ text: 'eGFR 28' }],
      } as never,
      { display: 'Metformin 500mg tablets', date: '2016-10-01', status: 'stopped', sources: ['chie'] },
    ),
    item('problems', { resourceType: 'Condition' } as never, {
      display: 'Undated problem',
      sources: ['dcr'],
    }),
    // Not timeline material: allergies stay on the summary.
    item('allergies', { resourceType: 'AllergyIntolerance' } as never, {
      display: 'Penicillin',
      date: '2019-06-03',
    }),
  ];
}

const entries = (rows: TimelineRow[]) =>
  rows.filter((r): r is TimelineEntry => r.type === 'entry').map((r) => `${r.kind}: ${r.what}`);
const page = (filter: TimelineFilter = {}) => new Timeline(record()).page(filter, 0, 100);

describe('timeline', () => {
  it('puts encounters, results, documents, medicine changes and problems newest first under month headings', () => {
    const all = page();
    expect(all.entries).toBe(8);
    expect(all.rows.filter((r) => r.type === 'month').map((r) => r.label)).toEqual([
      'November 2026',
      'August 2025',
      'October 2016',
      'September 2016',
      'Date not recorded',
    ]);
    expect(entries(all.rows)).toEqual([
      'encounter: Hospital admission',
      'document: Discharge summary',
      'medication-stopped: Metformin 500mg tablets',
      'result: eGFR',
      'encounter: Hospital admission',
      'medication-started: Metformin 500mg tablets',
      'problem: Type 2 diabetes',
      'problem: Undated problem',
    ]);
    const august = all.rows.find((r) => r.type === 'month' && r.label === 'August 2025');
    expect(august).toMatchObject({ count: 4 });
    const egfr = all.rows.find((r) => r.type === 'entry' && r.kind === 'result') as TimelineEntry;
    expect(egfr.detail).toBe('28 mL/min (Low)');
    const stopped = all.rows.find(
      (r) => r.type === 'entry' && r.kind === 'medication-stopped',
    ) as TimelineEntry;
    expect(stopped).toMatchObject({ date: '2025-08-12' });
    expect(stopped.detail).toMatch(/^Stopped in CHIE/);
    expect(all.total).toBe(all.rows.length);
  });

  it('filters by type, source and date range, and counts the undated entries a range leaves out', () => {
    expect(entries(page({ kinds: ['result', 'document'] }).rows)).toEqual([
      'document: Discharge summary',
      'result: eGFR',
    ]);
    const dcr = page({ sources: ['dcr'] });
    expect(entries(dcr.rows)).toEqual(['problem: Type 2 diabetes', 'problem: Undated problem']);
    const august = page({ from: '2025-08-10', to: '2025-08-31' });
    expect(entries(august.rows)).toEqual([
      'document: Discharge summary',
      'medication-stopped: Metformin 500mg tablets',
      'result: eGFR',
    ]);
    expect(august.undatedHidden).toBe(1);
    expect(page({ kinds: [] })).toMatchObject({ entries: 0, total: 0, rows: [] });
  });

  it('cuts pages from the filtered rows, headings included', () => {
    const timeline = new Timeline(record());
    const first = timeline.page({}, 0, 3);
    const second = timeline.page({}, 3, 3);
    expect(first.rows.map((r) => r.key)).toHaveLength(3);
    expect(second.offset).toBe(3);
    expect([...first.rows, ...second.rows].map((r) => r.key)).toEqual(
      timeline.page({}, 0, 6).rows.map((r) => r.key),
    );
  });

  it('says which sections are incomplete, withheld or hidden for the role, never complete while one is', () => {
    const completeness = uniformCompleteness({ state: 'complete', gaps: [] });
    expect(timelineNotice(completeness, ['result', 'problem'], { now: NOW })).toEqual({
      complete: true,
      lines: [],
    });
    const gap = {
      state: 'incomplete' as const,
      gaps: [
        { sourceId: 'chie', sourceName: 'CHIE', reason: 'CHIE could not be checked: no response in 30 s' },
      ],
    };
    const partial = { ...completeness, results: gap, encounters: gap };
    const notice = timelineNotice(partial, ['encounter', 'result', 'problem'], {
      now: NOW,
      hiddenSections: ['problems'],
    });
    expect(notice.complete).toBe(false);
    expect(notice.lines).toEqual([
      'CHIE could not be checked: no response in 30 s (Encounters, Results and vitals).',
      'Not available for your role (Active problems).',
    ]);
    expect(timelineNotice(completeness, ['result'], { now: NOW, heldApart: ['CHIE'] })).toEqual({
      complete: false,
      lines: [
        'CHIE is held apart (its patient may be someone else): none of its entries are on this timeline.',
      ],
    });
    // Only the kinds shown count: results alone do not depend on encounters.
    expect(timelineNotice(partial, ['document'], { now: NOW }).complete).toBe(true);
  });
});

describe('encounter detail', () => {
  it('gives class, dates, length of stay, provider, ward, reason, discharge and the linked letter', () => {
    const admission = item(
      'encounters',
      {
        resourceType: 'Encounter',
        id: 'adm-1',
        status: 'finished',
        class: { code: 'IMP', display: 'inpatient encounter' },
        period: { start: '2025-08-09', end: '2025-08-12' },
        serviceProvider: { display: 'Portsmouth Hospitals University NHS Trust' },
        location: [
          {
            location: { display: 'Queen Alexandra Hospital, ward E3' },
            physicalType: { coding: [{ code: 'wa' }] },
          },
        ],
        reasonCode: [{ coding: [{ display: 'Acute kidney injury' }] }],
        hospitalization: { dischargeDisposition: { text: 'Home' } },
      } as never,
      { display: 'Hospital admission', sources: ['chie'] },
    );
    const letter = (reference: string, sources: ('dcr' | 'chie')[]) =>
      item(
        'documents',
        {
          resourceType: 'DocumentReference',
          context: { encounter: [{ reference }] },
        } as never,
        { display: 'Discharge summary', date: '2025-08-12', sources },
      );
    const linked = letter('Encounter/adm-1', ['chie']);
    const documents = [
      linked,
      letter('Encounter/adm-1', ['dcr']), // the same id on another server is another encounter
      letter('Encounter/other', ['chie']),
    ];
    expect(encounterDetail(admission, documents, NOW)).toEqual({
      classLabel: 'Inpatient',
      period: '9 August 2025 to 12 August 2025',
      lengthOfStay: '3 days',
      provider: 'Portsmouth Hospitals University NHS Trust',
      places: [{ kind: 'Ward', name: 'Queen Alexandra Hospital, ward E3' }],
      reasons: ['Acute kidney injury'],
      dischargeDisposition: 'Home',
      seenBy: [],
      letters: [{ key: linked.key, title: 'Discharge summary', date: '2025-08-12' }],
    });
  });

  it('says in hospital now for an open admission, no stay for a phone call, and not recorded for what is missing or malformed', () => {
    const open = item('encounters', {
      resourceType: 'Encounter',
      status: 'in-progress',
      class: { code: 'IMP' },
      period: { start: '2026-11-27' },
    } as never);
    expect(encounterDetail(open, [], NOW)).toMatchObject({
      period: 'Since 27 November 2026',
      lengthOfStay: 'In hospital now (3 days so far)',
      provider: 'Not recorded',
    });
    const call = item('encounters', {
      resourceType: 'Encounter',
      status: 'finished',
      class: { code: 'VR' },
      period: { start: '2026-11-02', end: '2026-11-02' },
    } as never);
    expect(encounterDetail(call, [], NOW)).toMatchObject({
      classLabel: 'Virtual (telephone or video)',
      period: '2 November 2026',
    });
    expect(encounterDetail(call, [], NOW).lengthOfStay).toBeUndefined();
    const hostile = item('encounters', {
      resourceType: 'Encounter',
      status: 42,
      class: 'IMP',
      type: 'not a list',
      period: 'yesterday',
      location: { location: 'nowhere' },
      reasonCode: [null, { text: 'Fall' }],
      serviceProvider: [],
    } as never);
    expect(encounterDetail(hostile, [], NOW)).toEqual({
      classLabel: 'Not recorded',
      period: 'Dates not recorded',
      provider: 'Not recorded',
      places: [{ kind: 'Location', name: 'name not recorded' }],
      reasons: ['Fall'],
      seenBy: [],
      letters: [],
    });
  });
});
