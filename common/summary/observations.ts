// Results and vitals: one row per observation with its reference range and abnormal flag, and the
// repeated observations (blood pressure, HbA1c, eGFR, NEWS2, …) grouped into trend series for charts.
import type { Observation, ObservationReferenceRange, Quantity } from '@medplum/fhirtypes';
import type { RecordItem } from '../record';
import { isObject, objectsIn, str } from '../json';
import { conceptCodes, conceptWords, firstCoding } from './concepts';
import { dateKey } from './dates';
import { compareText, sourceNames } from './provenance';
import { downSample, largestTriangleThreeBuckets } from './lttb';
import { decimalsFor, derivedFlag, formatResultNumber, prettyUnit } from './result-units';

export type AbnormalFlag = 'high' | 'low' | 'abnormal' | 'critical';

export interface ResultRow {
  key: string;
  /** Which test this is (code system|code, or its name when uncoded): its history and trend are by this. */
  testKey: string;
  item: RecordItem;
  date?: string;
  name: string;
  value: string;
  /** Numeric values for charting (blood pressure has two). */
  numbers: number[];
  unit?: string;
  range?: string;
  flag?: AbnormalFlag;
  /** Why the flag is there when the source gave none ("CKD G4 (derived)", "NEWS2 2 (derived)"). */
  derived?: string;
  sources: string[];
}

/**
 * A results row as it goes to the screen: the entry's key and sources, not its whole resource (a page of 200
 * rows was 300 KB with them, 5 times what the screen uses).
 */
export interface ShownResultRow extends Omit<ResultRow, 'item'> {
  item: Pick<RecordItem, 'key' | 'provenance'>;
}

export function shownResultRow(row: ResultRow): ShownResultRow {
  return { ...row, item: { key: row.item.key, provenance: row.item.provenance } };
}

export interface TrendLine {
  label: string;
  points: { date: string; value: number }[];
}

export interface TrendSeries {
  key: string;
  label: string;
  unit?: string;
  low?: number;
  high?: number;
  lines: TrendLine[];
  rows: ResultRow[];
}

/** Every blood pressure reading is one test, whichever code or panel it came as. */
const BLOOD_PRESSURE_TEST = 'blood-pressure';

const BP_PANEL = new Set(['85354-9', '55284-4', '75367002', '163020007']);
const SYSTOLIC = new Set(['8480-6', '271649006', '72313002', '163030003']);
const DIASTOLIC = new Set(['8462-4', '271650006', '1091811000000102', '163031004']);

/** A number a source sent as one; anything else (text, an object) is not a value to show or compare. */
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

function quantityText(q: Quantity | undefined, decimals?: number): string | undefined {
  const value = num(q?.value);
  if (value === undefined) return undefined;
  const unit = prettyUnit(str(q?.unit) ?? str(q?.code));
  return `${str(q?.comparator) ?? ''}${formatResultNumber(value, decimals)}${unit ? ` ${unit}` : ''}`;
}

const codes = (resource: Observation): string[] => conceptCodes(resource.code);

function isBloodPressure(resource: Observation, obsCodes = codes(resource)): boolean {
  for (const c of obsCodes) if (BP_PANEL.has(c)) return true;
  const text = isObject(resource.code) ? str(resource.code.text) : undefined;
  return text !== undefined && /blood pressure/i.test(text);
}

function componentValue(resource: Observation, wanted: Set<string>, text: RegExp): number | undefined {
  const components = objectsIn(resource.component);
  const component =
    components.find((c) => conceptCodes(c.code).some((code) => wanted.has(code))) ??
    components.find((c) => text.test(conceptWords(c.code) ?? ''));
  return isObject(component?.valueQuantity) ? num(component.valueQuantity.value) : undefined;
}

function interpretationFlag(resource: Observation): AbnormalFlag | undefined {
  if (!Array.isArray(resource.interpretation) || !resource.interpretation.length) return undefined;
  const codesHere: string[] = [];
  for (const concept of resource.interpretation as unknown[]) codesHere.push(...conceptCodes(concept));
  if (codesHere.some((c) => c === 'HH' || c === 'LL' || c === 'AA')) return 'critical';
  if (codesHere.includes('H') || codesHere.includes('HU')) return 'high';
  if (codesHere.includes('L') || codesHere.includes('LU')) return 'low';
  if (codesHere.includes('A')) return 'abnormal';
  return undefined;
}

