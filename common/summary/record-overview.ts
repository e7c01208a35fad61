// What the screen receives for an opened record: every section the summaries show in full, the newest few of
// each long list with its total, and the newest results rows. The long lists (results, encounters,
// procedures, appointments, other) come a page at a time over the bridge, so a record of 20,000 entries never
// crosses to the renderer whole (a 25 MB payload blocked its main thread for over a second).
import { CRITICAL_SECTIONS, screenGap, type RecordItem, type SectionId, type WessexRecord } from '../record';
import { dateKey } from './dates';
import {
  resultRow,
  shownResultRow,
  trendChart,
  trendSeries,
  type ResultRow,
  type ShownResultRow,
  type TrendChartModel,
  type TrendRange,
  type TrendSeries,
} from './observations';
import { RecordSearch } from './record-search';
import { resultPanels, type PanelGroup } from './result-panels';
import { Timeline } from './timeline';
import { hospitalActivity, type HospitalActivity } from './hospital-activity';
import { byDisplay } from './provenance';
import { medicineResourceForScreen } from './medications';

export const PAGED_SECTIONS = ['results', 'encounters', 'procedures', 'appointments', 'other'] as const;
export type PagedSection = (typeof PAGED_SECTIONS)[number];

/** How many of each long list's newest entries the overview carries (the full summary shows ten). */
export const OVERVIEW_NEWEST = 10;

/** A source held apart is for checking who the patient is: the screen lists its newest entries only. */
export const HELD_APART_SHOWN = 200;

/** The most rows one page request may return. */
export const MAX_PAGE_ROWS = 500;

export function isPagedSection(section: SectionId): section is PagedSection {
  return (PAGED_SECTIONS as readonly SectionId[]).includes(section);
}

export interface RecordOverview extends Omit<WessexRecord, 'items' | 'lists'> {
  /** Every entry of the sections shown in full; of each paged section, only its newest `OVERVIEW_NEWEST`. */
  items: RecordItem[];
  /**
   * How many entries each paged section holds in the record main has open (ask for pages of them). `atLeast`:
   * only the newest were read so far (an offline open answers with the summary first); the pages' own totals
   * are exact.
   */
  lists: Record<PagedSection, { total: number; atLeast?: true }>;
  /** The newest results rows (the full summary's "recent results"). */
  recentResults: ShownResultRow[];
  /** In hospital now, and admissions and ED attendances lately, from every encounter main holds. */
  hospital: HospitalActivity;
  /**
   * Urgent-care sections left out of `items` because this open's events carried exactly these entries last:
   * the screen keeps the ones it has rather than take in the same hundreds of medicines a second time.
   */
  sectionsAsSent?: SectionId[];
}

/** Whether a record on screen is the overview (long lists paged) or a whole record (tests, the CLI). */
export function isOverview(record: WessexRecord | RecordOverview): record is RecordOverview {
  return 'lists' in record && record.lists !== undefined;
}

/** The entries of a long section, newest first by clinical date (each date parsed once), then `tie`. */
export function sortedNewestFirst(
  items: RecordItem[],
  tie: (a: RecordItem, b: RecordItem) => number = byDisplay,
): RecordItem[] {
  const keyed = items.map((item) => ({ item, at: dateKey(item.date) }));
  keyed.sort((a, b) => b.at - a.at || tie(a.item, b.item));
  return keyed.map((k) => k.item);
}

/**
 * The whole record's long lists, sorted once, newest first: what pages are cut from. Results rows are made
 * only for the pages asked for (and all at once only for the flagged filter and the trends), so opening a
 * record of 20,000 results does not wait for 20,000 rows.
 */
/** Results rows made between two turns of other work when made ahead of need. */
const ROWS_PER_SLICE = 1_000;

/** The trend charts a results view shows at most (the most frequently recorded observations). */
export const TREND_CHARTS = 24;

export class RecordLists {
  readonly sections: Record<Exclude<PagedSection, 'results'>, RecordItem[]>;
  /** The results section's items in the results table's order (newest first, then by name). */
  readonly resultItems: RecordItem[];
  private readonly rows: (ResultRow | undefined)[] = [];
  private flaggedRows?: ResultRow[];
  private series?: TrendSeries[];
  private allDatesCharts?: TrendChartModel[];
  private searchIndex?: RecordSearch;
  private timelineEntries?: Timeline;
  private byTest?: Map<string, ResultRow[]>;
  private panelGroups?: PanelGroup[];

  constructor(private readonly record: Pick<WessexRecord, 'items'>) {
    const grouped = Object.fromEntries(PAGED_SECTIONS.map((s) => [s, [] as RecordItem[]])) as Record<
      PagedSection,
      RecordItem[]
    >;
    for (const item of record.items) if (isPagedSection(item.section)) grouped[item.section].push(item);
    this.sections = {
      encounters: sortedNewestFirst(grouped.encounters),
      procedures: sortedNewestFirst(grouped.procedures),
      appointments: sortedNewestFirst(grouped.appointments),
      other: sortedNewestFirst(grouped.other),
    };
    this.resultItems = sortedNewestFirst(grouped.results);
  }

  /**
   * Makes every results row ahead of need, a slice at a time, letting other work (a page asked for) through
   * between slices: a record of 20,000 results is a few hundred milliseconds of it.
   */
  async prepareResultRows(yieldNow: () => Promise<void>): Promise<void> {
    for (let offset = 0; offset < this.resultItems.length; offset += ROWS_PER_SLICE) {
      this.resultRows(offset, ROWS_PER_SLICE);
      await yieldNow();
    }
  }

  /** Results rows `offset`… (made now if not made before). */
  resultRows(offset: number, limit: number): ResultRow[] {
    const end = Math.min(offset + limit, this.resultItems.length);
    const rows: ResultRow[] = [];
    for (let i = offset; i < end; i++) rows.push((this.rows[i] ??= resultRow(this.resultItems[i]!)));
    return rows;
  }

