// The timeline of the opened 20,000-entry record, asked of main a page at a time over the bridge: every
// entry once, newest first under its month, filters that really filter, and arguments checked at the bridge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PAGE_ROWS, type TimelineEntry, type TimelinePage, type TimelineRow } from '../../common/summary';
import { dispatchBridgeRequest } from '../../main/services/bridge/dispatch';
import { startTestApp, type TestApp } from '../support/app';

let app: TestApp;
let nhsNumber: string;

const invoke = async <T>(channel: string, args: unknown): Promise<T> => {
  const outcome = await dispatchBridgeRequest(app.services.handlers, channel, args);
  if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code });
  return outcome.value as T;
};

/** Every row of the filtered timeline, as a screen scrolling to the end would ask for them. */
async function wholeTimeline(filter: object = {}): Promise<{ rows: TimelineRow[]; first: TimelinePage }> {
  const rows: TimelineRow[] = [];
  let first: TimelinePage | undefined;
  for (let offset = 0; ; offset += MAX_PAGE_ROWS) {
    const page = await invoke<TimelinePage>('record:timeline', {
      nhsNumber,
      requestId: 'open-1',
      offset,
      limit: MAX_PAGE_ROWS,
      ...filter,
    });
    first ??= page;
    rows.push(...page.rows);
    if (offset + MAX_PAGE_ROWS >= page.total) return { rows, first };
  }
}

const entriesOf = (rows: TimelineRow[]) => rows.filter((r): r is TimelineEntry => r.type === 'entry');

beforeAll(async () => {
  app = await startTestApp({ sandbox: { includeLargePatient: true } });
  nhsNumber = app.services.sandbox!.patient('large').nhsNumber;
  await app.services.openSandboxSession({ role: 'general-practitioner', patientNhsNumber: nhsNumber });
  await invoke('record:open', { nhsNumber, requestId: 'open-1' });
}, 120_000);
afterAll(async () => app?.close());

describe('the timeline of the opened record', () => {
  it('holds every encounter, result, document and problem once, newest first, each under its month', async () => {
    const { rows, first } = await wholeTimeline();
    const entries = entriesOf(rows);
    expect(first.entries).toBe(entries.length);
    expect(first.total).toBe(rows.length);
    const whole = (await app.services.openedRecord(nhsNumber))!;
    const listed = new Set(entries.map((e) => e.key));
    expect(listed.size).toBe(entries.length);
    for (const section of ['encounters', 'results', 'documents', 'problems'] as const) {
      const keys = whole.items.filter((i) => i.section === section).map((i) => i.key);
      expect(keys.length, section).toBeGreaterThan(0);
      expect(
        keys.filter((k) => !listed.has(k)),
        section,
      ).toEqual([]);
    }
    expect(entries.length).toBeGreaterThan(19_000);
    const dated = entries.filter((e) => e.date).map((e) => e.date!);
    expect(dated.every((d, i) => i === 0 || d <= dated[i - 1]!)).toBe(true);
    // Each month heading counts exactly the entries under it.
    let heading: Extract<TimelineRow, { type: 'month' }> | undefined;
    let under = 0;
    for (const row of [...rows, { type: 'month' } as TimelineRow]) {
      if (row.type === 'month') {
        if (heading) expect(under, heading.label).toBe(heading.count);
        heading = row.label ? row : undefined;
        under = 0;
      } else {
        expect(heading).toBeDefined();
        under++;
      }
    }
  }, 60_000);

  it('filters by type, source and date range', async () => {
    const { rows: documents } = await wholeTimeline({ kinds: ['document'] });
    expect(entriesOf(documents).length).toBe(85);
    expect(new Set(entriesOf(documents).map((e) => e.kind))).toEqual(new Set(['document']));
    const { rows: chieOnly } = await wholeTimeline({ kinds: ['encounter'], sources: ['chie'] });
    expect(entriesOf(chieOnly).length).toBe(85);
    expect(entriesOf(chieOnly).every((e) => e.provenance.some((p) => p.sourceId === 'chie'))).toBe(true);
    const { rows: oneYear, first } = await wholeTimeline({ from: '2024-01-01', to: '2024-12-31' });
    expect(first.entries).toBeGreaterThan(0);
    expect(entriesOf(oneYear).every((e) => e.date!.slice(0, 4) === '2024')).toBe(true);
  }, 60_000);

  it('refuses arguments the screen never sends', async () => {
    const base = { nhsNumber, requestId: 'open-1', offset: 0, limit: 10 };
    for (const bad of [
      { ...base, kinds: ['allergy'] },
      { ...base, from: 'yesterday' },
      { ...base, sources: ['<script>'] },
      { ...base, limit: MAX_PAGE_ROWS + 1 },
      { ...base, requestId: 'not-open' },
    ]) {
      await expect(invoke('record:timeline', bad)).rejects.toMatchObject({ code: 'invalid-argument' });
    }
  });
});