/** The first reference range a source gave, and its limits as numbers (a limit that is not one is none). */
function referenceRangeOf(obs: Observation): {
  range?: ObservationReferenceRange;
  low?: number;
  high?: number;
} {
  const first: unknown = Array.isArray(obs.referenceRange) ? obs.referenceRange[0] : undefined;
  const range = isObject(first) ? (first as ObservationReferenceRange) : undefined;
  return { range, low: num(range?.low?.value), high: num(range?.high?.value) };
}

function rangeFlag(value: number | undefined, low?: number, high?: number): AbnormalFlag | undefined {
  if (value === undefined) return undefined;
  if (high !== undefined && value > high) return 'high';
  if (low !== undefined && value < low) return 'low';
  return undefined;
}

/** One row for the results table; works for any item in the results section (reports have no value). */
export function resultRow(item: RecordItem): ResultRow {
  const obs = item.resource as Observation;
  const isObservation = obs.resourceType === 'Observation';
  const obsCodes = isObservation ? codes(obs) : [];
  const bp = isObservation && isBloodPressure(obs, obsCodes);
  // Every row has one shape (rows are made by the tens of thousands; spreads and optional keys cost more).
  const row: ResultRow = {
    key: item.key,
    testKey: testKeyOf(item, bp),
    item,
    date: item.date,
    name: item.display,
    value: '',
    numbers: [],
    unit: undefined,
    range: undefined,
    flag: undefined,
    derived: undefined,
    sources: sourceNames(item),
  };
  if (!isObservation) {
    row.value = item.status ?? '';
    return row;
  }
  if (bp) {
    const sys = componentValue(obs, SYSTOLIC, /systolic/i);
    const dia = componentValue(obs, DIASTOLIC, /diastolic/i);
    if (sys !== undefined && dia !== undefined) {
      const flag =
        sys >= 180 || dia >= 120 ? 'critical' : sys > 140 || dia > 90 ? 'high' : sys < 90 ? 'low' : undefined;
      row.value = `${formatResultNumber(sys, 0)}/${formatResultNumber(dia, 0)} mmHg`;
      row.numbers = [sys, dia];
      row.unit = 'mmHg';
      row.flag = interpretationFlag(obs) ?? flag;
      return row;
    }
  }
  const { range, low, high } = referenceRangeOf(obs);
  const quantity = isObject(obs.valueQuantity) ? obs.valueQuantity : undefined;
  const decimals = decimalsFor(obsCodes, str(quantity?.code) ?? str(quantity?.unit));
  const highUnit = prettyUnit(str(range?.high?.unit) ?? str(range?.high?.code));
  const rangeText =
    str(range?.text) ??
    (low !== undefined && high !== undefined
      ? `${formatResultNumber(low, decimals)}–${formatResultNumber(high, decimals)}${highUnit ? ` ${highUnit}` : ''}`
      : low !== undefined
        ? `≥ ${quantityText(range?.low, decimals)}`
        : high !== undefined
          ? `≤ ${quantityText(range?.high, decimals)}`
          : undefined);
  const components = objectsIn(obs.component);
  const members = Array.isArray(obs.hasMember) ? obs.hasMember.length : 0;
  row.value =
    quantityText(quantity, decimals) ??
    str(obs.valueString) ??
    conceptWords(obs.valueCodeableConcept) ??
    str(num(obs.valueInteger)) ??
    (typeof obs.valueBoolean === 'boolean' ? (obs.valueBoolean ? 'Yes' : 'No') : undefined) ??
    (components.length
      ? components
          .map((c) =>
            `${conceptWords(c.code) ?? ''} ${quantityText(c.valueQuantity as Quantity) ?? ''}`.trim(),
          )
          .join(', ')
      : members
        ? `Panel of ${members} ${members === 1 ? 'result' : 'results'}`
        : 'No value recorded');
  const numeric = num(quantity?.value) ?? num(obs.valueInteger);
  const given = interpretationFlag(obs) ?? rangeFlag(numeric, low, high);
  // Bands clinicians use anyway, only where the source gave neither a flag nor a range.
  const derived =
    given || rangeText || numeric === undefined
      ? undefined
      : derivedFlag(item.code?.code ? [...obsCodes, item.code.code] : obsCodes, numeric);
  if (numeric !== undefined) row.numbers = [numeric];
  row.unit = prettyUnit(str(quantity?.unit) ?? str(quantity?.code));
  row.range = rangeText;
  row.flag = given ?? derived?.flag;
  row.derived = derived?.note;
  return row;
}

/** One key per test: "system|code", "text|<name>" when uncoded; every blood pressure reading is one test. */
export function resultTestKey(item: RecordItem): string {
  const obs = item.resource as Observation;
  return testKeyOf(item, obs.resourceType === 'Observation' && isBloodPressure(obs));
}

