// The results views' pure parts: LTTB down-sampling that never hides an abnormal reading, charts by period,
// and the cumulative tables grouped by panel (DiagnosticReport.result, Observation.hasMember).
import { describe, expect, it } from 'vitest';
import type { Observation, Resource } from '../../common/fhir';
import type { RecordItem } from '../../common/record';
import {
  CHART_POINTS,
  FLAGGED_POINTS,
  cumulativePanel,
  downSample,
  largestTriangleThreeBuckets,
  recordLists,
  resultPanels,
  resultRows,
  trendChart,
  trendSeries,
} from '../../common/summary';
import { item } from './summary-fixture';

const NOW = new Date('2025-06-01T12:00:00Z');
const day = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString().slice(0, 10);

function lab(id: string, code: string, name: string, date: string, value: number, high?: number): RecordItem {
  const resource: Observation = {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code, display: name }] },
    effectiveDateTime: date,
    valueQuantity: { value, unit: 'mmol/L' },
    ...(high !== undefined ? { referenceRange: [{ high: { value: high, unit: 'mmol/L' } }] } : {}),
  };
  return item('results', resource, { display: name, date, code: { system: 'http://loinc.org', code } });
}

function panel(resource: Resource, name: string, date: string): RecordItem {
  return item('results', resource, { display: name, date });
}

describe('largest-triangle-three-buckets', () => {
  const wave = Array.from({ length: 1000 }, (_, i) => ({ x: i, y: Math.sin(i / 20) * 10 }));

  it('keeps the first and last points and no more than asked', () => {
    const kept = largestTriangleThreeBuckets(wave, 50);
    expect(kept).toHaveLength(50);
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(999);
    expect([...kept].sort((a, b) => a - b)).toEqual(kept);
  });

  it('keeps the peaks and troughs that shape the line', () => {
    const spiky = Array.from({ length: 500 }, (_, i) => ({ x: i, y: i === 321 ? 40 : 5 }));
    expect(largestTriangleThreeBuckets(spiky, 20)).toContain(321);
  });

  it('keeps every point when there are no more than the threshold', () => {
    expect(largestTriangleThreeBuckets(wave.slice(0, 10), 50)).toEqual([...Array(10).keys()]);
  });

  it('adds back every point the caller must keep, in order, each once', () => {
    const flagged = new Set([3, 4, 5, 6, 7, 500, 998]);
    const kept = downSample(wave, 30, (i) => flagged.has(i));
    for (const i of flagged) expect(kept).toContain(i);
    expect(new Set(kept).size).toBe(kept.length);
    expect([...kept].sort((a, b) => a - b)).toEqual(kept);
  });
});

describe('trend charts by period', () => {
  // Daily glucose for two years; a high reading every 50 days.
  const items = Array.from({ length: 730 }, (_, d) =>
    lab(`g${d}`, '14743-9', 'Capillary blood glucose', `${day(d)}T07:45:00Z`, d % 50 === 7 ? 15 : 6, 11),
  );
  const [series] = trendSeries(resultRows(items));

  it('draws at most about 150 points of 730 and says so, with every high reading drawn', () => {
    const chart = trendChart(series!, { range: 'all', now: NOW });
    expect(chart.readings).toBe(730);
    expect(chart.allReadings).toBe(730);
    expect(chart.flagged).toBe(15);
    expect(chart.shown).toBeLessThanOrEqual(150 + 15);
    expect(chart.shown).toBe(chart.lines[0]!.points.length);
    expect(chart.lines[0]!.points.filter((p) => p.flagged)).toHaveLength(15);
    expect(chart.lines[0]!.points[0]!.date).toBe(`${day(729)}T07:45:00Z`);
    expect(chart.lines[0]!.points.at(-1)!.date).toBe(`${day(0)}T07:45:00Z`);
  });

  it('leaves readings before the period out, counted, and bounds the axis by the period', () => {
    const chart = trendChart(series!, { range: '3m', now: NOW });
    expect(chart.readings).toBeGreaterThanOrEqual(89);
    expect(chart.readings).toBeLessThanOrEqual(93);
    expect(chart.shown).toBe(chart.readings);
    expect(chart.allReadings).toBe(730);
    expect(chart.from).toBe('2025-03-01T12:00:00.000Z');
    expect(chart.to).toBe(NOW.toISOString());
  });
});

describe('trend charts with thousands of flagged readings', () => {
  it(`draws at most ${FLAGGED_POINTS} of them besides LTTB’s choice, and counts every one`, () => {
    const items = Array.from({ length: 2000 }, (_, d) =>
      lab(`h${d}`, '14743-9', 'Capillary blood glucose', `${day(d)}T07:45:00Z`, 12 + (d % 7), 11),
    );
    const chart = trendChart(trendSeries(resultRows(items))[0]!, { range: 'all', now: NOW });
    expect(chart.flagged).toBe(2000);
    expect(chart.flaggedShown).toBe(chart.shown);
    expect(chart.shown).toBeGreaterThanOrEqual(FLAGGED_POINTS);
    expect(chart.shown).toBeLessThanOrEqual(CHART_POINTS + FLAGGED_POINTS);
  });
});

