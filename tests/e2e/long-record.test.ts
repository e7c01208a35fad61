// A record of 20,000 entries in Chromium: the summary arrives as an overview and the long lists are asked
// for in pages as the clinician scrolls, so the last (oldest) reading is as reachable as the first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatNhsNumber } from '../../common/nhs-number';
import type { HarnessPage } from '../../main/dev/harness';
import {
  expectQuietPage,
  sandboxPatient,
  a11yViolations,
  showTab,
  startE2e,
  waitForRecord,
  type E2eContext,
} from './e2e-helpers';

let ctx: E2eContext;
let hp: HarnessPage;

beforeAll(async () => {
  ctx = await startE2e({ includeLargePatient: true });
  const large = sandboxPatient(ctx.services, 'large');
  await ctx.services.openSandboxSession({ role: 'general-practitioner', patientNhsNumber: large.nhsNumber });
  hp = await ctx.harness.newPage();
  await waitForRecord(hp.page, 60_000);
}, 180_000);
afterAll(async () => {
  await ctx?.close();
});

/** Bytes of each answer the page received over the bridge, by channel. */
function answerBytes(channel: string, log = hp.log): number[] {
  return log.calls.filter((c) => c.channel === channel).map((c) => JSON.stringify(c.outcome).length);
}

describe('GP on the 20,000-entry record', () => {
  it('shows the DNACPR decision and the summary from an overview, never the whole record', async () => {
    const { page } = hp;
    expect(await page.getByTestId('resuscitation-status').textContent()).toMatch(/Not for CPR \(DNACPR\)/);
    const [opened] = answerBytes('record:open');
    expect(opened).toBeLessThan(2_000_000);
    await showTab(page, 'Full summary');
    const results = page.locator('[data-section="results"]');
    await results.waitFor();
    expect(await page.getByTestId('recent-results').locator('li').count()).toBe(10);
  });

  it('keeps the 324 medicines its progress carried: the answer does not send them again', async () => {
    const { page, log } = hp;
    const answered = log.calls.find((c) => c.channel === 'record:open')?.outcome;
    expect(answered).toMatchObject({
      ok: true,
      value: { sectionsAsSent: expect.arrayContaining(['medications']) },
    });
    expect(answerBytes('record:open')[0]).toBeLessThan(300_000);
    await showTab(page, 'Full summary');
    expect(await page.getByTestId('medication-row').count()).toBeGreaterThan(0);
    await showTab(page, 'History');
    await expect
      .poll(() => page.getByRole('heading', { name: /^Medications \(\d+\)$/ }).textContent())
      .toBe('Medications (324)');
  });

  it('pages the results table as it scrolls, down to the oldest reading', async () => {
    const { page, log } = hp;
    await showTab(page, 'Results and vitals');
    const heading = page.getByRole('heading', { name: /^All results \(\d[\d,]*\)$/ });
    await heading.waitFor();
    const total = Number((await heading.textContent())!.replace(/\D/g, ''));
    expect(total).toBeGreaterThan(19_000);
    const table = page.getByRole('table', { name: 'All results, newest first' });
    expect(await table.getAttribute('aria-rowcount')).toBe(String(total + 1));
    expect(await page.getByTestId('trend-chart').filter({ hasText: 'Blood pressure' }).textContent()).toMatch(
      /Latest \d+\/\d+ mmHg/,
    );
    const chartText = await page.getByTestId('trend-chart').first().locator('desc').textContent();
    expect(chartText).toMatch(/Showing [\d,]+ of [\d,]+ readings \(down-sampled\)/);

    await page.getByTestId('results-table').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    const last = table.locator(`[aria-rowindex="${total + 1}"]`);
    await expect.poll(() => last.textContent(), { timeout: 15_000 }).toMatch(/2019/);
    expect(await last.textContent()).not.toMatch(/Loading/);
    // Only the pages in view were asked for: the first, and the last one or two.
    const pages = log.calls.filter((c) => c.channel === 'record:results');
    expect(pages.length).toBeLessThanOrEqual(4);
    // 200 rows of what the screen shows and each row's sources (with each row's resource, about 300 KB).
    expect(Math.max(...answerBytes('record:results'))).toBeLessThan(150_000);
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });

  it('lists every encounter, oldest first when asked, through the same pages', async () => {
    const { page, log } = hp;
    await showTab(page, 'Encounters');
    await page.getByTestId('encounters-order').getByLabel('Oldest first').check();
    const table = page.getByRole('table', { name: 'Encounters timeline' });
    await expect.poll(() => table.locator('[aria-rowindex="2"]').textContent()).toMatch(/2019/);
    await page.getByTestId('encounters-order').getByLabel('Newest first').check();
    await expect.poll(() => table.locator('[aria-rowindex="2"]').textContent()).not.toMatch(/2019/);
    expectQuietPage(log);
  });

  it('opened offline: the saved summary first, then every result from the saved copy', async () => {
    const { page, log } = await ctx.harness.newPage();
    await waitForRecord(page, 60_000);
    const large = sandboxPatient(ctx.services, 'large');
    await page.getByRole('button', { name: 'Offline records' }).click();
    const table = page.getByTestId('cache-table');
    await table.waitFor();
    await table
      .locator('tbody tr', { hasText: formatNhsNumber(large.nhsNumber) })
      .getByRole('button')
      .first()
      .click();
    await waitForRecord(page, 60_000);
    expect(await page.getByTestId('resuscitation-status').textContent()).toMatch(/Not for CPR \(DNACPR\)/);
    expect(await page.getByTestId('mini-banner').textContent()).toMatch(/Offline copy/);
    const [, offlineOpen] = answerBytes('record:open', log);
    expect(offlineOpen).toBeLessThan(2_000_000);
    // Answered from the saved copy's summary: the long lists' totals were lower bounds until their pages came.
    const answered = log.calls.filter((c) => c.channel === 'record:open').at(-1)?.outcome;
    expect(answered).toMatchObject({ ok: true, value: { lists: { results: { atLeast: true } } } });

    await showTab(page, 'Results and vitals');
    // The summary said "or more" until the first page of the whole saved copy came back with the exact count.
    const heading = page.getByRole('heading', { name: /^All results \(\d[\d,]*\)$/ });
    await heading.waitFor({ timeout: 20_000 });
    const total = Number((await heading.textContent())!.replace(/\D/g, ''));
    expect(total).toBeGreaterThan(19_000);
    await page.getByTestId('results-table').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    const last = page.locator(`[data-testid="results-table"] [aria-rowindex="${total + 1}"]`);
    await expect.poll(() => last.textContent(), { timeout: 15_000 }).toMatch(/2019/);
    expectQuietPage(log);
    await page.close();
  });
});

