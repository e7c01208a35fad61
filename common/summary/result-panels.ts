// The cumulative view of results, as a lab system prints it: one table per panel (a DiagnosticReport's
// results, or a panel Observation's hasMember), its tests as rows and its dates as columns, newest left.
// Tests that belong to no panel are one more table, "Other tests".
import type { DiagnosticReport, Observation, Reference } from '@medplum/fhirtypes';
import { dateKey } from './dates';
import type { AbnormalFlag, ResultRow } from './observations';
import { compareText } from './provenance';

export const OTHER_TESTS = 'other-tests';

/** Date columns one cumulative table shows at once (older ones a click away). */
export const CUMULATIVE_COLUMNS = 8;

/** A column's key: the day (YYYY-MM-DD) the panel or test was taken; '' when no date was recorded. */
type Day = string;

interface PanelTest {
  testKey: string;
  name: string;
  /** Readings by day, newest first within a day. */
  byDay: Map<Day, ResultRow[]>;
}

/** One panel's tests over every date, held in main; the screen gets `cumulativePanel` windows of it. */
export interface PanelGroup {
  key: string;
  label: string;
  /** Days with a reading, newest first ('' last). */
  days: Day[];
  tests: PanelTest[];
  /** Results the panel's reports list that are not in the record shown (withheld, or not received). */
  notShown: number;
}

export interface CumulativeCell {
  value: string;
  flag?: AbnormalFlag;
  /** Other readings of this test on the same day, not in the cell (its history has them). */
  more?: number;
}

export interface CumulativeRow {
  testKey: string;
  name: string;
  /** The newest reading's reference range. */
  range?: string;
  /** One per column of `dates`; null: no reading that day. */
  cells: (CumulativeCell | null)[];
}

/** What the screen shows of a panel: `dates.length` columns from `dateOffset` of `totalDates`. */
export interface CumulativePanel {
  key: string;
  label: string;
  /** The columns, newest first (YYYY-MM-DD; '' for "date not recorded"). */
  dates: string[];
  dateOffset: number;
  totalDates: number;
  rows: CumulativeRow[];
  notShown: number;
}

function dayOf(date: string | undefined): Day {
  return date && /^\d{4}-\d{2}-\d{2}/.test(date) ? date.slice(0, 10) : '';
}

/** "Observation/123" or ".../fhir/Observation/123" → "Observation/123". */
function localReference(ref: Reference | undefined): string | undefined {
  const reference = typeof ref?.reference === 'string' ? ref.reference : '';
  const match = /([A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]*)?$/.exec(reference);
  return match?.[1];
}

function memberReferences(row: ResultRow): Reference[] | undefined {
  const resource = row.item.resource;
  const refs: unknown =
    resource.resourceType === 'DiagnosticReport'
      ? (resource as DiagnosticReport).result
      : resource.resourceType === 'Observation'
        ? (resource as Observation).hasMember
        : undefined;
  // Malformed FHIR (a reference list that is not a list) makes no panel: its rows stay under "Other tests".
  return Array.isArray(refs) ? (refs as Reference[]) : undefined;
}

class GroupBuilder {
  readonly tests = new Map<string, PanelTest>();
  notShown = 0;
  latest = Number.NEGATIVE_INFINITY;
  constructor(
    readonly key: string,
    readonly label: string,
  ) {}

  add(row: ResultRow, day: Day): void {
    let test = this.tests.get(row.testKey);
    if (!test)
      this.tests.set(row.testKey, (test = { testKey: row.testKey, name: row.name, byDay: new Map() }));
    const readings = test.byDay.get(day);
    if (readings) readings.push(row);
    else test.byDay.set(day, [row]);
    this.latest = Math.max(this.latest, dateKey(row.date));
  }

  build(sortTests: boolean): PanelGroup {
    const days = new Set<Day>();
    for (const test of this.tests.values()) for (const day of test.byDay.keys()) days.add(day);
    const tests = [...this.tests.values()];
    if (sortTests) tests.sort((a, b) => compareText(a.name, b.name));
    return {
      key: this.key,
      label: this.label,
      days: [...days].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : a < b ? 1 : a > b ? -1 : 0)),
      tests,
      notShown: this.notShown,
    };
  }
}

/**
 * Every result row (newest first) grouped by panel: panels newest first, then "Other tests". A test listed by
 * a panel is shown in that panel only; a panel's members keep the order its newest report lists them.
 */
export function resultPanels(rows: readonly ResultRow[]): PanelGroup[] {
  const bySourceRef = new Map<string, ResultRow>();
  for (const row of rows) {
    if (row.item.resource.resourceType !== 'Observation') continue;
    for (const p of row.item.provenance)
      bySourceRef.set(`${p.sourceId}|${p.resourceType}/${p.resourceId}`, row);
  }
  const panels = new Map<string, GroupBuilder>();
  const inPanel = new Set<string>();
  const isPanel = new Set<string>();
  for (const row of rows) {
    const refs = memberReferences(row);
    if (!refs?.length) continue;
    isPanel.add(row.key);
    const key = `panel:${row.testKey}`;
    let group = panels.get(key);
    if (!group) panels.set(key, (group = new GroupBuilder(key, row.name)));
    const day = dayOf(row.date);
    for (const ref of refs) {
      const local = localReference(ref);
      const member = local
        ? row.item.provenance.map((p) => bySourceRef.get(`${p.sourceId}|${local}`)).find(Boolean)
        : undefined;
      if (!member) {
        group.notShown += 1;
        continue;
      }
      inPanel.add(member.key);
      group.add(member, day || dayOf(member.date));
    }
  }
  const other = new GroupBuilder(OTHER_TESTS, 'Other tests');
  for (const row of rows) {
    if (inPanel.has(row.key) || isPanel.has(row.key) || row.item.resource.resourceType !== 'Observation')
      continue;
    other.add(row, dayOf(row.date));
  }
  const built = [...panels.values()]
    .filter((g) => g.tests.size > 0 || g.notShown > 0)
    .sort((a, b) => b.latest - a.latest || compareText(a.label, b.label))
    .map((g) => g.build(false));
  return other.tests.size ? [...built, other.build(true)] : built;
}

/** The `columns` dates of `group` from `dateOffset` (newest first), as the cumulative table shows them. */
export function cumulativePanel(
  group: PanelGroup,
  dateOffset = 0,
  columns = CUMULATIVE_COLUMNS,
): CumulativePanel {
  const offset = Math.max(0, Math.min(dateOffset, Math.max(0, group.days.length - 1)));
  const dates = group.days.slice(offset, offset + columns);
  return {
    key: group.key,
    label: group.label,
    dates,
    dateOffset: offset,
    totalDates: group.days.length,
    notShown: group.notShown,
    rows: group.tests
      .filter((t) => dates.some((d) => t.byDay.has(d)))
      .map((test) => {
        const newest = test.byDay.get(group.days.find((d) => test.byDay.has(d)) ?? '')?.[0];
        return {
          testKey: test.testKey,
          name: test.name,
          ...(newest?.range ? { range: newest.range } : {}),
          cells: dates.map((d) => {
            const readings = test.byDay.get(d);
            const shown = readings?.[0];
            if (!shown) return null;
            return {
              value: shown.value,
              ...(shown.flag ? { flag: shown.flag } : {}),
              ...(readings.length > 1 ? { more: readings.length - 1 } : {}),
            };
          }),
        };
      }),
  };
}
