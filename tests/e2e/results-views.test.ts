// The results views a GP works from, in Chromium on the lab-history patient: any test's whole history on a
// click, cumulative tables by panel with older dates a click away, and charts for a chosen period that say
// how many readings they draw (down-sampled, every abnormal reading kept).
import { daysAgo } from '../../sandbox/patients/build';
import { describe, expect, it } from 'vitest';
import { formatDate } from '../../common/summary';
import type { HarnessPage } from '../../main/dev/harness';
import { GLUCOSE_DAYS, U_AND_E_DATES } from '../../sandbox/patients/lab-history';
import {
  a11yViolations,
  expectQuietPage,
  screenshot,
  showTab,
  openSandboxRecord,
  type E2eContext,
  e2eForFile,
} from './e2e-helpers';

let ctx: E2eContext;
let hp: HarnessPage;

/** The date the sandbox wrote this many days before it started, as the screen shows it. */
const shownDaysAgo = (days: number) => formatDate(daysAgo(days));
/** The sandbox's urea and electrolytes reports: every 91 days from five days ago. */
const ueDate = (n: number) => shownDaysAgo(n * 91 + 5);

e2eForFile(async (started) => {
  ctx = started;
  hp = await openSandboxRecord(ctx, 'lab-history');
  await showTab(hp.page, 'Results and vitals');
  await hp.page.getByRole('table', { name: 'All results, newest first' }).waitFor();
});

