// The "My caseload" sections from the watch's events, and when "nothing happened" may be said.
import { describe, expect, it } from 'vitest';
import type { CaseloadEvent, CaseloadWatchStatus } from '../../common/caseload-events';
import { caseloadOverview, everySourceConnected } from '../../common/caseload-overview';

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
});