function testKeyOf(item: RecordItem, bloodPressure: boolean): string {
  if (bloodPressure) return BLOOD_PRESSURE_TEST;
  const coding = item.code ?? firstCoding((item.resource as Observation).code);
  const code = str(coding?.code);
  const key = code ? `${str(coding?.system) ?? ''}|${code}` : `text|${item.display.toLowerCase()}`;
  // A hostile name or code thousands of characters long still makes a key the bridge accepts.
  return key.slice(0, MAX_TEST_KEY);
}

/** The longest test key (the history channel accepts keys up to 500 characters). */
export const MAX_TEST_KEY = 400;

/** Result rows newest first. */
export function resultRows(items: RecordItem[]): ResultRow[] {
  const keyed = items.map((item) => {
    const row = resultRow(item);
    return { row, at: dateKey(row.date) };
  });
  keyed.sort((a, b) => b.at - a.at || compareText(a.row.name, b.row.name));
  return keyed.map((k) => k.row);
}

/**
 * Rows oldest first with their instants, each date parsed once. Rows from `resultRows` come newest first
 * already: reversed, not sorted (a series of 5,000 readings sorted by parsing dates in the comparator took most
 * of the trends' time).
 */
function oldestFirst(rows: ResultRow[]): { rows: ResultRow[]; times: number[] } {
  const times = rows.map((row) => dateKey(row.date));
  // Strictly newest first only: rows of the same instant keep their order, as the stable sort keeps it.
  let newestFirst = true;
  for (let i = 1; i < times.length && newestFirst; i++) newestFirst = times[i]! < times[i - 1]!;
  if (newestFirst) return { rows: rows.slice().reverse(), times: times.reverse() };
  const order = times.map((_, i) => i).sort((a, b) => times[a]! - times[b]!);
  return { rows: order.map((i) => rows[i]!), times: order.map((i) => times[i]!) };
}

/** Each line's points in one pass over the rows (a series may hold thousands of readings). */
function linePoints(rows: readonly ResultRow[], lineCount: number): TrendPoint[][] {
  const points = Array.from({ length: lineCount }, (): TrendPoint[] => []);
  for (const row of rows) {
    for (let index = 0; index < lineCount; index++) {
      const value = row.numbers[index];
      if (value !== undefined) points[index]!.push({ date: row.date as string, value });
    }
  }
  return points;
}

/** Each series' row instants, oldest first (kept when the series is made; charts are asked for per period). */
const seriesTimes = new WeakMap<TrendSeries, number[]>();

