import { describe, expect, it } from 'vitest';
import { offlineBanner } from '../../common/offline-banner';
import { parseOfflineQuery } from '../../main/services/cache/offline-search';
import { syntheticRecord } from '../../bench/lib/synthetic-record';

const record = (asOf: string) => ({ ...syntheticRecord(), offline: { asOf } });

describe('offline banner', () => {
  it('says when the record is from, in UK time, how old, and which sources it holds', () => {
    const banner = offlineBanner(record('2024-06-01T08:14:00Z'), new Date('2024-06-01T11:20:00Z'));
    expect(banner?.text).toBe('Offline — record as of 09:14 BST today (3 h old), sources: DCR ✓ CHIE ✓');
  });

  it('uses GMT in winter, "yesterday" across midnight, and a date further back', () => {
    expect(offlineBanner(record('2024-01-10T23:30:00Z'), new Date('2024-01-11T00:10:00Z'))?.text).toMatch(
      /^Offline — record as of 23:30 GMT yesterday \(40 min old\)/,
    );
    expect(offlineBanner(record('2024-03-30T23:30:00Z'), new Date('2024-03-31T02:20:00Z'))?.asOfText).toBe(
      '23:30 GMT yesterday',
    );
    expect(offlineBanner(record('2023-12-02T10:00:00Z'), new Date('2024-01-05T10:00:00Z'))?.text).toMatch(
      /as of 10:00 GMT on 2 December 2023 \(34 days old\)/,
    );
  });

  it('names the zone, so the hour the clocks go back (and a computer set to another zone) is not ambiguous', () => {
    const now = new Date('2024-10-27T09:00:00Z');
    expect(offlineBanner(record('2024-10-27T00:30:00Z'), now)?.asOfText).toBe('01:30 BST today');
    expect(offlineBanner(record('2024-10-27T01:30:00Z'), now)?.asOfText).toBe('01:30 GMT today');
  });

  it('marks sources that were partial or failed when the copy was made', () => {
    const r = record('2024-06-01T08:14:00Z');
    r.sources[1] = { ...r.sources[1]!, state: 'failed' };
    r.sources[0] = { ...r.sources[0]!, state: 'partial' };
    expect(offlineBanner(r, new Date('2024-06-01T08:20:00Z'))?.text).toBe(
      'Offline — record as of 09:14 BST today (6 min old), sources: DCR ⚠ CHIE ✗',
    );
  });

  it('is absent for a live record', () => {
    expect(offlineBanner(syntheticRecord(), new Date())).toBeUndefined();
  });
});

describe('offline search queries', () => {
  it('tells NHS numbers, dates of birth and names apart', () => {
    expect(parseOfflineQuery('943 476 5919')).toEqual({ kind: 'nhs-number', digits: '9434765919' });
    expect(parseOfflineQuery('1941-03-12')).toEqual({ kind: 'birth-date', date: '1941-03-12' });
    expect(parseOfflineQuery('31/02/1941')).toMatchObject({ kind: 'name' });
    expect(parseOfflineQuery('  ')).toBeUndefined();
    expect(parseOfflineQuery("O'Brien, Mary")).toEqual({ kind: 'name', words: ["o'brien", 'mary'] });
  });
});
