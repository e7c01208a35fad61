// Calendar days and clock times as UK clinicians mean them ("today's appointments", "admitted at 15:05"): in
// Europe/London, whatever the computer's own time zone. The sandbox seeds its appointments with these and the
// app searches with them; times an instant is shown at are UK wall-clock times (BST in summer), never UTC.
import { axisDate, formatDate, formatDateTime } from './summary/dates';

const TIME_ZONE = 'Europe/London';

let clockFormat: Intl.DateTimeFormat | undefined;
/** A date-time that names its instant: a time and then Z or an offset. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;
const MINUTE = 60_000;
const DAY = 86_400_000;

/** The wall clock in Wessex at an instant, as two-digit (four for the year) strings. */
export interface UkWallClock {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
}

/** Makes the one time-zone formatter ahead of need: it costs tens of milliseconds (the screen calls this when idle). */
export function prepareUkFormats(): void {
  clockFormat ??= new Intl.DateTimeFormat('en-GB', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
}

export function ukWallClock(instant: number | Date): UkWallClock {
  prepareUkFormats();
  const part: Record<string, string> = {};
  for (const { type, value } of clockFormat!.formatToParts(instant)) part[type] = value;
  return { year: part.year!, month: part.month!, day: part.day!, hour: part.hour!, minute: part.minute! };
}

/** Minutes UK time is ahead of UTC at an instant (0 in winter, 60 in summer). */
function ukOffsetMinutes(instant: number, c = ukWallClock(instant)): number {
  const wallClock = Date.parse(`${c.year}-${c.month}-${c.day}T${c.hour}:${c.minute}Z`);
  return Math.round((wallClock - Math.floor(instant / MINUTE) * MINUTE) / MINUTE);
}

/**
 * The UK zone an instant's wall clock is in: "GMT" in winter, "BST" in summer. From the offset itself (not the
 * locale's names for it), so every process says the same.
 */
export function ukZoneAt(instant: number | Date, clock = ukWallClock(instant)): string {
  return zoneName(ukOffsetMinutes(Number(instant), clock));
}

/** The Europe/London calendar date of an instant, as YYYY-MM-DD. */
export function londonDate(at: Date): string {
  const c = ukWallClock(at);
  return `${c.year}-${c.month}-${c.day}`;
}

/** The instant of a London wall-clock time on a date: ("2025-06-01", "09:30") → "2025-06-01T09:30:00+01:00". */
export function londonInstant(date: string, time: string): string {
  const offset = ukOffsetMinutes(Date.parse(`${date}T12:00:00Z`));
  const hours = String(Math.floor(offset / 60)).padStart(2, '0');
  const minutes = String(offset % 60).padStart(2, '0');
  return `${date}T${time}:00+${hours}:${minutes}`;
}

/**
 * An instant as the clock in Wessex showed it, with the zone, so it is unambiguous in summer and in the hour
 * the clocks go back: "1 Jul 2026, 15:05 BST" for 2026-07-01T14:05:00Z, "1 Dec 2026, 08:10 GMT". A value without a
 * time or without a zone (a date, a local time as recorded) is shown as recorded; stored values stay ISO.
 */
export function formatUkDateTime(value: string | undefined): string {
  const instant = instantOf(value);
  if (Number.isNaN(instant)) return formatDateTime(value);
  const c = ukWallClock(instant);
  return `${formatDateTime(`${c.year}-${c.month}-${c.day}T${c.hour}:${c.minute}`)} ${ukZoneAt(instant, c)}`;
}

/**
 * The UK calendar date of an instant, where only the day is meant ("saved 1 July 2026"): 2026-06-30T23:30:00Z is
 * "1 July 2026", the day it was in Wessex. A date, or a time without a zone, is shown as recorded.
 */
export function formatUkDate(value: string | undefined): string {
  const instant = instantOf(value);
  return formatDate(Number.isNaN(instant) ? value : londonDate(new Date(instant)));
}

/** A chart axis date for an instant, by the UK calendar (see axisDate): the day it was in Wessex, not in UTC. */
export function ukAxisDate(instant: number, spanMs: number): string {
  return axisDate(londonDate(new Date(instant)), spanMs / DAY);
}

/**
 * An instant (a time with Z or an offset) as UTC ISO text, so that instants written with different offsets
 * compare as text in the order they happened; undefined for a date alone or a time without a zone.
 */
export function utcInstantText(value: string | undefined): string | undefined {
  const instant = instantOf(value);
  return Number.isNaN(instant) ? undefined : new Date(instant).toISOString();
}

/** The instant a value names (a time with Z or an offset); NaN for anything else. */
function instantOf(value: string | undefined): number {
  return value && INSTANT.test(value) ? Date.parse(value) : NaN;
}

function zoneName(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'GMT';
  if (offsetMinutes === 60) return 'BST';
  const hours = String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, '0');
  const minutes = String(Math.abs(offsetMinutes) % 60).padStart(2, '0');
  return `UTC${offsetMinutes < 0 ? '-' : '+'}${hours}:${minutes}`;
}
