// Calendar days and clock times as UK clinicians mean them ("today's appointments", "admitted at 15:05"): in
// Europe/London, whatever the computer's own time zone. The sandbox seeds its appointments with these and the
// app searches with them; times an instant is shown at are UK wall-clock times (BST in summer), never UTC.
import { axisDate, formatDate, formatDateTime } from './summary/dates';

const TIME_ZONE = 'Europe/London';

let dayFormat: Intl.DateTimeFormat | undefined;
let clockFormat: Intl.DateTimeFormat | undefined;
/** A date-time that names its instant: a time and then Z or an offset. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;
const MINUTE = 60_000;
const DAY = 86_400_000;

/** The Europe/London calendar date of an instant, as YYYY-MM-DD. */
export function londonDate(at: Date): string {
  // Made on first use: a time-zone formatter costs tens of milliseconds at start-up.
  dayFormat ??= new Intl.DateTimeFormat('en-CA', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  return dayFormat.format(at);
}

/** The instant of a London wall-clock time on a date: ("2025-06-01", "09:30") → "2025-06-01T09:30:00+01:00". */
export function londonInstant(date: string, time: string): string {
  const noonUtc = new Date(`${date}T12:00:00Z`);
  const offset =
    new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, timeZoneName: 'longOffset' })
      .formatToParts(noonUtc)
      .find((p) => p.type === 'timeZoneName')
      ?.value.replace('GMT', '') || '+00:00';
  return `${date}T${time}:00${offset}`;
}

/**
 * An instant as the clock in Wessex showed it, with the zone, so it is unambiguous in summer and in the hour
 * the clocks go back: "1 Jul 2026, 15:05 BST" for 2026-07-01T14:05:00Z, "1 Dec 2026, 08:10 GMT". A value without a
 * time or without a zone (a date, a local time as recorded) is shown as recorded; stored values stay ISO.
 */
export function formatUkDateTime(value: string | undefined): string {
  const instant = instantOf(value);
  if (Number.isNaN(instant)) return formatDateTime(value);
  clockFormat ??= new Intl.DateTimeFormat('en-GB', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const part = Object.fromEntries(clockFormat.formatToParts(instant).map((p) => [p.type, p.value]));
  const wallClock = `${part.year}-${part.month}-${part.day}T${part.hour}:${part.minute}`;
  // The zone from the offset itself (not the locale's names for it), so every process says the same.
  const offset = Math.round((Date.parse(`${wallClock}Z`) - Math.floor(instant / MINUTE) * MINUTE) / MINUTE);
  return `${formatDateTime(wallClock)} ${zoneName(offset)}`;
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
