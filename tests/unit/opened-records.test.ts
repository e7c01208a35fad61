// The record a screen pages through is the one it is waiting for: an earlier open that finishes later (a slow
// live open abandoned for the saved copy) never replaces it.
import { describe, expect, it, vi } from 'vitest';
import { OpenedRecords } from '../../main/services/features/opened-records';
import { frailRecord } from './summary-fixture';

const NHS = '9434765919';
const NEXT_PATIENT = '9990000018';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

  it('sets a record aside when another patient is opened: its lists are made when asked for, not in the background', async () => {
    const opened = new OpenedRecords();
    opened.begin(NHS, 'first');
    const first = opened.set(NHS, 'first', frailRecord());
    const preparedFirst = vi.spyOn(first.lists, 'prepareResultRows');
    // The clinician moves on to the next patient before the first record's lists were made ready.
    opened.begin(NEXT_PATIENT, 'next');
    await sleep(50);
    expect(preparedFirst).not.toHaveBeenCalled();
    // The first record's screen still gets its pages.
    expect(await opened.whole(NHS)).toBe(first.record);
    expect(first.lists.resultRows(0, 5).length).toBeGreaterThan(0);
    // An open that finishes only after the next patient's open began is set aside as well.
    opened.begin(NHS, 'slow');
    opened.begin(NEXT_PATIENT, 'next again');
    const slow = opened.set(NHS, 'slow', frailRecord());
    const preparedSlow = vi.spyOn(slow.lists, 'prepareResultRows');
    await sleep(50);
    expect(preparedSlow).not.toHaveBeenCalled();
    // Opened again, it is made ready as any open is.
    opened.begin(NHS, 'again');
    const again = opened.set(NHS, 'again', frailRecord());
    const preparedAgain = vi.spyOn(again.lists, 'prepareResultRows');
    await sleep(50);
    expect(preparedAgain).toHaveBeenCalledTimes(1);
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
