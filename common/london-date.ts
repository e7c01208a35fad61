// Calendar days as UK clinicians mean them ("today's appointments"): the date in Europe/London, whatever the
// computer's own time zone. The sandbox seeds its appointments with these and the app searches with them.
const TIME_ZONE = 'Europe/London';

let dayFormat: Intl.DateTimeFormat | undefined;

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
