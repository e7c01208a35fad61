// The caseload events kept in the real encrypted store (and in memory, where a computer has no keystore), read a
// page at a time as "Show older updates" reads them: each page goes on from the last event of the one before, so
// events kept meanwhile (newer, or as old as the pages being read) neither repeat an event nor skip one. One store
// holds every user's caseload events: a page lists only the patients asked about.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaseloadEvent, CaseloadEventCursor } from '../../common/caseload-events';
import { openOfflineCache, type OfflineCache } from '../../main/services/cache';
import { MemoryEventKeeper } from '../../main/services/caseload-alerts/memory-keeper';
import type { CaseloadEventKeeper } from '../../main/services/caseload-alerts/watch-service';
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

const PATIENT = '9990000018';
const SOMEONE_ELSES = '9990000026';

function letter(n: number, at: string, nhsNumber = PATIENT): CaseloadEvent {
  return {
    id: `dcr|DocumentReference/d${String(n).padStart(3, '0')}|new-letter`,
    sourceId: 'dcr',
    sourceName: 'Dorset Care Record',
    nhsNumber,
    kind: 'new-letter',
    at,
    receivedAt: at,
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

const KEEPERS: [string, () => CaseloadEventKeeper][] = [
  ['the encrypted offline store', () => cache.caseloadEvents],
  ['memory (no keystore)', () => new MemoryEventKeeper()],
];

describe.each(KEEPERS)('caseload events a page at a time, kept in %s', (_name, keeperOf) => {
  it('goes on from the last event shown, whatever is kept meanwhile, with ties in a fixed order', async () => {
    const keeper = keeperOf();
    const page = (olderThan?: CaseloadEventCursor) =>
      keeper.page({ limit: 5, offset: 0, patients: [PATIENT], ...(olderThan ? { olderThan } : {}) });
    /** The page of five after the last event of this one, as the screen asks for it. */
    const pageAfter = (before: { rows: CaseloadEvent[] }) => page(cursorOf(before.rows.at(-1)!));
    // Ten letters, some at the same minute (and received together): ties are listed by id.
    const same = minutesAgo(30);
    await keeper.add([
      ...[1, 2, 3, 4].map((n) => letter(n, minutesAgo(n))),
      ...[5, 6, 7].map((n) => letter(n, same)),
      ...[8, 9, 10].map((n) => letter(n, minutesAgo(40 + n))),
    ]);

    const first = await page();
    expect(first.total).toBe(10);
    expect(titles(first)).toBe('Letter 1, Letter 2, Letter 3, Letter 4, Letter 5');

    // Meanwhile: a newer letter (shown live, not by paging) and one as old as the pages still to read.
    await keeper.add([letter(11, minutesAgo(0)), letter(12, minutesAgo(45))]);

    const second = await pageAfter(first);
    expect(second.total).toBe(12);
    expect(titles(second)).toBe('Letter 6, Letter 7, Letter 12, Letter 8, Letter 9');
    const third = await pageAfter(second);
    expect(titles(third)).toBe('Letter 10');
  });

  it('lists and counts only the patients asked about (another user’s caseload shares the store)', async () => {
    const keeper = keeperOf();
    await keeper.add([letter(1, minutesAgo(1)), letter(2, minutesAgo(2), SOMEONE_ELSES)]);
    const mine = await keeper.page({ limit: 5, offset: 0, patients: [PATIENT] });
    expect(mine).toMatchObject({ total: 1, rows: [{ title: 'Letter 1' }] });
    const both = await keeper.page({ limit: 5, offset: 0, patients: [SOMEONE_ELSES, PATIENT] });
    expect(titles(both)).toBe('Letter 1, Letter 2');
    expect(await keeper.page({ limit: 5, offset: 0, patients: [] })).toEqual({ rows: [], total: 0 });
  });
});

describe('caseload events in the offline store', () => {
  it('says whether it holds an event about a patient, without reading the events', async () => {
    await cache.caseloadEvents.add([letter(1, minutesAgo(5))]);
    expect(await cache.caseloadEvents.reportsOn(PATIENT)).toBe(true);
    expect(await cache.caseloadEvents.reportsOn(SOMEONE_ELSES)).toBe(false);
    await cache.caseloadEvents.removeFor(PATIENT);
    expect(await cache.caseloadEvents.reportsOn(PATIENT)).toBe(false);
  });
});