describe('GP reading a patient’s results', () => {
  it('opens a test’s whole history from its name, by keyboard, newest first, and goes back', async () => {
    const { page, log } = hp;
    const table = page.getByTestId('results-table');
    const potassium = table.getByRole('button', { name: 'Potassium' }).first();
    await potassium.focus();
    await page.keyboard.press('Enter');

    const history = page.getByTestId('result-history');
    const heading = history.getByRole('heading', { name: /History: Potassium/ });
    await expect.poll(() => heading.textContent()).toMatch(`(${U_AND_E_DATES} readings)`);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('h-result-history');
    const rows = page.getByRole('table', { name: 'Every Potassium result, newest first' });
    const newest = (await rows.locator('[aria-rowindex="2"]').textContent()) ?? '';
    expect(newest).toContain(ueDate(0));
    expect(newest).toMatch(/5\.8 mmol\/L.*3\.5–5\.3 mmol\/L.*High.*DCR|Dorset/);
    expect(await rows.locator('[aria-rowindex="3"]').textContent()).toContain(ueDate(1));
    await screenshot(page, 'results-history');
    // Every reading, down to the oldest, ten years back.
    await page.getByTestId('result-history-table').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await expect
      .poll(() => rows.locator(`[aria-rowindex="${U_AND_E_DATES + 1}"]`).textContent())
      .toContain(ueDate(U_AND_E_DATES - 1));
    expect(await a11yViolations(page)).toEqual([]);

    await history.getByRole('button', { name: 'Back to all results' }).click();
    await page.getByRole('table', { name: 'All results, newest first' }).waitFor();
    expect(await page.getByTestId('result-history').count()).toBe(0);
    expectQuietPage(log);
  });

  it('shows cumulative tables by panel, newest dates left, older dates a click away', async () => {
    const { page, log } = hp;
    await page.getByTestId('results-arrangement').getByLabel('By panel (cumulative)').check();
    const panels = page.getByTestId('cumulative-panel');
    await expect
      .poll(() => panels.getByRole('heading').allTextContents())
      .toEqual([
        `Urea and electrolytes showing 8 of ${U_AND_E_DATES} dates`,
        'Full blood count 5 dates',
        expect.stringMatching(/^Other tests showing 8 of [\d,]+ dates$/),
      ]);

    const ue = panels.filter({ hasText: 'Urea and electrolytes' });
    const headers = await ue.getByRole('columnheader').allTextContents();
    expect(headers).toEqual(['Test', 'Reference range', ...Array.from({ length: 8 }, (_, n) => ueDate(n))]);
    expect(await ue.locator('tbody th').allTextContents()).toEqual(['Sodium', 'Potassium', 'Creatinine']);
    const potassium = await ue
      .getByRole('row', { name: /Potassium/ })
      .getByRole('cell')
      .allTextContents();
    expect(potassium.slice(0, 4)).toEqual([
      '3.5–5.3 mmol/L',
      '5.8 mmol/L High',
      '5.7 mmol/L High',
      '5.6 mmol/L High',
    ]);
    expect(potassium[4]).not.toMatch(/High|Low/);

    await ue.getByRole('button', { name: 'Older dates' }).click();
    await expect
      .poll(() => ue.getByRole('heading').textContent())
      .toBe(`Urea and electrolytes showing 8 of ${U_AND_E_DATES} dates (8 newer dates not shown)`);
    expect((await ue.getByRole('columnheader').allTextContents())[2]).toBe(ueDate(8));
    await ue.getByRole('button', { name: 'Newer dates' }).click();
    await expect.poll(async () => (await ue.getByRole('columnheader').allTextContents())[2]).toBe(ueDate(0));

    // The hospital's full blood count is a panel Observation (hasMember): its low haemoglobin is flagged.
    const fbc = panels.filter({ hasText: 'Full blood count' });
    expect(
      await fbc
        .getByRole('row', { name: /Haemoglobin/ })
        .getByRole('cell')
        .nth(1)
        .textContent(),
    ).toBe('98 g/L Low');
    const other = panels.filter({ hasText: 'Other tests' });
    expect(await other.locator('tbody th').allTextContents()).toEqual(
      expect.arrayContaining(['Capillary blood glucose']),
    );
    // The tables at the top of the screenshot, below the sticky banner and tabs.
    await page.evaluate(() => {
      document.getElementById('h-cumulative')?.scrollIntoView();
      window.scrollBy(0, -260);
    });
    await screenshot(page, 'results-cumulative');
    expect(await a11yViolations(page)).toEqual([]);

    await fbc.getByRole('button', { name: 'Haemoglobin' }).click();
    const history = page.getByTestId('result-history');
    await expect
      .poll(() => history.getByRole('heading').textContent())
      .toBe('History: Haemoglobin (5 readings)');
    await history.getByRole('button', { name: 'Back to the cumulative tables' }).click();
    await panels.first().waitFor();
    await page.getByTestId('results-arrangement').getByLabel('By date').check();
    expectQuietPage(log);
  });

  it('charts a chosen period with dated axes, saying how many readings it draws', async () => {
    const { page, log } = hp;
    const glucose = page.getByTestId('trend-chart').filter({ hasText: 'Capillary blood glucose' });
    const readings = glucose.getByTestId('trend-readings');
    const flaggedPoints = glucose.getByTestId('trend-flagged-point');

    // All dates: five years of daily readings, down-sampled, every hypo and high reading still drawn.
    const all = (await readings.textContent()) ?? '';
    const whole =
      /^Showing (\d+) of ([\d,]+) readings \(down-sampled\); all (\d+) abnormal readings shown\.$/.exec(all);
    expect(whole, all).not.toBeNull();
    expect(whole![2]).toBe(GLUCOSE_DAYS.toLocaleString('en-GB'));
    expect(Number(whole![1])).toBeLessThan(GLUCOSE_DAYS / 5);
    expect(await flaggedPoints.count()).toBe(Number(whole![3]));
    const years = await glucose.getByTestId('trend-x-axis').locator('text').allTextContents();
    expect(years.length).toBeGreaterThanOrEqual(4);
    expect(years.every((y) => /^\d{4}$/.test(y))).toBe(true);

    // The last three months: every reading, dated by day and month.
    await page.getByTestId('trend-range').getByLabel('Last 3 months').check();
    await expect
      .poll(() => readings.textContent())
      .toMatch(
        new RegExp(
          `^9\\d readings in this period, all shown \\(${GLUCOSE_DAYS.toLocaleString('en-GB')} in all\\)\\.$`,
        ),
      );
    const days = await glucose.getByTestId('trend-x-axis').locator('text').allTextContents();
    expect(days.length).toBeGreaterThanOrEqual(4);
    expect(days.every((d) => /^\d{1,2} [A-Z][a-z]{2}$/.test(d))).toBe(true);
    expect(new Set(days).size).toBe(days.length);

    // The last year: down-sampled again, still every abnormal reading of the year.
    await page.getByTestId('trend-range').getByLabel('Last year').check();
    await expect
      .poll(() => readings.textContent())
      .toMatch(
        /^Showing \d+ of 36\d readings in this period \(down-sampled\); all \d+ abnormal readings shown; 1,825 in all\.$/,
      );
    const year = /all (\d+) abnormal/.exec((await readings.textContent()) ?? '');
    expect(await flaggedPoints.count()).toBe(Number(year![1]));
    await screenshot(page, 'results-chart-range');
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });

  it('draws the charts and the newest results on the click, asked of main while the summary was read', async () => {
    const { page, log } = hp;
    // The click's own turn of the page: the tab clicked, then nothing but promise callbacks (no answer from main
    // can come in between). Each visit to the summary asks ahead again; a slow machine gets a few tries.
    const drawnOnClick = () =>
      page.evaluate(async () => {
        const tab = Array.from(document.querySelectorAll('nav[aria-label="Record views"] button')).find(
          (b) => b.textContent === 'Results and vitals',
        ) as HTMLButtonElement;
        tab.click();
        for (let i = 0; i < 20; i++) await Promise.resolve();
        const view = document.querySelector('[data-testid="view-results"]');
        return {
          charts: view?.querySelectorAll('[data-testid="trend-chart"]').length ?? 0,
          newest: view?.querySelector('[data-testid="results-table"] [aria-rowindex="2"]')?.textContent ?? '',
          loading: Array.from(view?.querySelectorAll('[role="status"]') ?? [], (s) => s.textContent),
        };
      });
    let drawn: Awaited<ReturnType<typeof drawnOnClick>> | undefined;
    for (let attempt = 1; attempt <= 5 && !drawn?.charts; attempt++) {
      await showTab(page, 'Full summary');
      await page.getByTestId('view-full-summary').waitFor();
      await page.waitForTimeout(300 * attempt);
      drawn = await drawnOnClick();
    }
    expect(drawn?.loading).toEqual([]);
    expect(drawn?.charts).toBeGreaterThan(0);
    expect(drawn?.newest).toMatch(new RegExp(`^${shownDaysAgo(0)}Capillary blood glucose`));
    // The same charts as the view asks for itself when the period changes and changes back.
    const glucose = page.getByTestId('trend-chart').filter({ hasText: 'Capillary blood glucose' });
    const drawnReadings = await glucose.getByTestId('trend-readings').textContent();
    await page.getByTestId('trend-range').getByLabel('Last year').check();
    await expect.poll(() => glucose.getByTestId('trend-readings').textContent()).toMatch(/in this period/);
    await page.getByTestId('trend-range').getByLabel('All dates').check();
    await expect.poll(() => glucose.getByTestId('trend-readings').textContent()).toBe(drawnReadings);
    expectQuietPage(log);
  });
});
