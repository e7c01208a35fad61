// Results and vitals: one row per observation with its reference range and abnormal flag, and the
// repeated observations (blood pressure, HbA1c, eGFR, NEWS2, …) grouped into trend series for charts.
import type { Observation, Quantity } from '@medplum/fhirtypes';
import type { RecordItem } from '../record';
import { dateKey } from './dates';
import { compareText, sourceNames } from './provenance';
import { decimalsFor, derivedFlag, formatResultNumber, prettyUnit } from './result-units';

export type AbnormalFlag = 'high' | 'low' | 'abnormal' | 'critical';

export interface ResultRow {
  key: string;
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

const BP_PANEL = new Set(['85354-9', '55284-4', '75367002', '163020007']);
const SYSTOLIC = new Set(['8480-6', '271649006', '72313002', '163030003']);
const DIASTOLIC = new Set(['8462-4', '271650006', '1091811000000102', '163031004']);

function quantityText(q: Quantity | undefined, decimals?: number): string | undefined {
  if (q?.value === undefined) return undefined;
  const unit = prettyUnit(q.unit ?? q.code);
  return `${q.comparator ?? ''}${formatResultNumber(q.value, decimals)}${unit ? ` ${unit}` : ''}`;
}

function codes(resource: Observation): string[] {
  return (resource.code?.coding ?? []).map((c) => c.code ?? '').filter(Boolean);
}

function isBloodPressure(resource: Observation): boolean {
  return codes(resource).some((c) => BP_PANEL.has(c)) || /blood pressure/i.test(resource.code?.text ?? '');
}

function componentValue(resource: Observation, wanted: Set<string>, text: RegExp): number | undefined {
  const component =
    resource.component?.find((c) => c.code?.coding?.some((x) => wanted.has(x.code ?? ''))) ??
    resource.component?.find((c) => text.test(c.code?.text ?? c.code?.coding?.[0]?.display ?? ''));
  return component?.valueQuantity?.value;
}

function interpretationFlag(resource: Observation): AbnormalFlag | undefined {
  if (!resource.interpretation?.length) return undefined;
  const codesHere = (resource.interpretation ?? []).flatMap((i) => i.coding ?? []).map((c) => c.code ?? '');
  if (codesHere.some((c) => c === 'HH' || c === 'LL' || c === 'AA')) return 'critical';
  if (codesHere.includes('H') || codesHere.includes('HU')) return 'high';
  if (codesHere.includes('L') || codesHere.includes('LU')) return 'low';
  if (codesHere.includes('A')) return 'abnormal';
  return undefined;
}

function rangeFlag(value: number | undefined, low?: number, high?: number): AbnormalFlag | undefined {
  if (value === undefined) return undefined;
  if (high !== undefined && value > high) return 'high';
  if (low !== undefined && value < low) return 'low';
  return undefined;
}

/** One row for the results table; works for any item in the results section (reports have no value). */
export function resultRow(item: RecordItem): ResultRow {
  const sources = sourceNames(item);
  const base = { key: item.key, item, date: item.date, name: item.display, sources };
  if (item.resource.resourceType !== 'Observation') {
    return { ...base, value: item.status ?? '', numbers: [] };
  }
  const obs = item.resource;
  if (isBloodPressure(obs)) {
    const sys = componentValue(obs, SYSTOLIC, /systolic/i);
    const dia = componentValue(obs, DIASTOLIC, /diastolic/i);
    if (sys !== undefined && dia !== undefined) {
      const flag =
        sys >= 180 || dia >= 120 ? 'critical' : sys > 140 || dia > 90 ? 'high' : sys < 90 ? 'low' : undefined;
      return {
        ...base,
        value: `${formatResultNumber(sys, 0)}/${formatResultNumber(dia, 0)} mmHg`,
        numbers: [sys, dia],
        unit: 'mmHg',
        flag: interpretationFlag(obs) ?? flag,
      };
    }
  }
  const range = obs.referenceRange?.[0];
  const low = range?.low?.value;
  const high = range?.high?.value;
  const obsCodes = codes(obs);
  const decimals = decimalsFor(obsCodes, obs.valueQuantity?.code ?? obs.valueQuantity?.unit);
  const highUnit = prettyUnit(range?.high?.unit ?? range?.high?.code);
  const rangeText =
    range?.text ??
    (low !== undefined && high !== undefined
      ? `${formatResultNumber(low, decimals)}–${formatResultNumber(high, decimals)}${highUnit ? ` ${highUnit}` : ''}`
      : low !== undefined
        ? `≥ ${quantityText(range?.low, decimals)}`
        : high !== undefined
          ? `≤ ${quantityText(range?.high, decimals)}`
          : undefined);
  const number = obs.valueQuantity?.value;
  const value =
    quantityText(obs.valueQuantity, decimals) ??
    obs.valueString ??
    obs.valueCodeableConcept?.text ??
    obs.valueCodeableConcept?.coding?.[0]?.display ??
    (obs.valueInteger !== undefined ? String(obs.valueInteger) : undefined) ??
    (obs.valueBoolean !== undefined ? (obs.valueBoolean ? 'Yes' : 'No') : undefined) ??
    (obs.component?.length
      ? obs.component
          .map((c) =>
            `${c.code?.text ?? c.code?.coding?.[0]?.display ?? ''} ${quantityText(c.valueQuantity) ?? ''}`.trim(),
          )
          .join(', ')
      : 'No value recorded');
  const numeric = number ?? obs.valueInteger;
  const given = interpretationFlag(obs) ?? rangeFlag(numeric, low, high);
  // Bands clinicians use anyway, only where the source gave neither a flag nor a range.
  const derived =
    given || rangeText || numeric === undefined
      ? undefined
      : derivedFlag([...obsCodes, ...(item.code?.code ? [item.code.code] : [])], numeric);
  const unit = prettyUnit(obs.valueQuantity?.unit ?? obs.valueQuantity?.code);
  return {
    ...base,
    value,
    numbers: numeric === undefined ? [] : [numeric],
    ...(unit ? { unit } : {}),
    range: rangeText,
    flag: given ?? derived?.flag,
    ...(derived ? { derived: derived.note } : {}),
  };
}

function seriesKey(item: RecordItem): string {
  const obs = item.resource as Observation;
  if (obs.resourceType === 'Observation' && isBloodPressure(obs)) return 'blood-pressure';
  const coding = item.code ?? obs.code?.coding?.[0];
  return coding?.code ? `${coding.system ?? ''}|${coding.code}` : `text|${item.display.toLowerCase()}`;
}

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
 * Rows oldest first, each date parsed once. Rows from `resultRows` come newest first already: reversed, not
 * sorted (a series of 5,000 readings sorted by parsing dates in the comparator took most of the trends' time).
 */
function oldestFirst(rows: ResultRow[]): ResultRow[] {
  const keyed = rows.map((row) => ({ row, at: dateKey(row.date) }));
  // Strictly newest first only: rows of the same instant keep their order, as the stable sort keeps it.
  const newestFirst = keyed.every((k, i) => i === 0 || k.at < keyed[i - 1]!.at);
  if (newestFirst) return keyed.reverse().map((k) => k.row);
  return keyed.sort((a, b) => a.at - b.at).map((k) => k.row);
}

/** Every observation recorded at least twice with numbers becomes a trend series (oldest → newest). */
export function trendSeries(rows: ResultRow[]): TrendSeries[] {
  const groups = new Map<string, ResultRow[]>();
  for (const row of rows) {
    if (row.item.resource.resourceType !== 'Observation' || !row.numbers.length || !row.date) continue;
    const key = seriesKey(row.item);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  const series: TrendSeries[] = [];
  for (const [key, group] of groups) {
    if (group.length < 2) continue;
    const sorted = oldestFirst(group);
    const first = sorted[sorted.length - 1] as ResultRow;
    const bp = key === 'blood-pressure';
    const lineLabels = bp ? ['Systolic', 'Diastolic'] : [first.name];
    const lines = lineLabels.map((label, index) => ({
      label,
      points: sorted
        .filter((r) => r.numbers[index] !== undefined)
        .map((r) => ({ date: r.date as string, value: r.numbers[index] as number })),
    }));
    const obs = first.item.resource as Observation;
    series.push({
      key,
      label: bp ? 'Blood pressure' : first.name,
      unit: first.unit,
      low: bp ? undefined : obs.referenceRange?.[0]?.low?.value,
      high: bp ? undefined : obs.referenceRange?.[0]?.high?.value,
      lines,
      rows: sorted,
    });
  }
  return series.sort((a, b) => b.rows.length - a.rows.length || compareText(a.label, b.label));
}

/** More points than this cannot be told apart on a small chart: it shows the most recent ones. */
export const CHART_POINTS = 120;

/** What one trend chart draws: the newest points of a series, with how many readings there are in all. */
export interface TrendChartModel extends Omit<TrendSeries, 'rows'> {
  /** Readings in the whole series. */
  readings: number;
  /** Readings drawn (the newest `CHART_POINTS`). */
  shown: number;
  first?: { date?: string };
  latest?: { date?: string; value: string };
}

export function trendChart(series: TrendSeries, maxPoints = CHART_POINTS): TrendChartModel {
  const rows = series.rows.slice(-maxPoints);
  const first = rows[0];
  const latest = rows[rows.length - 1];
  return {
    key: series.key,
    label: series.label,
    ...(series.unit !== undefined ? { unit: series.unit } : {}),
    ...(series.low !== undefined ? { low: series.low } : {}),
    ...(series.high !== undefined ? { high: series.high } : {}),
    lines: series.lines.map((l) => ({ ...l, points: l.points.slice(-maxPoints) })),
    readings: series.rows.length,
    shown: rows.length,
    ...(first ? { first: { date: first.date } } : {}),
    ...(latest ? { latest: { date: latest.date, value: latest.value } } : {}),
  };
}
