// Search within one opened record: every entry of every section, by its words (display text, code and code
// name, document titles) — all the words asked for, in any order, case and accents ignored.
import { str } from '../json';
import type { RecordItem } from '../record';
import { isoNewestFirst } from './dates';
import { sourceNames } from './provenance';

/** What a match shows: the entry's own fields, without its resource, and who holds it. */
export type SearchHit = Pick<
  RecordItem,
  'key' | 'section' | 'resourceType' | 'display' | 'date' | 'status'
> & {
  sources: string[];
};

// Accents are taken off only where there are any: most clinical text is plain ASCII, and normalising
// 20,000 entries' words costs more than searching them.
const fold = (text: string) =>
  /[^ -~]/.test(text)
    ? text
        .normalize('NFKD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase()
    : text.toLowerCase();

function words(item: RecordItem): string {
  const resource = item.resource as { description?: unknown; title?: unknown };
  const parts = [
    item.display,
    item.code?.code,
    item.code?.display,
    str(resource.description),
    str(resource.title),
  ];
  return fold(parts.filter(Boolean).join(' '));
}

/** Entries indexed in one slice of `prepareInSlices`: a few milliseconds of work. */
const ENTRIES_PER_SLICE = 2_000;

export class RecordSearch {
  /** Each entry's words, in the order of `items`; made up to `items.length`. */
  private readonly haystack: string[] = [];

  constructor(private readonly items: readonly RecordItem[]) {}

  /** The index, whole (what is not made yet is made now). */
  prepare(): string[] {
    this.indexUpTo(this.items.length);
    return this.haystack;
  }

  /**
   * Makes the index while the clinician reads the summary, a slice at a time, letting other work (a page or a
   * search asked for) through between slices; a search meanwhile finishes it.
   */
  async prepareInSlices(yieldNow: () => Promise<void>): Promise<void> {
    while (this.haystack.length < this.items.length) {
      this.indexUpTo(this.haystack.length + ENTRIES_PER_SLICE);
      await yieldNow();
    }
  }

  private indexUpTo(end: number): void {
    const last = Math.min(end, this.items.length);
    for (let i = this.haystack.length; i < last; i++) this.haystack.push(words(this.items[i]!));
  }

  /** The newest `limit` entries holding every word of the query, and how many there are in all. */
  find(query: string, limit: number): { total: number; hits: SearchHit[] } {
    const terms = fold(query).split(/\s+/).filter(Boolean);
    if (!terms.length) return { total: 0, hits: [] };
    const haystack = this.prepare();
    const found: RecordItem[] = [];
    for (let i = 0; i < haystack.length; i++) {
      const text = haystack[i]!;
      if (terms.every((t) => text.includes(t))) found.push(this.items[i]!);
    }
    found.sort((a, b) => isoNewestFirst(a.date, b.date));
    return { total: found.length, hits: found.slice(0, limit).map(hit) };
  }
}

function hit(item: RecordItem): SearchHit {
  return {
    key: item.key,
    section: item.section,
    resourceType: item.resourceType,
    display: item.display,
    ...(item.date ? { date: item.date } : {}),
    ...(item.status ? { status: item.status } : {}),
    sources: sourceNames(item),
  };
}
