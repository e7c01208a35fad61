import type { RecordItem } from '../record';

/** Distinct source names that hold an item, in the order the engine listed them. */
export function sourceNames(item: RecordItem): string[] {
  const [only, ...more] = item.provenance;
  if (only && !more.length) return [only.sourceName];
  return [...new Set(item.provenance.map((p) => p.sourceName))];
}

/** "Dorset Care Record and CHIE" */
export function sourceList(item: RecordItem): string {
  const names = sourceNames(item);
  if (names.length <= 1) return names[0] ?? 'unknown source';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

// One collator for every comparison: localeCompare looks one up per call, and sorts make thousands.
const displayCollator = new Intl.Collator();

/** Text order as the clinician's locale sorts it. */
export const compareText = (a: string, b: string): number => displayCollator.compare(a, b);

/** Display text order, for ties between entries of the same date. */
export function byDisplay<T extends { display?: string }>(a: T, b: T): number {
  return compareText(a.display ?? '', b.display ?? '');
}

/** Newest first by clinical date; undated items last, ties kept stable by display text. */
export function newestFirst<T extends { date?: string; display?: string }>(a: T, b: T): number {
  const ta = a.date ? Date.parse(a.date) : Number.NEGATIVE_INFINITY;
  const tb = b.date ? Date.parse(b.date) : Number.NEGATIVE_INFINITY;
  const da = Number.isFinite(ta) ? ta : Number.NEGATIVE_INFINITY;
  const db = Number.isFinite(tb) ? tb : Number.NEGATIVE_INFINITY;
  if (da !== db) return db - da;
  return byDisplay(a, b);
}