describe('cumulative tables by panel', () => {
  const na1 = lab('na1', '2951-2', 'Sodium', '2025-05-01T09:00:00Z', 139);
  const k1 = lab('k1', '2823-3', 'Potassium', '2025-05-01T09:00:00Z', 5.9, 5.3);
  const na2 = lab('na2', '2951-2', 'Sodium', '2025-02-01T09:00:00Z', 141);
  const k2 = lab('k2', '2823-3', 'Potassium', '2025-02-01T09:00:00Z', 4.4, 5.3);
  const report = (id: string, date: string, members: string[]) =>
    panel(
      {
        resourceType: 'DiagnosticReport',
        id,
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '24362-6' }], text: 'Urea and electrolytes' },
        effectiveDateTime: date,
        result: members.map((m) => ({ reference: `Observation/${m}` })),
      },
      'Urea and electrolytes',
      date,
    );
  const hb = lab('hb1', '718-7', 'Haemoglobin', '2025-04-10T14:00:00Z', 98);
  const fbc = panel(
    {
      resourceType: 'Observation',
      id: 'fbc1',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '58410-2' }], text: 'Full blood count' },
      effectiveDateTime: '2025-04-10T14:00:00Z',
      hasMember: [{ reference: 'Observation/hb1' }],
    },
    'Full blood count',
    '2025-04-10T14:00:00Z',
  );
  const hba1c = lab('a1', '4548-4', 'HbA1c', '2025-03-03T09:00:00Z', 58);
  const items = [
    na1,
    k1,
    na2,
    k2,
    report('r1', '2025-05-01T09:00:00Z', ['na1', 'k1', 'gone']),
    report('r2', '2025-02-01T09:00:00Z', ['na2', 'k2']),
    hb,
    fbc,
    hba1c,
  ];
  const groups = resultPanels(resultRows(items));

  it('groups reports and hasMember panels, newest first, with tests outside any panel under "Other tests"', () => {
    expect(groups.map((g) => g.label)).toEqual(['Urea and electrolytes', 'Full blood count', 'Other tests']);
    const ue = cumulativePanel(groups[0]!);
    expect(ue.dates).toEqual(['2025-05-01', '2025-02-01']);
    expect(ue.rows.map((r) => r.name)).toEqual(['Sodium', 'Potassium']);
    expect(ue.rows[1]!.cells).toEqual([{ value: '5.9 mmol/L', flag: 'high' }, { value: '4.4 mmol/L' }]);
    // The newest report lists a result the record does not hold: said, never silently dropped.
    expect(ue.notShown).toBe(1);
    expect(cumulativePanel(groups[1]!).rows.map((r) => r.name)).toEqual(['Haemoglobin']);
    const other = cumulativePanel(groups[2]!);
    expect(other.rows.map((r) => r.name)).toEqual(['HbA1c']);
  });

  it('shows the newest dates first and older ones from an offset', () => {
    const many = Array.from({ length: 20 }, (_, n) =>
      lab(`x${n}`, '4548-4', 'HbA1c', `${day(n * 30)}T09:00:00Z`, 50 + n),
    );
    const [other] = resultPanels(resultRows(many));
    const first = cumulativePanel(other!, 0, 8);
    expect(first.totalDates).toBe(20);
    expect(first.dates).toEqual([day(0), day(30), day(60), day(90), day(120), day(150), day(180), day(210)]);
    const older = cumulativePanel(other!, 16, 8);
    expect(older.dates).toHaveLength(4);
    expect(older.rows[0]!.cells.at(-1)).toEqual({ value: '69 mmol/L' });
  });

  it('makes no panel of malformed references, and keeps their results under "Other tests"', () => {
    const broken = [
      lab('na9', '2951-2', 'Sodium', '2025-05-01T09:00:00Z', 139),
      panel(
        {
          resourceType: 'DiagnosticReport',
          id: 'bad',
          status: 'final',
          code: { text: 'Urea and electrolytes' },
          result: 'Observation/na9',
        } as unknown as Resource,
        'Urea and electrolytes',
        '2025-05-01T09:00:00Z',
      ),
      panel(
        {
          resourceType: 'DiagnosticReport',
          id: 'odd',
          status: 'final',
          code: { text: 'Liver function' },
          result: [{ reference: 42 }, {}],
        } as unknown as Resource,
        'Liver function',
        '2025-05-01T09:00:00Z',
      ),
    ];
    const grouped = resultPanels(resultRows(broken));
    expect(grouped.map((g) => [g.label, g.notShown])).toEqual([
      ['Liver function', 2],
      ['Other tests', 0],
    ]);
    expect(cumulativePanel(grouped[1]!).rows.map((r) => r.name)).toEqual(['Sodium']);
  });

  it('gives a test named in thousands of characters a key the bridge accepts, and its history', () => {
    const name = 'ا'.repeat(5000);
    const uncoded = item(
      'results',
      { resourceType: 'Observation', status: 'final', code: { text: name }, valueString: 'seen' },
      { display: name, date: '2025-01-01' },
    );
    const [row] = resultRows([uncoded]);
    expect(row!.testKey.length).toBeLessThanOrEqual(400);
    expect(recordLists({ items: [uncoded] }).history(row!.testKey)).toHaveLength(1);
  });

  it('keeps every reading of one test for its history, newest first', () => {
    const lists = recordLists({ items });
    const history = lists.history(resultRows([k1])[0]!.testKey);
    expect(history.map((r) => r.value)).toEqual(['5.9 mmol/L', '4.4 mmol/L']);
    expect(lists.history('http://loinc.org|nothing')).toEqual([]);
  });
});
