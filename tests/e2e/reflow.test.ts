// WCAG 1.4.10 reflow: at 320 CSS px wide (400% zoom on a 1280×720 screen) nothing scrolls sideways, the patient
// banner is one strip that opens to the full details, and a one-line banner stays on screen while scrolling.
import { describe, expect, it } from 'vitest';
import {
  a11yViolations,
  expectQuietPage,
  screenshot,
  showTab,
  openSandboxRecord,
  type E2eContext,
  e2eForFile,
} from './e2e-helpers';
import type { HarnessPage } from '../../main/dev/harness';

let ctx: E2eContext;
let hp: HarnessPage;
e2eForFile(async (started) => {
  ctx = started;
  hp = await openSandboxRecord(ctx, 'cross-border');
});

const scrollsSideways = () =>
  hp.page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

describe('a GP at 400% zoom (320×180 CSS px)', () => {
  it('reads every record view without scrolling sideways', async () => {
    const { page } = hp;
    await page.setViewportSize({ width: 320, height: 180 });
    const views = await page
      .getByRole('navigation', { name: 'Record views' })
      .getByRole('listitem')
      .allTextContents();
    expect(views.length).toBeGreaterThanOrEqual(8);
    for (const label of views) {
      await showTab(page, label);
      await expect.poll(scrollsSideways, { message: label }).toBe(false);
    }
    expectQuietPage(hp.log);
  });

  it('shows the banner as one strip (name, NHS number, born) with sex, address and GP behind a button', async () => {
    const { page } = hp;
    await page.setViewportSize({ width: 320, height: 180 });
    await showTab(page, 'Urgent care summary');
    await page.evaluate(() => window.scrollTo(0, 0));
    // The patient comes first: the app's links and the signed-in user are behind one menu button.
    expect(await page.getByRole('button', { name: 'Menu' }).getAttribute('aria-expanded')).toBe('false');
    expect(await page.getByTestId('signed-in-user').isVisible()).toBe(false);
    const banner = page.getByRole('region', { name: 'Patient' });
    expect((await banner.boundingBox())!.y).toBeLessThan(60);
    const toggle = page.getByRole('button', { name: 'Show sex, address and GP' });
    expect(await banner.textContent()).toMatch(/LEGG, David.*999 462 5845.*17 April 1951/s);
    expect(await page.getByText('Registered GP').isVisible()).toBe(false);
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    const collapsed = (await banner.boundingBox())!.height;
    expect(collapsed).toBeLessThan(110);
    await screenshot(page, 'reflow-320-banner');

    await toggle.click();
    const hide = page.getByRole('button', { name: 'Hide sex, address and GP' });
    expect(await hide.getAttribute('aria-expanded')).toBe('true');
    expect(await page.getByText('Registered GP').isVisible()).toBe(true);
    expect(await banner.textContent()).toMatch(/Ringwood Health Centre/);
    expect(await scrollsSideways()).toBe(false);
    expect(await a11yViolations(page)).toEqual([]);
    await screenshot(page, 'reflow-320-banner-open');
    await hide.click();
    expect(await page.getByText('Registered GP').isVisible()).toBe(false);

    await page.getByRole('button', { name: 'Menu' }).click();
    expect(await page.getByTestId('signed-in-user').textContent()).toMatch(/General practitioner/);
    expect(await page.getByRole('button', { name: 'Offline records' }).isVisible()).toBe(true);
    expect(await scrollsSideways()).toBe(false);
    await screenshot(page, 'reflow-320-menu');
    await page.getByRole('button', { name: 'Menu' }).click();
  });

  it('keeps one line with the name and NHS number on screen once the banner has scrolled away', async () => {
    const { page } = hp;
    await page.setViewportSize({ width: 320, height: 180 });
    await showTab(page, 'Full summary');
    await page.evaluate(() => window.scrollTo(0, 0));
    const mini = page.getByTestId('mini-banner');
    // Not doubled at the top: the line appears only when the banner has gone.
    await expect.poll(() => mini.isVisible()).toBe(false);
    await page.mouse.wheel(0, 3000);
    await expect.poll(() => mini.isVisible()).toBe(true);
    const box = (await mini.boundingBox())!;
    expect(box.y).toBeLessThanOrEqual(1);
    expect(await mini.textContent()).toMatch(/LEGG, David.*NHS 999 462 5845/);
    // What must not scroll out of mind is counted there too (DNACPR, the allergy, the admission).
    expect(await mini.textContent()).toMatch(/3 alerts: scroll up to the banner/);
    await screenshot(page, 'reflow-320-scrolled');
  });

  it('keeps the full banner, sticky and open, in a full-size window', async () => {
    const { page } = hp;
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.mouse.wheel(0, 3000);
    await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(300);
    expect(await page.getByText('Registered GP').isVisible()).toBe(true);
    expect(await page.getByTestId('banner-details-toggle').isVisible()).toBe(false);
    expect((await page.getByRole('region', { name: 'Patient' }).boundingBox())!.y).toBeLessThanOrEqual(1);
    expect(await page.getByTestId('mini-banner').isVisible()).toBe(false);
  });

  it('reads the other screens without scrolling sideways', async () => {
    const { page } = hp;
    await page.setViewportSize({ width: 320, height: 180 });
    for (const screen of ['Caseload prefetch', 'Offline records', 'Find a patient']) {
      await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('button', { name: screen }).click();
      await page.getByRole('heading', { level: 1 }).waitFor();
      await expect.poll(scrollsSideways, { message: screen }).toBe(false);
      // Choosing a screen closes the menu again.
      expect(await page.getByRole('button', { name: 'Menu' }).getAttribute('aria-expanded')).toBe('false');
    }
    expect(await a11yViolations(page)).toEqual([]);
  });
});
