// The screen gets an overview of the opened record and asks main for the long lists a page at a time: the
// 20,000-entry record never crosses the bridge whole, and the pages add up to exactly the record main holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordItem } from '../../common/record';
import {
  CHART_POINTS,
  FLAGGED_POINTS,
  MAX_PAGE_ROWS,
  type RecordOverview,
  type ShownResultRow,
} from '../../common/summary';
import { dispatchBridgeRequest } from '../../main/services/bridge/dispatch';
import type { BridgeResults, RecordPage } from '../../preload/contract';
import { ManualLockClock } from '../support/manual-lock-clock';
import { startTestApp, type TestApp } from '../support/app';

let app: TestApp;
const lockClock = new ManualLockClock();
let nhsNumber: string;

const invoke = async <T>(channel: string, args: unknown): Promise<T> => {
  const outcome = await dispatchBridgeRequest(app.services.handlers, channel, args);
  if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code });
  return outcome.value as T;
};

/** Every page of a list, as a screen scrolling to the end would ask for them. */
async function allPages<T>(channel: string, args: object): Promise<T[]> {
  const rows: T[] = [];
  for (let offset = 0; ; offset += MAX_PAGE_ROWS) {
    const page = await invoke<RecordPage<T>>(channel, { ...args, offset, limit: MAX_PAGE_ROWS });
    rows.push(...page.rows);
    if (offset + MAX_PAGE_ROWS >= page.total) return rows;
  }
}

beforeAll(async () => {
  app = await startTestApp({ sandbox: { includeLargePatient: true }, lockClock });
  nhsNumber = app.services.sandbox!.patient('large').nhsNumber;
  await app.services.openSandboxSession({ role: 'general-practitioner', patientNhsNumber: nhsNumber });
}, 120_000);
afterAll(async () => app?.close());