/** Every observation recorded at least twice with numbers becomes a trend series (oldest → newest). */
export function trendSeries(rows: ResultRow[]): TrendSeries[] {
  const groups = new Map<string, ResultRow[]>();
  for (const row of rows) {
    if (row.item.resource.resourceType !== 'Observation' || !row.numbers.length || !row.date) continue;
    const key = row.testKey;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  const series: TrendSeries[] = [];
  for (const [key, group] of groups) {
    if (group.length < 2) continue;
    const { rows: sorted, times } = oldestFirst(group);
    const first = sorted[sorted.length - 1] as ResultRow;
    const bp = key === BLOOD_PRESSURE_TEST;
    const lineLabels = bp ? ['Systolic', 'Diastolic'] : [first.name];
    const points = linePoints(sorted, lineLabels.length);
    const lines = lineLabels.map((label, index) => ({ label, points: points[index]! }));
    const limits = bp ? {} : referenceRangeOf(first.item.resource as Observation);
    const made: TrendSeries = {
      key,
      label: bp ? 'Blood pressure' : first.name,
      unit: first.unit,
      low: limits.low,
      high: limits.high,
      lines,
      rows: sorted,
    };
    seriesTimes.set(made, times);
    series.push(made);
  }
  return series.sort((a, b) => b.rows.length - a.rows.length || compareText(a.label, b.label));
}

/** About this many points can be told apart on a small chart; abnormal readings are drawn as well. */
export const CHART_POINTS = 150;

/**
 * Flagged readings a chart draws at most, besides those LTTB chooses (all of them, up to this many): more
 * cannot be told apart on a small chart, and each is a mark on it.
 */
export const FLAGGED_POINTS = 60;

/** The periods a clinician can chart: a date-range control's choices. */
export const TREND_RANGES = [
  { value: '3m', label: 'Last 3 months', months: 3 },
  { value: '1y', label: 'Last year', months: 12 },
  { value: '5y', label: 'Last 5 years', months: 60 },
  { value: 'all', label: 'All dates' },
] as const;
export type TrendRange = (typeof TREND_RANGES)[number]['value'];

/** The first instant of `range` before `now` (undefined: all dates). */
export function trendRangeStart(range: TrendRange, now: Date): Date | undefined {
  const months = TREND_RANGES.find((r) => r.value === range);
  if (!months || !('months' in months)) return undefined;
  const start = new Date(now.getTime());
  start.setUTCMonth(start.getUTCMonth() - months.months);
  return start;
}

export interface TrendPoint {
  date: string;
  value: number;
  /** Flagged high, low, abnormal or critical: always drawn, marked. */
  flagged?: true;
}

/** What one trend chart draws: the readings of a series in the chosen period, down-sampled honestly. */
export interface TrendChartModel extends Omit<TrendSeries, 'rows' | 'lines'> {
  lines: { label: string; points: TrendPoint[] }[];
  range: TrendRange;
  /** The x axis' bounds (ISO): the period, or the first and latest readings for all dates. */
  from?: string;
  to?: string;
  /** Readings in the whole series, whatever the period. */
  allReadings: number;
  /** Readings in the period. */
  readings: number;
  /** Readings drawn: all of them, or LTTB's choice plus every flagged one. */
  shown: number;
  /** Flagged readings in the period. */
  flagged: number;
  /** Flagged readings drawn: all of them, unless there are more than `FLAGGED_POINTS`. */
  flaggedShown: number;
  first?: { date?: string };
  latest?: { date?: string; value: string };
}

/** Each row's instant, worked out once per series (charts are asked for again for each period). */
function timesOf(series: TrendSeries): number[] {
  let times = seriesTimes.get(series);
  if (!times) seriesTimes.set(series, (times = series.rows.map((r) => dateKey(r.date))));
  return times;
}

/**
 * A series' chart for `range`: readings before the period are left out (and counted), and a long series is
 * down-sampled by LTTB on its first line, keeping the first, the last and every flagged reading (up to
 * `FLAGGED_POINTS` of them).
 */
export function trendChart(
  series: TrendSeries,
  options: { range?: TrendRange; now?: Date; maxPoints?: number; maxFlagged?: number } = {},
): TrendChartModel {
  const { range = 'all', now = new Date(), maxPoints = CHART_POINTS, maxFlagged = FLAGGED_POINTS } = options;
  const start = trendRangeStart(range, now);
  const from = start ? start.getTime() : Number.NEGATIVE_INFINITY;
  // Rows are oldest first: the period is a tail of them.
  const allTimes = timesOf(series);
  let first = 0;
  while (first < allTimes.length && allTimes[first]! < from) first++;
  const inRange = series.rows.slice(first);
  const points = inRange.map((r, i) => ({ x: allTimes[first + i]!, y: r.numbers[0] ?? 0 }));
  const flaggedAt = inRange.flatMap((r, i) => (r.flag ? [i] : []));
  // Thousands of flagged readings cannot each be seen on a small chart (nor sent cheaply): past the cap they
  // are down-sampled among themselves, and the chart says how many of them it draws.
  const mustKeep = new Set(
    flaggedAt.length <= maxFlagged
      ? flaggedAt
      : largestTriangleThreeBuckets(
          flaggedAt.map((i) => points[i]!),
          maxFlagged,
        ).map((j) => flaggedAt[j]!),
  );
  const kept = downSample(points, maxPoints, (i) => mustKeep.has(i)).map((i) => inRange[i]!);
  const earliest = inRange[0];
  const latest = inRange[inRange.length - 1];
  return {
    key: series.key,
    label: series.label,
    ...(series.unit !== undefined ? { unit: series.unit } : {}),
    ...(series.low !== undefined ? { low: series.low } : {}),
    ...(series.high !== undefined ? { high: series.high } : {}),
    lines: series.lines.map((line, index) => ({
      label: line.label,
      points: kept
        .filter((r) => r.numbers[index] !== undefined)
        .map((r) => ({
          date: r.date as string,
          value: r.numbers[index] as number,
          ...(r.flag ? { flagged: true as const } : {}),
        })),
    })),
    range,
    ...(start ? { from: start.toISOString() } : earliest?.date ? { from: earliest.date } : {}),
    ...(start ? { to: now.toISOString() } : latest?.date ? { to: latest.date } : {}),
    allReadings: series.rows.length,
    readings: inRange.length,
    shown: kept.length,
    flagged: flaggedAt.length,
    flaggedShown: kept.filter((r) => r.flag).length,
    ...(earliest ? { first: { date: earliest.date } } : {}),
    ...(latest ? { latest: { date: latest.date, value: latest.value } } : {}),
  };
}
