// The banner shown over a record opened from the offline cache: when it is from, how old, which sources
// it holds. Pure and en-GB, in UK time (Europe/London), so the app, the CLI and the tests say the same thing.
import { ukWallClock, ukZoneAt, type UkWallClock } from './london-date';
import type { SourceStatus, WessexRecord } from './record';
import { MONTHS } from './summary/dates';

export interface OfflineBannerSource {
  name: string;
  mark: '✓' | '⚠' | '✗';
  state: SourceStatus['state'];
}

export interface OfflineBannerModel {
  /** ISO instant the cached record was fetched. */
  asOf: string;
  /** "09:14 BST today", "17:40 GMT yesterday", "09:14 BST on 3 June". */
  asOfText: string;
  /** "3 h old", "25 min old", "4 days old". */
  ageText: string;
  sources: OfflineBannerSource[];
  /** "Offline — record as of 09:14 BST today (3 h old), sources: DCR ✓ CHIE ✓" */
  text: string;
}

/** Days since the epoch of the UK calendar date of a wall clock. */
function dayNumber(c: UkWallClock): number {
  return Date.UTC(Number(c.year), Number(c.month) - 1, Number(c.day)) / 86_400_000;
}

export function formatAsOf(asOf: Date, now: Date): string {
  const then = ukWallClock(asOf);
  const today = ukWallClock(now);
  // With the zone: a computer set to another zone shows another time on its own clock, and the hour the
  // clocks go back happens twice.
  const time = `${then.hour}:${then.minute} ${ukZoneAt(asOf, then)}`;
  const days = dayNumber(today) - dayNumber(then);
  if (days === 0) return `${time} today`;
  if (days === 1) return `${time} yesterday`;
  const date = `${Number(then.day)} ${MONTHS[Number(then.month) - 1]}`;
  return `${time} on ${then.year === today.year ? date : `${date} ${then.year}`}`;
}

export function formatAge(asOf: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - asOf.getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min old`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h old`;
  return `${Math.floor(hours / 24)} days old`;
}

function mark(state: SourceStatus['state']): OfflineBannerSource['mark'] {
  if (state === 'complete') return '✓';
  if (state === 'partial') return '⚠';
  return '✗';
}

/** The banner for a record from the cache; undefined for a live record. */
export function offlineBanner(
  record: Pick<WessexRecord, 'offline' | 'sources'>,
  now: Date,
): OfflineBannerModel | undefined {
  if (!record.offline) return undefined;
  const asOf = new Date(record.offline.asOf);
  if (Number.isNaN(asOf.getTime())) return undefined;
  const sources = record.sources
    .filter((s) => s.kind !== 'locator' || s.state !== 'not-reached')
    .map((s) => ({ name: s.name, state: s.state, mark: mark(s.state) }));
  const asOfText = formatAsOf(asOf, now);
  const ageText = formatAge(asOf, now);
  const sourceText = sources.length ? sources.map((s) => `${s.name} ${s.mark}`).join(' ') : 'none';
  return {
    asOf: record.offline.asOf,
    asOfText,
    ageText,
    sources,
    text: `Offline — record as of ${asOfText} (${ageText}), sources: ${sourceText}`,
  };
}