describe('the opened record in pages', () => {
  let overview: RecordOverview;
  beforeAll(async () => {
    overview = await invoke<RecordOverview>('record:open', { nhsNumber, requestId: 'open-1' });
  }, 60_000);

  it('gives the screen every summary entry and only the newest of each long list, with its total', async () => {
    const whole = (await app.services.openedRecord(nhsNumber))!;
    const results = whole.items.filter((i) => i.section === 'results');
    expect(results.length).toBeGreaterThan(19_000);
    expect(overview.lists.results.total).toBe(results.length);
    expect(overview.items.filter((i) => i.section === 'results')).toHaveLength(10);
    expect(overview.recentResults).toHaveLength(10);
    for (const section of ['advanceCare', 'allergies', 'medications', 'problems'] as const) {
      expect(overview.items.filter((i) => i.section === section).length, section).toBe(
        whole.items.filter((i) => i.section === section).length,
      );
    }
    expect(overview.items.some((i) => /DNACPR/.test(i.display))).toBe(true);
    const overviewBytes = JSON.stringify(overview).length;
    const wholeBytes = JSON.stringify(whole).length;
    expect(wholeBytes).toBeGreaterThan(10_000_000);
    expect(overviewBytes).toBeLessThan(wholeBytes / 20);
  });

  it('pages through every result once, newest first, exactly the record main holds', async () => {
    const rows = await allPages<ShownResultRow>('record:results', { nhsNumber, requestId: 'open-1' });
    const whole = (await app.services.openedRecord(nhsNumber))!;
    const keys = rows.map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(keys)).toEqual(
      new Set(whole.items.filter((i) => i.section === 'results').map((i) => i.key)),
    );
    const times = rows.map((r) => Date.parse(r.date!));
    expect(times.every((t, i) => i === 0 || t <= times[i - 1]!)).toBe(true);
    expect(rows.slice(0, 10).map((r) => r.key)).toEqual(overview.recentResults.map((r) => r.key));
    // Each row names its sources; the resource itself stays in main (the screen shows none of it).
    const byKey = new Map(whole.items.map((i) => [i.key, i]));
    for (const row of [...rows.slice(0, 5), ...overview.recentResults.slice(0, 5)])
      expect(row.item).toEqual({ key: row.key, provenance: byKey.get(row.key)!.provenance });

    const flagged = await allPages<ShownResultRow>('record:results', {
      nhsNumber,
      requestId: 'open-1',
      flaggedOnly: true,
    });
    expect(flagged.length).toBeGreaterThan(0);
    expect(flagged.length).toBe(rows.filter((r) => r.flag).length);
    expect(flagged.every((r) => r.flag)).toBe(true);
    for (const row of flagged.slice(0, 5))
      expect(row.item).toEqual({ key: row.key, provenance: byKey.get(row.key)!.provenance });
  });

  it('gives encounters newest or oldest first, the one the reverse of the other', async () => {
    const args = { nhsNumber, requestId: 'open-1', section: 'encounters' };
    const newest = await allPages<RecordItem>('record:items', args);
    const oldest = await allPages<RecordItem>('record:items', { ...args, order: 'oldest-first' });
    expect(newest.length).toBe(overview.lists.encounters.total);
    expect(newest.length).toBeGreaterThan(150);
    expect(oldest.map((i) => i.key)).toEqual(newest.map((i) => i.key).reverse());
    const middle = await invoke<RecordPage<RecordItem>>('record:items', { ...args, offset: 50, limit: 7 });
    expect(middle.rows.map((i) => i.key)).toEqual(newest.slice(50, 57).map((i) => i.key));
  });

  it('draws at most 24 trend charts, down-sampled, saying how many readings there are', async () => {
    const { charts, total } = await invoke<BridgeResults['record:trends']>('record:trends', {
      nhsNumber,
      requestId: 'open-1',
    });
    expect(charts.length).toBeGreaterThan(0);
    expect(charts.length).toBeLessThanOrEqual(Math.min(24, total));
    const bp = charts.find((c) => c.label === 'Blood pressure')!;
    expect(bp.readings).toBeGreaterThan(4_000);
    expect(bp.shown).toBeLessThanOrEqual(CHART_POINTS + FLAGGED_POINTS);
    expect(bp.flaggedShown).toBeLessThanOrEqual(bp.flagged);
    for (const line of bp.lines) expect(line.points.length).toBe(bp.shown);
    // The first and the latest reading are always drawn.
    const dates = bp.lines[0]!.points.map((p) => p.date);
    expect(dates[0]).toBe(bp.first?.date);
    expect(dates.at(-1)).toBe(bp.latest?.date);
  });

  it('pages one test’s history and windows the cumulative tables, never the whole record', async () => {
    const args = { nhsNumber, requestId: 'open-1' };
    const first = await invoke<RecordPage<ShownResultRow>>('record:results', {
      ...args,
      offset: 0,
      limit: 50,
    });
    const bpRow = first.rows.find((r) => r.name === 'Blood pressure')!;
    const history = await invoke<BridgeResults['record:result-history']>('record:result-history', {
      ...args,
      testKey: bpRow.testKey,
      offset: 0,
      limit: 200,
    });
    expect(history.total).toBeGreaterThan(4_000);
    // History rows, like every results row, name their sources and leave the resource in main.
    expect(history.rows.every((r) => Object.keys(r.item).sort().join() === 'key,provenance')).toBe(true);
    expect(history.rows).toHaveLength(200);
    expect(history.rows.every((r) => r.testKey === bpRow.testKey)).toBe(true);
    const { panels } = await invoke<BridgeResults['record:result-panels']>('record:result-panels', args);
    const other = panels.find((p) => p.label === 'Other tests')!;
    expect(other.totalDates).toBeGreaterThan(2_000);
    expect(other.dates).toHaveLength(8);
    expect(JSON.stringify(panels).length).toBeLessThan(200_000);
  });

  it('offline, answers with the summary first and pages the whole saved copy after, with exact totals', async () => {
    const whole = (await app.services.openedRecord(nhsNumber))!;
    const offline = await invoke<RecordOverview>('record:open', {
      nhsNumber,
      requestId: 'offline-1',
      offlineOnly: true,
    });
    expect(offline.offline).toBeDefined();
    expect(offline.lists.results).toMatchObject({ atLeast: true });
    expect(offline.lists.results.total).toBeLessThan(overview.lists.results.total);
    for (const section of ['advanceCare', 'allergies', 'medications', 'problems', 'documents'] as const) {
      expect(
        offline.items.filter((i) => i.section === section).map((i) => i.key),
        section,
      ).toEqual(overview.items.filter((i) => i.section === section).map((i) => i.key));
    }
    expect(offline.recentResults.map((r) => r.key)).toEqual(overview.recentResults.map((r) => r.key));
    const page = await invoke<RecordPage<ShownResultRow>>('record:results', {
      nhsNumber,
      requestId: 'offline-1',
      offset: 0,
      limit: 10,
    });
    expect(page.total).toBe(whole.items.filter((i) => i.section === 'results').length);
    expect(page.rows.map((r) => r.key)).toEqual(offline.recentResults.map((r) => r.key));
  });

  it('refuses pages of a record opened again since, or hidden by the inactivity lock', async () => {
    await invoke('record:open', { nhsNumber, requestId: 'open-2' });
    await expect(
      invoke('record:results', { nhsNumber, requestId: 'open-1', offset: 0, limit: 10 }),
    ).rejects.toThrow(/no longer open/);
    const page = await invoke<RecordPage<ShownResultRow>>('record:results', {
      nhsNumber,
      requestId: 'open-2',
      offset: 0,
      limit: 10,
    });
    expect(page.rows).toHaveLength(10);
    await expect(
      invoke('record:results', { nhsNumber, requestId: 'open-2', offset: 0, limit: MAX_PAGE_ROWS + 1 }),
    ).rejects.toMatchObject({ code: 'invalid-argument' });

    const loaded = app.services.policy;
    if (!loaded.ok) throw new Error('policy did not load');
    lockClock.advance(loaded.policy.inactivityLockMinutes * 60_000 + 1_000);
    await expect(
      invoke('record:results', { nhsNumber, requestId: 'open-2', offset: 0, limit: 10 }),
    ).rejects.toMatchObject({ code: 'locked' });
    expect(await app.services.openedRecord(nhsNumber)).toBeUndefined();
  });
}, 180_000);