  flagged(): ResultRow[] {
    return (this.flaggedRows ??= this.resultRows(0, this.resultItems.length).filter((r) => r.flag));
  }

  /** Search over the whole record (display text, codes, titles), made once. */
  search(): RecordSearch {
    return (this.searchIndex ??= new RecordSearch(this.record.items));
  }

  /** The whole record as one chronological list, made once. */
  timeline(): Timeline {
    return (this.timelineEntries ??= new Timeline(this.record.items));
  }

  trends(): TrendSeries[] {
    return (this.series ??= trendSeries(this.resultRows(0, this.resultItems.length)));
  }

  /**
   * The charts of the most frequently recorded tests for `range`. All dates (what a results view shows
   * first) does not depend on today, so it is worked out once and kept.
   */
  trendCharts(range: TrendRange, now: Date): TrendChartModel[] {
    const charts = () =>
      this.trends()
        .slice(0, TREND_CHARTS)
        .map((s) => trendChart(s, { range, now }));
    return range === 'all' ? (this.allDatesCharts ??= charts()) : charts();
  }

  /** Every reading of one test (`ResultRow.testKey`), newest first; empty for a test the record lacks. */
  history(testKey: string): ResultRow[] {
    if (!this.byTest) {
      this.byTest = new Map();
      for (const row of this.resultRows(0, this.resultItems.length)) {
        const rows = this.byTest.get(row.testKey);
        if (rows) rows.push(row);
        else this.byTest.set(row.testKey, [row]);
      }
    }
    return this.byTest.get(testKey) ?? [];
  }

  panels(): PanelGroup[] {
    return (this.panelGroups ??= resultPanels(this.resultRows(0, this.resultItems.length)));
  }
}

export function recordLists(record: Pick<WessexRecord, 'items'>): RecordLists {
  return new RecordLists(record);
}

/** An entry as the screen receives it: a medicine carries only the parts of its resource the summary reads. */
export function itemForScreen(item: RecordItem): RecordItem {
  return item.section === 'medications'
    ? { ...item, resource: medicineResourceForScreen(item.resource) }
    : item;
}

/** The urgent-care sections whose entries in `shown` are exactly those the events last carried (some). */
function sectionsAsSent(shown: RecordItem[], sent: ReadonlyMap<SectionId, RecordItem[]>): SectionId[] {
  return CRITICAL_SECTIONS.filter((section) => {
    const carried = sent.get(section);
    if (!carried?.length) return false;
    const here = shown.filter((i) => i.section === section);
    return carried.length === here.length && JSON.stringify(carried) === JSON.stringify(here);
  });
}

/**
 * `cut`: the long lists `record` holds only the newest entries of (their totals are lower bounds). `sent`: the
 * urgent-care sections' entries as this open's events last carried them, for a caller that keeps them.
 */
export function recordOverview(
  record: WessexRecord,
  lists: RecordLists,
  cut: readonly PagedSection[] = [],
  now = new Date(),
  sent?: ReadonlyMap<SectionId, RecordItem[]>,
): RecordOverview {
  const { items, ...rest } = record;
  const whole = items.filter((i) => !isPagedSection(i.section)).map(itemForScreen);
  const asSent = sent ? sectionsAsSent(whole, sent) : [];
  const shown = asSent.length ? whole.filter((i) => !asSent.includes(i.section)) : whole;
  for (const section of PAGED_SECTIONS) {
    if (section === 'results') shown.push(...lists.resultItems.slice(0, OVERVIEW_NEWEST));
    else shown.push(...lists.sections[section].slice(0, OVERVIEW_NEWEST));
  }
  const total = (s: PagedSection) => (s === 'results' ? lists.resultItems.length : lists.sections[s].length);
  return {
    ...rest,
    heldApart: rest.heldApart.map((apart) =>
      apart.items.length > HELD_APART_SHOWN
        ? {
            ...apart,
            items: sortedNewestFirst(apart.items).slice(0, HELD_APART_SHOWN),
            itemCount: apart.items.length,
          }
        : apart,
    ),
    items: shown,
    lists: Object.fromEntries(
      PAGED_SECTIONS.map((s) => [
        s,
        cut.includes(s) ? { total: total(s), atLeast: true } : { total: total(s) },
      ]),
    ) as RecordOverview['lists'],
    recentResults: lists.resultRows(0, OVERVIEW_NEWEST).map(shownResultRow),
    hospital: hospitalActivity(lists.sections.encounters, now),
    ...(asSent.length ? { sectionsAsSent: asSent } : {}),
  };
}

/**
 * The overview whole again, its `sectionsAsSent` filled in from the entries the events carried. A section the
 * caller no longer has is not shown as empty: it says the screen lost it.
 */
export function withSectionsAsSent(
  overview: RecordOverview,
  carried: (section: SectionId) => RecordItem[] | undefined,
): RecordOverview {
  const { sectionsAsSent, ...whole } = overview;
  if (!sectionsAsSent?.length) return overview;
  const completeness = { ...whole.completeness };
  const items = [...whole.items];
  for (const section of sectionsAsSent) {
    const kept = carried(section);
    if (kept) items.push(...kept);
    else
      completeness[section] = {
        state: 'incomplete',
        gaps: [screenGap('Not received by this screen: open the record again.')],
      };
  }
  return { ...whole, items, completeness };
}

/** An overview with nothing in it yet (progressive paint starts here). */
export function emptyLists(): RecordOverview['lists'] {
  return Object.fromEntries(PAGED_SECTIONS.map((s) => [s, { total: 0 }])) as RecordOverview['lists'];
}
