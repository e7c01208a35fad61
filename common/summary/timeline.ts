// One chronological view of the record: encounters, results, documents, medicines started and stopped, and
// problems, newest first and grouped by month, filtered by source, type and date range. Built once per opened
// record (main holds it: a large record has 20,000 entries) and cut into pages for the screen.
import type { Provenance, RecordCompleteness, RecordItem, SectionId } from '../record';
import { formatDate, isoNewestFirst } from './dates';
import { splitMedications, stopsText } from './medications';
import { resultRow } from './observations';
import { sectionNotice } from './completeness';
import { SECTION_TITLES } from './summary-model';

export const TIMELINE_KINDS = [
  'encounter',
  'result',
  'document',
  'medication-started',
  'medication-stopped',
  'problem',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export const TIMELINE_KIND_LABELS: Record<TimelineKind, string> = {
  encounter: 'Encounter',
  result: 'Result',
  document: 'Document',
  'medication-started': 'Medication started',
  'medication-stopped': 'Medication stopped',
  problem: 'Problem',
};

/** The record section each kind of entry comes from (whose completeness the timeline must admit to). */
export const TIMELINE_KIND_SECTIONS: Record<TimelineKind, SectionId> = {
  encounter: 'encounters',
  result: 'results',
  document: 'documents',
  'medication-started': 'medications',
  'medication-stopped': 'medications',
  problem: 'problems',
};

export interface TimelineEntry {
  type: 'entry';
  key: string;
  kind: TimelineKind;
  date?: string;
  what: string;
  /** A result's value and flag, a medicine's dose or stop reason, an entry's status. */
  detail?: string;
  provenance: Provenance[];
}

/** The heading of one month's entries ("November 2026"), or of the undated ones. */
export interface TimelineMonth {
  type: 'month';
  key: string;
  label: string;
  count: number;
}

export type TimelineRow = TimelineEntry | TimelineMonth;

export interface TimelineFilter {
  /** Every kind when absent. */
  kinds?: readonly TimelineKind[];
  /** Source ids: entries any of them holds. Every source when absent. */
  sources?: readonly string[];
  /** Inclusive ISO dates (YYYY-MM-DD). Undated entries are left out while either is set. */
  from?: string;
  to?: string;
}

export interface TimelinePage {
  /** Rows (month headings and entries) in the filtered timeline: what pages are cut from. */
  total: number;
  offset: number;
  rows: TimelineRow[];
  /** Entries in the filtered timeline. */
  entries: number;
  /** Undated entries left out because a date range is set. */
  undatedHidden: number;
}

/**
 * An entry before its page is asked for: a result's value is worked out only for the rows sent. Every field
 * is always set (undefined where absent), so the 20,000 of them share one shape and sort quickly.
 */
interface TimelineEvent {
  key: string;
  kind: TimelineKind;
  date: string | undefined;
  what: string;
  detail: string | undefined;
  item: RecordItem | undefined;
  provenance: Provenance[];
}

const FLAG_WORDS = { high: 'High', low: 'Low', abnormal: 'Abnormal', critical: 'Critical' } as const;

function itemEvent(kind: TimelineKind, item: RecordItem, detail?: string): TimelineEvent {
  return {
    key: item.key,
    kind,
    date: item.date,
    what: item.display,
    detail,
    item: kind === 'result' ? item : undefined,
    provenance: item.provenance,
  };
}

function medicineEvents(items: RecordItem[]): TimelineEvent[] {
  const { current, past } = splitMedications(items);
  return [...current, ...past].flatMap((row) => {
    const earliest = row.items[row.items.length - 1]?.date;
    const started = row.started ?? earliest;
    const events: TimelineEvent[] = [
      {
        key: `${row.item.key}:started`,
        kind: 'medication-started',
        date: started,
        what: row.name,
        detail: row.dosage,
        item: undefined,
        provenance: row.provenance,
      },
    ];
    row.stopped.forEach((stop, i) => {
      // `stop.source` names every source of the entry that records the stop ("DCR and CHIE").
      const names = stop.source.split(' and ');
      const provenance = row.provenance.filter((p) => names.includes(p.sourceName));
      events.push({
        key: `${row.item.key}:stopped:${i}`,
        kind: 'medication-stopped',
        date: stop.date,
        what: row.name,
        // The medicines' own words for one stop: "Stopped in CHIE on 12 August 2025: eGFR 28".
        detail: stopsText({ ...row, stopped: [stop] }),
        item: undefined,
        provenance: provenance.length ? provenance : row.provenance,
      });
    });
    return events;
  });
}

/** "2025-08" for grouping; the empty string for undated entries. */
const monthOf = (date: string | undefined) => (date ? date.slice(0, 7) : '');

function entryOf(event: TimelineEvent): TimelineEntry {
  let detail = event.detail;
  if (event.item) {
    const row = resultRow(event.item);
    // A band worked out here says which ("CKD G4 (derived)"); a flag the source gave is named.
    detail = `${row.value}${row.derived ? ` · ${row.derived}` : row.flag ? ` (${FLAG_WORDS[row.flag]})` : ''}`;
  }
  return {
    type: 'entry',
    key: event.key,
    kind: event.kind,
    ...(event.date ? { date: event.date } : {}),
    what: event.what,
    ...(detail ? { detail } : {}),
    provenance: event.provenance,
  };
}

interface Filtered {
  key: string;
  rows: (TimelineEvent | TimelineMonth)[];
  entries: number;
  undatedHidden: number;
}

export class Timeline {
  /** Every entry, newest first; undated last. */
  private readonly events: TimelineEvent[];
  private last?: Filtered;

  constructor(items: readonly RecordItem[]) {
    const events: TimelineEvent[] = [];
    const medicines: RecordItem[] = [];
    for (const item of items) {
      switch (item.section) {
        case 'encounters':
          events.push(itemEvent('encounter', item, item.status));
          break;
        case 'results':
          events.push(itemEvent('result', item));
          break;
        case 'documents':
          events.push(itemEvent('document', item, item.status));
          break;
        case 'problems':
          events.push(itemEvent('problem', item, item.status));
          break;
        case 'medications':
          medicines.push(item);
          break;
        default:
          break;
      }
    }
    events.push(...medicineEvents(medicines));
    events.sort((a, b) => isoNewestFirst(a.date, b.date));
    this.events = events;
  }

  /** Rows `offset`… of the timeline as filtered (the last filter's rows are kept for its next pages). */
  page(filter: TimelineFilter, offset: number, limit: number): TimelinePage {
    const filtered = this.filtered(filter);
    return {
      total: filtered.rows.length,
      offset,
      rows: filtered.rows.slice(offset, offset + limit).map((r) => ('type' in r ? r : entryOf(r))),
      entries: filtered.entries,
      undatedHidden: filtered.undatedHidden,
    };
  }

  private filtered(filter: TimelineFilter): Filtered {
    const key = JSON.stringify([filter.kinds, filter.sources, filter.from, filter.to]);
    if (this.last?.key === key) return this.last;
    const kinds = filter.kinds ? new Set(filter.kinds) : undefined;
    const sources = filter.sources ? new Set(filter.sources) : undefined;
    const ranged = !!(filter.from || filter.to);
    const rows: (TimelineEvent | TimelineMonth)[] = [];
    let entries = 0;
    let undatedHidden = 0;
    let heading: TimelineMonth | undefined;
    for (const event of this.events) {
      if (kinds && !kinds.has(event.kind)) continue;
      if (sources && !event.provenance.some((p) => sources.has(p.sourceId))) continue;
      if (ranged) {
        if (!event.date) {
          undatedHidden++;
          continue;
        }
        const day = event.date.slice(0, 10);
        if ((filter.from && day < filter.from) || (filter.to && day > filter.to)) continue;
      }
      const month = monthOf(event.date);
      if (!heading || heading.key !== `month:${month}`) {
        heading = {
          type: 'month',
          key: `month:${month}`,
          label: month ? formatDate(month) : 'Date not recorded',
          count: 0,
        };
        rows.push(heading);
      }
      heading.count++;
      rows.push(event);
      entries++;
    }
    return (this.last = { key, rows, entries, undatedHidden });
  }
}

export interface TimelineNotice {
  /** Every section the chosen kinds come from answered completely and is shown to this user, none held apart. */
  complete: boolean;
  /** One line per reason, naming the sections it applies to: "CHIE could not be checked: … (Encounters, Problems)". */
  lines: string[];
}

/**
 * What the timeline must admit to for the kinds shown: sections still loading, incomplete (which source and
 * why), withheld, not checked, or not available for this role. Never complete while any of them is.
 */
export function timelineNotice(
  completeness: RecordCompleteness,
  kinds: readonly TimelineKind[],
  options: {
    now: Date;
    hiddenSections?: readonly SectionId[];
    pendingSources?: string[];
    /** Names of sources held apart (their patient may be someone else): none of their entries are here. */
    heldApart?: readonly string[];
  },
): TimelineNotice {
  const sections = [...new Set(kinds.map((k) => TIMELINE_KIND_SECTIONS[k]))];
  const reasons = new Map<string, string[]>();
  const add = (reason: string, section: SectionId) => {
    const titles = reasons.get(reason) ?? [];
    reasons.set(reason, [...titles, SECTION_TITLES[section]]);
  };
  for (const section of sections) {
    if (options.hiddenSections?.includes(section)) {
      add('Not available for your role', section);
      continue;
    }
    const notice = sectionNotice(completeness[section], {
      empty: false,
      now: options.now,
      ...(options.pendingSources ? { pendingSources: options.pendingSources } : {}),
    });
    if (notice.complete) continue;
    if (notice.tone === 'incomplete') for (const line of notice.lines) add(line, section);
    else add([notice.heading, ...notice.lines].filter(Boolean).join(' '), section);
  }
  const apart = (options.heldApart ?? []).map(
    (name) =>
      `${name} is held apart (its patient may be someone else): none of its entries are on this timeline.`,
  );
  return {
    complete: reasons.size === 0 && apart.length === 0,
    lines: [
      ...[...reasons].map(([reason, titles]) => `${reason.replace(/\.$/, '')} (${titles.join(', ')}).`),
      ...apart,
    ],
  };
}
