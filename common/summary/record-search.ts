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

export class RecordSearch {
  private haystack?: string[];

  constructor(private readonly items: readonly RecordItem[]) {}

  /** The index, made while the clinician reads the summary (or on the first search, if that comes first). */
  prepare(): string[] {
    return (this.haystack ??= this.items.map(words));
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
