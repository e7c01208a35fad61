// The "My caseload" sections from the watch's events, and when "nothing happened" may be said.
import { describe, expect, it } from 'vitest';
import type { CaseloadEvent, CaseloadWatchStatus } from '../../common/caseload-events';
import {
  caseloadOverview,
  everySourceComplete,
  everySourceConnected,
  quietPeriod,
} from '../../common/caseload-overview';

const NOW = new Date('2026-12-01T12:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();
let n = 0;
function event(nhsNumber: string, kind: CaseloadEvent['kind'], at: string): CaseloadEvent {
  n += 1;
  return {
    id: `dcr|Encounter/${n}|1`,
    sourceId: 'dcr',
    sourceName: 'Dorset Care Record',
    nhsNumber,
    kind,
    at,
    receivedAt: at,
  };
}

describe('caseload sections', () => {
  it('counts a patient in hospital until a later discharge or death, and keeps the last 7 days in the lists', () => {
    const events = [
      event('9990000018', 'admitted', daysAgo(10)),
      event('9990000026', 'admitted', daysAgo(3)),
      event('9990000026', 'discharged', daysAgo(1)),
      event('9990000034', 'admitted', daysAgo(2)),
      event('9990000042', 'admitted', daysAgo(2)),
      event('9990000042', 'died', daysAgo(1)),
      event('9990000050', 'ed-arrival', daysAgo(9)),
      event('9990000050', 'new-letter', daysAgo(1)),
      event('9990000069', 'new-activity', daysAgo(1)),
    ];
    const overview = caseloadOverview(events, NOW);
    expect(overview.inHospital.map((e) => e.nhsNumber).sort()).toEqual(['9990000018', '9990000034']);
    expect(overview.admittedOrDischarged.map((e) => `${e.nhsNumber} ${e.kind}`)).toEqual([
      '9990000026 discharged',
      '9990000034 admitted',
      '9990000042 admitted',
      '9990000026 admitted',
    ]);
    expect(overview.edAttendances).toEqual([]);
    expect(overview.newLetters.map((e) => e.nhsNumber)).toEqual(['9990000050']);
    expect(overview.otherUpdates.map((e) => e.kind).sort()).toEqual(['died', 'new-activity']);
  });

  it('says every source is connected only while watching with each one connected', () => {
    const status = (connected: boolean[], watching = true): CaseloadWatchStatus => ({
      watching,
      patients: 2,
      ignoredNotOnCaseload: 0,
      sources: connected.map((c, i) => ({
        sourceId: `s${i}`,
        sourceName: `Source ${i}`,
        mode: 'websocket',
        connected: c,
      })),
    });
    expect(everySourceConnected(status([true, true]))).toBe(true);
    expect(everySourceConnected(status([true, false]))).toBe(false);
    expect(everySourceConnected(status([]))).toBe(false);
    expect(everySourceConnected(status([true], false))).toBe(false);
  });

  it('says "nothing happened" only for the time the watch has run, up to 7 days', () => {
    const watching = (since?: string): CaseloadWatchStatus => ({
      watching: true,
      ...(since ? { watchingSince: since } : {}),
      patients: 1,
      ignoredNotOnCaseload: 0,
      sources: [],
    });
    expect(quietPeriod(watching('2026-12-01T08:02:00Z'), NOW)).toBe(
      'since you started watching (1 Dec 2026, 08:02 GMT)',
    );
    // In summer, UK time is BST: an hour ahead of the UTC the watch keeps.
    expect(quietPeriod(watching('2026-07-01T08:02:00Z'), new Date('2026-07-02T12:00:00Z'))).toBe(
      'since you started watching (1 Jul 2026, 09:02 BST)',
    );
    expect(quietPeriod(watching(daysAgo(8)), NOW)).toBe('in the last 7 days');
  });

  it('never says "nothing happened" while a connected source has missed updates it could not fetch', () => {
    const status = (incomplete?: string): CaseloadWatchStatus => ({
      watching: true,
      patients: 1,
      ignoredNotOnCaseload: 0,
      sources: [
        {
          sourceId: 'chie',
          sourceName: 'CHIE',
          mode: 'websocket',
          connected: true,
          ...(incomplete ? { incomplete } : {}),
        },
      ],
    });
    expect(everySourceComplete(status())).toBe(true);
    expect(everySourceComplete({ ...status(), unreadable: 1 })).toBe(false);
    expect(everySourceComplete(status('Some updates between 08:10 and 08:25 could not be fetched'))).toBe(
      false,
    );
  });
});
