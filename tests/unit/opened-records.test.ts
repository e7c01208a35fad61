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

  it('stops reading a whole saved copy when a newer open of the patient begins, and starts no other', async () => {
    const opened = new OpenedRecords();
    const summary = { ...frailRecord(), offline: { asOf: '2026-11-30T08:00:00Z' } };
    const reads: AbortSignal[] = [];
    // A read of the whole saved copy that goes on until it is stopped, as a long one would.
    const readWhole = (signal: AbortSignal) => {
      reads.push(signal);
      return new Promise<typeof summary>((_, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason as Error));
      });
    };
    opened.begin(NHS, 'offline');
    const kept = opened.set(NHS, 'offline', summary, readWhole);
    const reading = kept.whole();
    // The same open beginning again does not stop its own read.
    opened.begin(NHS, 'offline');
    expect(reads[0]!.aborted).toBe(false);
    // The clinician opens the patient again (a refresh once back in signal): the old read is not wanted.
    opened.begin(NHS, 'refresh');
    await expect(reading).rejects.toThrow(/opened again/);
    expect(reads[0]!.aborted).toBe(true);
    // Pages the old screen asked for meanwhile start no new read to compete with the newer open.
    await expect(kept.whole()).rejects.toThrow(/opened again/);
    expect(reads).toHaveLength(1);
    const refreshed = frailRecord();
    opened.set(NHS, 'refresh', refreshed);
    expect(await opened.whole(NHS)).toBe(refreshed);
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