describe('the timeline of the 20,000-entry record', () => {
  it('comes in pages under month headings, newest first, scrollable to the oldest entry', async () => {
    // A window of its own: the offline open above replaced the record the first window had open.
    const { page, log } = await ctx.harness.newPage();
    await waitForRecord(page, 60_000);
    await showTab(page, 'Timeline');
    const count = page.getByTestId('timeline-count');
    await count.waitFor();
    const entries = Number(((await count.textContent()) ?? '').replace(/ entr.*$/s, '').replace(/\D/g, ''));
    expect(entries).toBeGreaterThan(19_000);
    const table = page.getByRole('table', { name: 'Timeline' });
    const rows = Number(await table.getAttribute('aria-rowcount')) - 1;
    // One heading per month on top of the entries.
    expect(rows).toBeGreaterThan(entries);
    expect(await table.locator('[aria-rowindex="2"]').textContent()).toMatch(
      /^[A-Z][a-z]+ \d{4}\d[\d,]* entr/,
    );
    await page.getByTestId('timeline-table').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    const last = table.locator(`[aria-rowindex="${rows + 1}"]`);
    // The oldest entry: the COPD diagnosed in 2009, ten years before the readings start.
    await expect
      .poll(() => last.textContent(), { timeout: 15_000 })
      .toMatch(/^\d+ [A-Z][a-z]+ 2009Problem.*Chronic obstructive/);
    // Only the pages in view were asked for, each small.
    expect(log.calls.filter((c) => c.channel === 'record:timeline').length).toBeLessThanOrEqual(4);
    expect(Math.max(...answerBytes('record:timeline', log))).toBeLessThan(1_000_000);
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
    await page.close();
  });

  it('opens an encounter of the long (virtualised) list by keyboard, its detail under the table', async () => {
    const { page, log } = await ctx.harness.newPage();
    await waitForRecord(page, 60_000);
    await showTab(page, 'Encounters');
    const table = page.getByRole('table', { name: 'Encounters timeline' });
    const first = table.locator('[aria-rowindex="2"]').getByTestId('entry-disclosure');
    await first.focus();
    await page.keyboard.press('Enter');
    expect(await first.getAttribute('aria-expanded')).toBe('true');
    expect(await first.getAttribute('aria-controls')).toBe('entry-detail');
    const detail = page.locator('#entry-detail');
    await expect.poll(() => detail.textContent()).toMatch(/^Class/);
    // A telephone consultation has no length of stay to give; its provider is the practice.
    expect(await detail.textContent()).toMatch(
      /^ClassVirtual \(telephone or video\)When\d+ [A-Z][a-z]+ \d{4}Provider(?!Not recorded)[A-Z]/,
    );
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
    await page.close();
  });
});

