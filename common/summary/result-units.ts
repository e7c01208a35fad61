// Results as clinicians write them: UCUM codes turned into everyday units, numbers to a sensible precision,
// and, where the source gave no range or flag, the bands clinicians use anyway (eGFR CKD stages, NEWS2
// vital-sign bands), always marked as derived here.
import { lookup } from '../json';

/** UCUM as sent → as written on a results sheet. */
const UNIT_WORDS: Record<string, string> = {
  Cel: '°C',
  '[degF]': '°F',
  'mm[Hg]': 'mmHg',
  '10*9/L': '×10⁹/L',
  '10*12/L': '×10¹²/L',
  '10*6/uL': '×10⁶/µL',
  '10*3/uL': '×10³/µL',
  umol: 'µmol',
  ug: 'µg',
  uL: 'µL',
  m2: 'm²',
  '[in_i]': 'in',
  '[lb_av]': 'lb',
  '[iU]': 'IU',
};

/** Units already written out: a record uses a few dozen, thousands of times each. */
const prettyUnits = new Map<string, string | undefined>();

/** "mL/min/{1.73_m2}" → "mL/min/1.73m²", "{score}" → "", "Cel" → "°C", "umol/L" → "µmol/L". */
export function prettyUnit(unit: string | undefined): string | undefined {
  if (typeof unit !== 'string' || !unit) return undefined;
  if (prettyUnits.has(unit)) return prettyUnits.get(unit);
  const pretty = writeUnit(unit);
  // Bounded: a hostile record cannot grow it for ever.
  if (prettyUnits.size < 1_000) prettyUnits.set(unit, pretty);
  return pretty;
}

function writeUnit(unit: string): string | undefined {
  const whole = lookup(UNIT_WORDS, unit);
  if (whole) return whole;
  const text = unit
    // Annotations: a leading one standing for a count ("{beats}/min") goes; one naming a body surface stays.
    .replace(/\{1\.73_?m2\}/g, '1.73m²')
    .replace(/\{[^}]*\}/g, '')
    .split('/')
    .map((part) => lookup(UNIT_WORDS, part) ?? part.replace(/m2$/, 'm²').replace(/^u(?=[gLm])/, 'µ'))
    .join('/');
  return text.trim() || undefined;
}

/** Vital signs and common tests are written to these decimals; otherwise by size (no false precision). */
export function formatResultNumber(value: number, decimals?: number): string {
  const places = decimals ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return String(Number(value.toFixed(places)));
}

export type DerivedFlag = { flag: 'high' | 'low' | 'critical'; note: string };

const EGFR = new Set(['33914-3', '62238-1', '69405-9', '48642-3', '48643-1', '50044-7', '1011481000000105']);
const SPO2 = new Set(['59408-5', '2708-6', '431314004', '103228002']);
const RESP_RATE = new Set(['9279-1', '86290005']);
const PULSE = new Set(['8867-4', '78564009', '364075005']);
const TEMPERATURE = new Set(['8310-5', '8331-1', '386725007', '276885007']);

/** Decimals for tests written to a fixed precision (mmHg, beats and breaths per minute, %, °C). */
export function decimalsFor(codes: readonly string[], unit: string | undefined): number | undefined {
  if (unit === 'mm[Hg]' || unit === 'mmHg') return 0;
  if (codes.some((c) => SPO2.has(c) || RESP_RATE.has(c) || PULSE.has(c) || EGFR.has(c))) return 0;
  if (codes.some((c) => TEMPERATURE.has(c))) return 1;
  return undefined;
}

function news2(score: number, value: number, normalLow: number): DerivedFlag | undefined {
  if (score === 0) return undefined;
  const flag = score === 3 ? 'critical' : value < normalLow ? 'low' : 'high';
  return { flag, note: `NEWS2 ${score} (derived)` };
}

/** A flag the source did not give, from the bands clinicians use for this test; undefined when none apply. */
export function derivedFlag(codes: readonly string[], value: number): DerivedFlag | undefined {
  const is = (set: Set<string>) => codes.some((c) => set.has(c));
  if (is(EGFR)) {
    if (value >= 60) return undefined;
    const stage = value < 15 ? 'G5' : value < 30 ? 'G4' : value < 45 ? 'G3b' : 'G3a';
    return { flag: value < 30 ? 'critical' : 'low', note: `CKD ${stage} (derived)` };
  }
  if (is(SPO2)) {
    const score = value <= 91 ? 3 : value <= 93 ? 2 : value <= 95 ? 1 : 0;
    return news2(score, value, 96);
  }
  if (is(RESP_RATE)) {
    const score = value <= 8 || value >= 25 ? 3 : value >= 21 ? 2 : value <= 11 ? 1 : 0;
    return news2(score, value, 12);
  }
  if (is(PULSE)) {
    const score = value <= 40 || value >= 131 ? 3 : value >= 111 ? 2 : value <= 50 || value >= 91 ? 1 : 0;
    return news2(score, value, 51);
  }
  if (is(TEMPERATURE)) {
    const score = value <= 35 ? 3 : value >= 39.1 ? 2 : value <= 36 || value >= 38.1 ? 1 : 0;
    return news2(score, value, 36.1);
  }
  return undefined;
}
