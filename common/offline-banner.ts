// The banner shown over a record opened from the offline cache: when it is from, how old, which sources
// it holds. Pure and en-GB, in UK time (Europe/London), so the app, the CLI and the tests say the same thing.
import type { SourceStatus, WessexRecord } from './record';

export interface OfflineBannerSource {
  name: string;
  mark: '✓' | '⚠' | '✗';
  state: SourceStatus['state'];
}

export interface OfflineBannerModel {
  /** ISO instant the cached record was fetched. */
  asOf: string;
  /** "09:14 today", "17:40 yesterday", "09:14 on 3 June". */
  asOfText: string;
  /** "3 h old", "25 min old", "4 days old". */
  ageText: string;
  sources: OfflineBannerSource[];
  /** "Offline — record as of 09:14 today (3 h old), sources: DCR ✓ CHIE ✓" */
  text: string;
}

const TIME_ZONE = 'Europe/London';
const FORMATS = {
  time: { hour: '2-digit', minute: '2-digit' },
  day: { year: 'numeric', month: '2-digit', day: '2-digit' },
  date: { day: 'numeric', month: 'long' },
  dateYear: { day: 'numeric', month: 'long', year: 'numeric' },
} satisfies Record<string, Intl.DateTimeFormatOptions>;
const made = new Map<keyof typeof FORMATS, Intl.DateTimeFormat>();

/** Made on first use: a time-zone formatter costs tens of milliseconds, which every CLI start would pay. */
function ukFormat(name: keyof typeof FORMATS): Intl.DateTimeFormat {
  let format = made.get(name);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, ...FORMATS[name] });
    made.set(name, format);
  }
  return format;
}

/** Makes the formatters ahead of need (the screen calls this when idle, so an offline open does not wait). */
export function prepareUkFormats(): void {
  for (const name of Object.keys(FORMATS) as (keyof typeof FORMATS)[]) ukFormat(name);
}

/** Days since the epoch of the UK calendar date of an instant. */
function ukDayNumber(date: Date): number {
  const [day, month, year] = ukFormat('day').format(date).split('/').map(Number) as [number, number, number];
  return Date.UTC(year, month - 1, day) / 86_400_000;
}

export function formatAsOf(asOf: Date, now: Date): string {
  const time = ukFormat('time').format(asOf);
  const days = ukDayNumber(now) - ukDayNumber(asOf);
  if (days === 0) return `${time} today`;
  if (days === 1) return `${time} yesterday`;
  const sameYear = ukFormat('day').format(asOf).slice(-4) === ukFormat('day').format(now).slice(-4);
  return `${time} on ${ukFormat(sameYear ? 'date' : 'dateYear').format(asOf)}`;
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