describe('the first paint of the 20,000-entry record', () => {
  it('paints the DNACPR decision before laying out the 300 medicines that arrive with it', async () => {
    // Last: opening the record in another page leaves the first page's record closed.
    // The Dorset Care Record sends the DNACPR flag and every medicine in one answer: what the page showed, each
    // time the page changed, from the first load on.
    const { page } = await ctx.harness.newPage();
    try {
      await page.addInitScript(() => {
        const seen: { dnacpr: boolean; medicines: number }[] = [];
        (window as unknown as { __shown: typeof seen }).__shown = seen;
        new MutationObserver(() => {
          const status = document.querySelector('[data-testid="resuscitation-status"]')?.textContent ?? '';
          const medicines = document.querySelectorAll('[data-testid="medication-row"]').length;
          seen.push({ dnacpr: status.includes('DNACPR'), medicines });
        }).observe(document, { subtree: true, childList: true, characterData: true });
      });
      const shownSince = async (start: () => Promise<void>) => {
        // (Set up by the init script at the next load; kept, and emptied, when the page stays.)
        await page.evaluate(() => {
          (window as unknown as { __shown?: unknown[] }).__shown?.splice(0);
        });
        await start();
        await waitForRecord(page, 60_000);
        return page.evaluate(
          () => (window as unknown as { __shown: { dnacpr: boolean; medicines: number }[] }).__shown,
        );
      };
      const live = await shownSince(() => page.reload().then(() => undefined));
      expect(live.find((s) => s.dnacpr)).toEqual({ dnacpr: true, medicines: 0 });
      expect(live.at(-1)!.medicines).toBeGreaterThan(0);

      // The same from the saved copy (the urgent-care sections come from its summary in one go).
      const large = sandboxPatient(ctx.services, 'large');
      const offline = await shownSince(async () => {
        await page.getByRole('button', { name: 'Offline records' }).click();
        await page
          .getByTestId('cache-table')
          .locator('tbody tr', { hasText: formatNhsNumber(large.nhsNumber) })
          .getByRole('button')
          .first()
          .click();
      });
      expect(offline.find((s) => s.dnacpr)).toEqual({ dnacpr: true, medicines: 0 });
      expect(offline.at(-1)!.medicines).toBeGreaterThan(0);
      expect(await page.getByTestId('mini-banner').textContent()).toMatch(/Offline copy/);
    } finally {
      await page.close();
    }
  });
});
