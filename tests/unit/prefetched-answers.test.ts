// What the record screen asks of main ahead of a click (the results view's charts and first rows): taken once by
// the view asking the same question, never handed to another record's view, never kept when it failed. The
// bridge (window.wessex, the preload's edge) is a recording stand-in.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeArgs, WessexBridge } from '../../preload/contract';
import {
  forgetPrefetched,
  invokePrefetched,
  prefetch,
  takeArrived,
} from '../../renderer/src/state/prefetched';

type Asked = {
  channel: string;
  args: unknown;
  answer: (value: unknown) => void;
  fail: (e: Error) => void;
  /** The promise main's answer settles: once it has, what the module chained on it has run. */
  settled: Promise<unknown>;
};
let asked: Asked[];

beforeEach(() => {
  asked = [];
  const invoke = (channel: string, args: unknown) => {
    let asking!: Omit<Asked, 'settled'>;
    const promise = new Promise((answer, fail) => (asking = { channel, args, answer, fail }));
    asked.push({ ...asking, settled: promise.catch(() => undefined) });
    return promise;
  };
  (globalThis as { window?: unknown }).window = { wessex: { invoke } as unknown as WessexBridge };
});
afterEach(() => {
  forgetPrefetched();
  delete (globalThis as { window?: unknown }).window;
});

const trends = (requestId: string): BridgeArgs<'record:trends'> => ({
  nhsNumber: '9000000009',
  requestId,
  range: 'all',
});
const TRENDS = { charts: [], total: 0 };
// Waiting on the answer itself, not on a timer: what the module chained on it earlier has run by then.
const settled = (a: Asked | undefined) => a!.settled;

describe('answers asked ahead of the results view', () => {
  it('are taken once, by a view asking the same question in any order; the next view asks main', async () => {
    prefetch('r1', 'record:trends', trends('r1'));
    expect(takeArrived('record:trends', trends('r1'))).toBeUndefined();
    asked[0]!.answer(TRENDS);
    await settled(asked[0]);
    const reordered = { range: 'all', requestId: 'r1', nhsNumber: '9000000009' } as const;
    expect(takeArrived('record:trends', reordered)).toBe(TRENDS);
    expect(takeArrived('record:trends', trends('r1'))).toBeUndefined();
    void invokePrefetched('record:trends', trends('r1'));
    expect(asked).toHaveLength(2);
  });

  it('are never handed to a question that differs, however deep the difference', async () => {
    const flagged = { ...trends('r1'), window: { from: '2026-01-01', flaggedOnly: true } };
    prefetch('r1', 'record:trends', flagged as BridgeArgs<'record:trends'>);
    asked[0]!.answer(TRENDS);
    await settled(asked[0]);
    const unflagged = { ...trends('r1'), window: { from: '2026-01-01', flaggedOnly: false } };
    expect(takeArrived('record:trends', unflagged as BridgeArgs<'record:trends'>)).toBeUndefined();
    expect(takeArrived('record:trends', trends('r1'))).toBeUndefined();
    const reordered = { window: { flaggedOnly: true, from: '2026-01-01' }, ...trends('r1') };
    expect(takeArrived('record:trends', reordered as BridgeArgs<'record:trends'>)).toBe(TRENDS);
  });

  it('hand a view the answer still on its way', async () => {
    prefetch('r1', 'record:trends', trends('r1'));
    const answer = invokePrefetched('record:trends', trends('r1'));
    expect(asked).toHaveLength(1);
    asked[0]!.answer(TRENDS);
    await expect(answer).resolves.toBe(TRENDS);
  });

  it('are let go when another record is opened, or the record screen closes', async () => {
    prefetch('r1', 'record:trends', trends('r1'));
    prefetch('r2', 'record:trends', trends('r2'));
    for (const a of asked) a.answer(TRENDS);
    await Promise.all(asked.map(settled));
    expect(takeArrived('record:trends', trends('r1'))).toBeUndefined();
    forgetPrefetched();
    expect(takeArrived('record:trends', trends('r2'))).toBeUndefined();
  });

  it('are not kept when main failed: the view asks again', async () => {
    prefetch('r1', 'record:trends', trends('r1'));
    asked[0]!.fail(new Error('This record is no longer open'));
    await settled(asked[0]);
    const again = invokePrefetched('record:trends', trends('r1'));
    expect(asked).toHaveLength(2);
    asked[1]!.answer(TRENDS);
    await expect(again).resolves.toBe(TRENDS);
  });
});
