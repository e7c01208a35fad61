import type { Provenance, RecordItem } from '../record';

const LISTED_IN = 'also listed in ';

/**
 * A source as an item's sources name it: "Dorset Care Record", or "also listed in Record locator" for a locator
 * that only points at the document another source holds (it holds no copy of its own).
 */
export function provenanceName(p: Provenance): string {
  return p.listedOnly ? `${LISTED_IN}${p.sourceName}` : p.sourceName;
}

/** Distinct source names that hold an item, in the order the engine listed them (listing locators last). */
export function sourceNames(item: RecordItem): string[] {
  const [only, ...more] = item.provenance;
  if (only && !more.length) return [provenanceName(only)];
  return [...new Set(item.provenance.map(provenanceName))];
}

/** The sources holding a copy of an item (not one that only lists it). */
export function holderNames(item: RecordItem): string[] {
  return [...new Set(item.provenance.filter((p) => !p.listedOnly).map((p) => p.sourceName))];
}

/**
 * Sources in words: "Dorset Care Record and CHIE"; a locator that only lists the document after them,
 * "Dorset Care Record, also listed in Record locator".
 */
export function sourcesText(names: readonly string[]): string {
  const holders = names.filter((n) => !n.startsWith(LISTED_IN));
  const listed = names.filter((n) => n.startsWith(LISTED_IN));
  const held =
    holders.length <= 1
      ? (holders[0] ?? '')
      : `${holders.slice(0, -1).join(', ')} and ${holders[holders.length - 1]}`;
  return [held, ...listed].filter(Boolean).join(', ') || 'unknown source';
}

/** "Dorset Care Record and CHIE" */
export function sourceList(item: RecordItem): string {
  return sourcesText(sourceNames(item));
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
