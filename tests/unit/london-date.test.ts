// Times shown to clinicians are UK wall-clock times (Europe/London), with the zone, never UTC.
import { describe, expect, it } from 'vitest';
import { formatUkDate, formatUkDateTime, ukAxisDate } from '../../common/london-date';
import { eventLine } from '../../main/cli/commands/watch';

describe('UK clock times', () => {
  it.each([
    ['a summer instant is BST, an hour ahead of UTC', '2026-07-01T14:05:00Z', '1 Jul 2026, 15:05 BST'],
    ['an instant given with its offset', '2026-07-01T15:05:00+01:00', '1 Jul 2026, 15:05 BST'],
    ['late evening UTC is the next day in summer', '2026-06-30T23:30:00.250Z', '1 Jul 2026, 00:30 BST'],
    ['a winter instant is GMT', '2026-12-01T08:10:00Z', '1 Dec 2026, 08:10 GMT'],
    ['a winter instant given in another offset', '2026-12-01T09:10:00+01:00', '1 Dec 2026, 08:10 GMT'],
    // The night the clocks go back has two 01:30s; the night they go forward has no 01:30.
    ['the first 01:30 as the clocks go back', '2026-10-25T00:30:00Z', '25 Oct 2026, 01:30 BST'],
    ['the second 01:30 as the clocks go back', '2026-10-25T01:30:00Z', '25 Oct 2026, 01:30 GMT'],
    ['the last minute before the clocks go forward', '2026-03-29T00:59:00Z', '29 Mar 2026, 00:59 GMT'],
    ['the first minute after they go forward', '2026-03-29T01:00:00Z', '29 Mar 2026, 02:00 BST'],
    ['a date alone, as recorded', '2026-07-01', '1 July 2026'],
    ['a time without a zone, as recorded', '2026-07-01T14:05', '1 Jul 2026, 14:05'],
    ['something unreadable, as it is', 'not a date', 'not a date'],
  ])('%s', (_case, value, shown) => {
    expect(formatUkDateTime(value)).toBe(shown);
  });

  it('shows nothing for no value', () => {
    expect(formatUkDateTime(undefined)).toBe('');
  });
});

describe('UK calendar dates of an instant', () => {
  it('gives the day it was in Wessex: late evening UTC in summer is already the next day', () => {
    expect(formatUkDate('2026-06-30T23:30:00Z')).toBe('1 July 2026');
    expect(formatUkDate('2026-07-01T00:30:00+01:00')).toBe('1 July 2026');
    expect(formatUkDate('2026-12-01T23:30:00Z')).toBe('1 December 2026');
  });

  it('leaves a date alone (a birth date is never shifted), and what it cannot read as it is', () => {
    expect(formatUkDate('1951-04-17')).toBe('17 April 1951');
    expect(formatUkDate('2026-06-30T23:30')).toBe('30 June 2026');
    expect(formatUkDate('not a date')).toBe('not a date');
    expect(formatUkDate(undefined)).toBe('');
  });
});

describe('trend chart axis dates', () => {
  const DAY = 86_400_000;
  it('labels a reading by the day it was in Wessex: 00:30 BST on 1 July is 1 July, not 30 June', () => {
    const at = Date.parse('2026-06-30T23:30:00Z');
    expect(ukAxisDate(at, 90 * DAY)).toBe('1 Jul');
    expect(ukAxisDate(Date.parse('2026-12-31T23:30:00Z'), 200 * DAY)).toBe('Dec 2026');
    expect(ukAxisDate(Date.parse('2025-12-31T23:30:00Z'), 4 * 365 * DAY)).toBe('2025');
    // 23:30 UTC on 31 August is already September in Wessex (British Summer Time).
    expect(ukAxisDate(Date.parse('2026-08-31T23:30:00Z'), 200 * DAY)).toBe('Sep 2026');
  });
});

describe('the watch command’s line for a caseload update', () => {
  it('says when in UK time, with the zone', () => {
    const line = eventLine(
      {
        id: 'dcr|Encounter/1|admitted',
        sourceId: 'dcr',
        sourceName: 'Dorset Care Record',
        nhsNumber: '9994625845',
        kind: 'admitted',
        at: '2026-07-01T14:05:00Z',
        receivedAt: '2026-07-01T14:06:00Z',
        where: 'Ward 7',
      },
      false,
    );
    expect(line).toBe('1 Jul 2026, 15:05 BST  Admitted  999 462 5845  Ward 7  (Dorset Care Record)');
  });
});
