// The caseload events kept in the real encrypted store, read a page at a time as "Show older updates" reads
// them: each page goes on from the last event of the one before, so events kept meanwhile (newer, or as old as
// the pages being read) neither repeat an event nor skip one.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaseloadEvent, CaseloadEventCursor } from '../../common/caseload-events';
import { openOfflineCache, type OfflineCache } from '../../main/services/cache';
import { cacheTestEnv, type CacheTestEnv } from './cache-support';

let env: CacheTestEnv;
let cache: OfflineCache;

beforeEach(async () => {
  env = cacheTestEnv();
  cache = await openOfflineCache({ dataDir: env.dataDir, keyVault: env.vault });
});
afterEach(async () => {
  cache.close();
  await env.cleanup();
});

function letter(n: number, at: string, receivedAt = at): CaseloadEvent {
  return {
    id: `dcr|DocumentReference/d${String(n).padStart(3, '0')}|new-letter`,
    sourceId: 'dcr',
    sourceName: 'Dorset Care Record',
    nhsNumber: '9990000018',
    kind: 'new-letter',
    at,
    receivedAt,
    title: `Letter ${n}`,
  };
}

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const cursorOf = (e: CaseloadEvent): CaseloadEventCursor => ({
  at: e.at,
  receivedAt: e.receivedAt,
  id: e.id,
});
const titles = (page: { rows: CaseloadEvent[] }) => page.rows.map((e) => e.title).join(', ');
/** The page of five after the last event of this one, as the screen asks for it. */
const pageAfter = (page: { rows: CaseloadEvent[] }) =>
  cache.caseloadEvents.page({ limit: 5, offset: 0, olderThan: cursorOf(page.rows.at(-1)!) });

describe('caseload events a page at a time', () => {
  it('goes on from the last event shown, whatever is kept meanwhile, with ties in a fixed order', async () => {
    // Ten letters, some at the same minute (and received together): ties are listed by id.
    const same = minutesAgo(30);
    const kept = [
      ...[1, 2, 3, 4].map((n) => letter(n, minutesAgo(n))),
      ...[5, 6, 7].map((n) => letter(n, same)),
      ...[8, 9, 10].map((n) => letter(n, minutesAgo(40 + n))),
    ];
    await cache.caseloadEvents.add(kept);

    const first = await cache.caseloadEvents.page({ limit: 5, offset: 0 });
    expect(first.total).toBe(10);
    expect(titles(first)).toBe('Letter 1, Letter 2, Letter 3, Letter 4, Letter 5');

    // Meanwhile: a newer letter (shown live, not by paging) and one as old as the pages still to read.
    await cache.caseloadEvents.add([letter(11, minutesAgo(0)), letter(12, minutesAgo(45))]);

    const second = await pageAfter(first);
    expect(second.total).toBe(12);
    expect(titles(second)).toBe('Letter 6, Letter 7, Letter 12, Letter 8, Letter 9');
    const third = await pageAfter(second);
    expect(titles(third)).toBe('Letter 10');
  });

  it('says whether it holds an event about a patient, without reading the events', async () => {
    await cache.caseloadEvents.add([letter(1, minutesAgo(5))]);
    expect(await cache.caseloadEvents.reportsOn('9990000018')).toBe(true);
    expect(await cache.caseloadEvents.reportsOn('9990000026')).toBe(false);
    await cache.caseloadEvents.removeFor('9990000018');
    expect(await cache.caseloadEvents.reportsOn('9990000018')).toBe(false);
  });
});
