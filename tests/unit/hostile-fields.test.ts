// A hostile or careless source sends fields of the wrong type (a number for a code, an object for a text, a
// list for a concept, nulls inside lists). The engine keeps such resources; whatever the screen and the
// handover are made from them must then be made without throwing, and what is shown as text is text (never an
// object React cannot render, never "[object Object]"). Every sandbox patient's resources, with fields swapped
// for wrong ones at random (a fixed seed: the same swaps every run).
import { describe, expect, it } from 'vitest';
import { emptyRecord, SECTION_ORDER, type RecordItem } from '../../common/record';
import {
  buildSummary,
  recordLists,
  recordOverview,
  shownResultRow,
  TREND_CHARTS,
} from '../../common/summary';
import { RecordMerger } from '../../main/services/record/merge';
import { formatRecordSummary } from '../../main/services/record/text-summary';
import { generateSandboxPatients } from '../../sandbox/patients';
import { rowFromItem } from '../../renderer/src/views/documentRows';

const ROUNDS = 12;
const WRONG: unknown[] = [7, 'text', { a: 1 }, [1, 'x'], null, true, [null], { coding: 'x', text: {} }];
/** Kept as they are: without them the engine would not take the resource for this patient at all. */
const KEPT = new Set(['resourceType', 'id', 'subject', 'patient']);

function randomFrom(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function withWrongFields(value: unknown, random: () => number, top = true): unknown {
  if (Array.isArray(value)) return value.map((v) => withWrongFields(v, random, false));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [
      key,
      (top && KEPT.has(key)) || random() >= 0.25
        ? withWrongFields(field, random, false)
        : WRONG[Math.floor(random() * WRONG.length)],
    ]),
  );
}

/** Fields the screen shows as text: never an object wherever they appear in what the screen is given. */
const TEXT_FIELDS = new Set([
  'name',
  'text',
  'substance',
  'reaction',
  'severity',
  'relationship',
  'organisation',
  'role',
  'value',
  'range',
  'dosage',
  'conflict',
  'started',
  'lastIssued',
  'quantity',
  'supply',
  'by',
  'source',
  'reason',
  'unit',
  'derived',
  'dial',
  'use',
  'title',
  'description',
  'heldBy',
  'narrative',
  'type',
]);
/** Raw entries carried along for reference: not shown as they are. */
const RAW = new Set(['item', 'items', 'resource', 'bySection', 'provenance', 'code']);

function wrongText(model: unknown, path = ''): string[] {
  if (Array.isArray(model)) return model.flatMap((v, i) => wrongText(v, `${path}[${i}]`));
  if (typeof model === 'string') return model.includes('[object Object]') ? [path] : [];
  if (!model || typeof model !== 'object') return [];
  return Object.entries(model).flatMap(([key, value]) => {
    if (RAW.has(key)) return [];
    // What React cannot render: an object or list where text (or a number) belongs.
    if (TEXT_FIELDS.has(key) && typeof value === 'object' && value !== null) return [`${path}.${key}`];
    return wrongText(value, `${path}.${key}`);
  });
}

const { patients } = generateSandboxPatients();

describe('fields of the wrong type from a source', () => {
  it.each(patients.map((p) => p.key))(
    '%s: summary, lists and handover are made, and their text is text',
    (key) => {
      const patient = patients.find((p) => p.key === key)!;
      const random = randomFrom(patients.indexOf(patient) + 1);
      for (let round = 0; round < ROUNDS; round++) {
        const merger = new RecordMerger();
        const swapped = (resources: readonly unknown[]) =>
          resources.map((r) => withWrongFields(r, random)) as never;
        merger.add({ id: 'dcr', name: 'Dorset Care Record', server: 'http://dcr' }, swapped(patient.dcr));
        merger.add({ id: 'chie', name: 'CHIE', server: 'http://chie' }, swapped(patient.chie));
        const items: RecordItem[] = merger.entries().map((e) => merger.toItem(e));
        const record = { ...emptyRecord(), items };
        const lists = recordLists(record);
        const overview = recordOverview(record, lists);
        const shown = {
          summary: buildSummary(overview, new Date('2026-06-01T09:00:00Z')),
          results: lists.resultRows(0, 200).map(shownResultRow),
          timeline: lists.timeline().page({}, 0, 200),
          trends: lists.trendCharts('all', new Date('2026-06-01T09:00:00Z')).slice(0, TREND_CHARTS),
          panels: lists.panels(),
          search: lists.search().find('a', 50),
          documents: items.filter((i) => i.section === 'documents').map(rowFromItem),
        };
        expect(wrongText(shown), `round ${round}`).toEqual([]);
        expect(typeof formatRecordSummary(record)).toBe('string');
      }
    },
  );
});

/** Names every object has through its prototype: a lookup table read with one finds a built-in function. */
const BUILT_IN_NAMES = ['constructor', 'toString', '__proto__', 'valueOf', 'hasOwnProperty'];

/** Every text leaf (codes, units, types, and the resource type itself) may become a built-in's name. */
function withBuiltInNames(value: unknown, random: () => number, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => withBuiltInNames(v, random, key));
  if (typeof value === 'string')
    return key !== 'id' && key !== 'reference' && random() < 0.25
      ? BUILT_IN_NAMES[Math.floor(random() * BUILT_IN_NAMES.length)]
      : value;
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withBuiltInNames(v, random, k)]));
}

describe('codes, units and types named after built-ins', () => {
  it.each(patients.map((p) => p.key))('%s: every entry has a section and no text is a function', (key) => {
    const patient = patients.find((p) => p.key === key)!;
    const random = randomFrom(patients.indexOf(patient) + 101);
    const merger = new RecordMerger();
    const renamed = (resources: readonly unknown[]) =>
      resources.map((r) => withBuiltInNames(r, random)) as never;
    merger.add({ id: 'dcr', name: 'Dorset Care Record', server: 'http://dcr' }, renamed(patient.dcr));
    merger.add({ id: 'chie', name: 'CHIE', server: 'http://chie' }, renamed(patient.chie));
    const items: RecordItem[] = merger.entries().map((e) => merger.toItem(e));
    expect(items.filter((i) => !SECTION_ORDER.includes(i.section))).toEqual([]);
    const record = { ...emptyRecord(), items };
    const lists = recordLists(record);
    const shown = JSON.stringify({
      summary: buildSummary(recordOverview(record, lists), new Date('2026-06-01T09:00:00Z')),
      results: lists.resultRows(0, 200).map(shownResultRow),
      timeline: lists.timeline().page({}, 0, 200),
      documents: items.filter((i) => i.section === 'documents').map(rowFromItem),
      text: formatRecordSummary(record),
    });
    expect(shown).not.toMatch(/\[native code\]|function [A-Za-z]*\(/);
  });
});
