// Dates as NHS screens show them ("12 March 1941", "12 Mar 2024 14:05") and ages from a date of birth.
// Built by hand rather than with Intl so the output is identical in every process and locale.
export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

interface DateParts {
  year: number;
  month: number;
  day?: number;
  time?: string;
}

/** Parses FHIR date/dateTime/instant ("1941", "1941-03", "1941-03-12", "…T14:05:00Z"); undefined if malformed. */
function parts(value: string | undefined): DateParts | undefined {
  if (!value) return undefined;
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}))?)?)?/.exec(value);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = match[2] ? Number(match[2]) : 0;
  if (month > 12) return undefined;
  const day = match[3] ? Number(match[3]) : undefined;
  if (day !== undefined && (day < 1 || day > 31)) return undefined;
  return { year, month, day, time: match[4] ? `${match[4]}:${match[5]}` : undefined };
}

/** "12 March 1941"; partial dates degrade ("March 1941", "1941"); unparseable input is returned as-is. */
export function formatDate(value: string | undefined): string {
  const p = parts(value);
  if (!p) return value ?? '';
  if (!p.month) return String(p.year);
  const month = MONTHS[p.month - 1] ?? '';
  return p.day ? `${p.day} ${month} ${p.year}` : `${month} ${p.year}`;
}

/**
 * "12 Mar 2024, 14:05": the clock time as written in the value, or the date alone when there is no time. An instant
 * is shown to people with formatUkDateTime (common/london-date), which converts it to UK time and names the zone.
 */
export function formatDateTime(value: string | undefined): string {
  const p = parts(value);
  if (!p) return value ?? '';
  if (!p.time || !p.day) return formatDate(value);
  return `${p.day} ${(MONTHS[p.month - 1] ?? '').slice(0, 3)} ${p.year}, ${p.time}`;
}

/**
 * A chart axis date as short as the chart's span allows: "2021", "Mar 2025" or "12 Mar", from a YYYY-MM-DD day
 * (which day an instant falls on in the UK is london-date's to say).
 */
export function axisDate(day: string, spanDays: number): string {
  const p = parts(day);
  if (!p?.month || !p.day) return day;
  if (spanDays > 3 * 365) return String(p.year);
  const month = (MONTHS[p.month - 1] ?? '').slice(0, 3);
  return spanDays > 120 ? `${month} ${p.year}` : `${p.day} ${month}`;
}

/** Whole years (or months under two, weeks under eight weeks) between birth and `now`. */
export function ageFrom(birthDate: string | undefined, now: Date): string | undefined {
  const p = parts(birthDate);
  if (!p || !p.month || !p.day) return undefined;
  const birth = Date.UTC(p.year, p.month - 1, p.day);
  if (birth > now.getTime()) return undefined;
  let years = now.getUTCFullYear() - p.year;
  const beforeBirthday =
    now.getUTCMonth() + 1 < p.month || (now.getUTCMonth() + 1 === p.month && now.getUTCDate() < p.day);
  if (beforeBirthday) years -= 1;
  if (years >= 2) return `${years} years`;
  const days = Math.floor((now.getTime() - birth) / 86_400_000);
  if (days < 56) return `${Math.floor(days / 7)} weeks`;
  let months = (now.getUTCFullYear() - p.year) * 12 + (now.getUTCMonth() + 1 - p.month);
  if (now.getUTCDate() < p.day) months -= 1;
  return `${months} months`;
}

/** "3 hours ago", "2 days ago": how old an offline copy is, in words. */
export function ageOfRecord(asOf: string, now: Date): string {
  const ms = now.getTime() - Date.parse(asOf);
  if (!Number.isFinite(ms)) return 'of unknown age';
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 1) return 'less than a minute old';
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'} old`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'} old`;
  const days = Math.floor(hours / 24);
  return `${days} days old`;
}

/** Sort key for ISO-ish dates; items without a date sort last in newest-first lists. */
export function dateKey(value: string | undefined): number {
  if (!value) return Number.NEGATIVE_INFINITY;
  const t = Date.parse(value.length === 4 ? `${value}-01-01` : value.length === 7 ? `${value}-01` : value);
  return Number.isFinite(t) ? t : Number.NEGATIVE_INFINITY;
}

/**
 * ISO dates newest first, compared as the strings they are (undated last): no parsing and no locale rules,
 * for sorts of thousands of entries.
 */
export function isoNewestFirst(a = '', b = ''): number {
  return a < b ? 1 : a > b ? -1 : 0;
}
