// The record a screen pages through is the one it is waiting for: an earlier open that finishes later (a slow
// live open abandoned for the saved copy) never replaces it.
import { describe, expect, it } from 'vitest';
import { OpenedRecords } from '../../main/services/features/opened-records';
import { frailRecord } from './summary-fixture';

const NHS = '9434765919';

describe('opened records', () => {
  it('keeps the open the screen waits for when an earlier one finishes after it', async () => {
    const opened = new OpenedRecords();
    const live = frailRecord();
    const saved = { ...frailRecord(), offline: { asOf: '2026-11-30T08:00:00Z' } };
    opened.begin(NHS, 'live');
    opened.begin(NHS, 'saved');
    opened.set(NHS, 'saved', saved);
    opened.set(NHS, 'live', live);
    expect(opened.byRequest(NHS, 'saved')?.record).toBe(saved);
    expect(opened.byRequest(NHS, 'live')).toBeUndefined();
    expect(await opened.whole(NHS)).toBe(saved);
  });

  it('forgets everything when the session locks or ends', () => {
    const opened = new OpenedRecords();
    opened.begin(NHS, 'r1');
    opened.set(NHS, 'r1', frailRecord());
    opened.clear();
    expect(opened.byRequest(NHS, 'r1')).toBeUndefined();
    expect(opened.get(NHS)).toBeUndefined();
  });
});
