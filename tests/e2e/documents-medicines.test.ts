// A GP reads the long-history patient in Debian Chromium: a 30-page report that says how much of it is
// showing, a letter in three parts, letters narrowed by type and opened on their own, and a repeat
// medicine's 24 issues (prescriptions and pharmacy dispensings) under one row.
import { describe, expect, it } from 'vitest';
import type { MedicationDispense } from '../../common/fhir';
import { formatDate } from '../../common/summary';
import type { Locator } from 'playwright-core';
import type { HarnessPage } from '../../main/dev/harness';
import {
  a11yViolations,
  expectQuietPage,
  sandboxPatient,
  screenshot,
  showTab,
  openSandboxRecord,
  type E2eContext,
  e2eForFile,
} from './e2e-helpers';

let ctx: E2eContext;
let hp: HarnessPage;

e2eForFile(async (started) => {
  ctx = started;
  hp = await openSandboxRecord(ctx, 'long-history');
});

const text = (locator: { textContent(): Promise<string | null> }) =>
  locator
    .textContent()
    .then((t) => t ?? '')
    .catch(() => '');

/** The sticky banner and tabs cover the top of the page: a screenshot shows the element mid-screen. */
async function centre(locator: Locator) {
  await locator.evaluate((el) => el.scrollIntoView({ block: 'center' }));
}

async function openDocument(title: RegExp) {
  const { page } = hp;
  await showTab(page, 'Documents and letters');
  await page.getByTestId('view-documents').waitFor();
  await page.getByTestId('document-open').filter({ hasText: title }).click();
  const viewer = page.getByTestId('document-viewer');
  await expect.poll(() => text(viewer.getByTestId('document-title'))).toMatch(title);
  return viewer;
}

describe('documents', () => {
  it('says a 30-page PDF shows pages 1–20 of 30, then draws the rest on request', async () => {
    const { page, log } = hp;
    const viewer = await openDocument(/Memory assessment report/);
    await viewer.getByRole('button', { name: /^Fetch document/ }).click();
    const shown = viewer.getByTestId('pdf-shown');
    await expect.poll(() => text(shown), { timeout: 60_000 }).toBe('Showing pages 1–20 of 30');
    expect(await text(viewer.getByTestId('pdf-pages'))).toBe('PDF, 30 pages');
    expect(await viewer.locator('canvas').count()).toBe(20);
    expect(await viewer.locator('canvas').last().getAttribute('aria-label')).toMatch(/page 20 of 30$/);
    const more = viewer.getByTestId('pdf-more');
    expect(await text(more)).toMatch(/^Load 10 more pages/);
    await centre(shown);
    await screenshot(page, 'documents-pages');
    expect(await a11yViolations(page)).toEqual([]);

    await more.press('Enter');
    await expect.poll(() => text(shown), { timeout: 60_000 }).toBe('Showing all 30 pages');
    expect(await viewer.locator('canvas').count()).toBe(30);
    expect(await more.count()).toBe(0);
    // The button went away under the keyboard: focus is on the page count, not lost.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('pdf-shown');
    expectQuietPage(log);
  });

  it('lists every part of a three-part discharge summary: the letter, a linked PDF and a photograph it cannot show', async () => {
    const { page, log } = hp;
    const viewer = await openDocument(/Discharge summary/);
    expect(await text(viewer.getByTestId('document-parts-count'))).toBe('This document has 3 parts.');
    const parts = viewer.getByTestId('document-part');
    expect(await parts.count()).toBe(3);

    const letter = parts.nth(0);
    expect(await text(letter)).toMatch(/Part 1: Discharge letter/);
    expect(await text(letter.getByTestId('document-part-details'))).toMatch(
      /^HTML · \d+ bytes · held in the record$/,
    );
    expect(await text(letter.getByTestId('narrative'))).toMatch(/community-acquired pneumonia/);

    const printable = parts.nth(1);
    expect(await text(printable.getByTestId('document-part-details'))).toMatch(/^PDF · \d+ bytes · linked$/);
    await printable.getByRole('button', { name: /Fetch part 2 \(Printable copy\)/ }).click();
    await expect
      .poll(() => text(printable.getByTestId('pdf-pages')), { timeout: 30_000 })
      .toBe('PDF, 1 page');

    const photo = parts.nth(2);
    expect(await text(photo)).toMatch(/Part 3: Wound photograph/);
    expect(await text(photo.getByTestId('document-part-not-shown'))).toMatch(
      /cannot show Image \(image\/jpeg\) files: this part is listed but not displayed/,
    );
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });

  it('narrows letters to one type with the count shown, and opens one on its own with a way back', async () => {
    const { page, log } = hp;
    await showTab(page, 'Documents and letters');
    const count = page.getByTestId('document-count');
    expect(await text(count)).toBe('4 documents');
    const filter = page.getByLabel('Document type');
    expect(await filter.locator('option').allTextContents()).toEqual([
      'All types (4)',
      'Report of clinical encounter (2)',
      'Clinical consultation report (1)',
      'Discharge summary (1)',
    ]);
    await filter.selectOption({ label: 'Report of clinical encounter (2)' });
    expect(await text(count)).toBe('Showing 2 of 4 documents: Report of clinical encounter');
    expect(await page.getByTestId('document-open').allTextContents()).toEqual([
      'Report of clinical encounter — Diabetes clinic letter',
      'Report of clinical encounter — Cardiology clinic letter',
    ]);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'documents-filter');
    expect(await a11yViolations(page)).toEqual([]);

    await page
      .getByTestId('document-open')
      .filter({ hasText: /Cardiology/ })
      .click();
    await page.getByTestId('document-alone').click();
    expect(await page.getByTestId('document-open').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'document-title',
    );
    const viewer = page.getByTestId('document-viewer');
    await viewer.getByRole('button', { name: /^Fetch document/ }).click();
    await expect.poll(() => text(viewer.getByTestId('narrative'))).toMatch(/left ventricular hypertrophy/);
    expect(await a11yViolations(page)).toEqual([]);

    await page.getByTestId('document-back').click();
    expect(await text(count)).toBe('Showing 2 of 4 documents: Report of clinical encounter');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toMatch(
      /Cardiology clinic letter/,
    );
    // The letter fetched on its own is still there beside the list: nothing fetched twice.
    expect(await text(viewer.getByTestId('narrative'))).toMatch(/left ventricular hypertrophy/);
    await filter.selectOption({ label: 'All types (4)' });
    expect(await text(count)).toBe('4 documents');
    expectQuietPage(log);
  });
});

describe('medicines', () => {
  it('shows a repeat once, last issued from the newest dispensing, with its 24 issues on expand', async () => {
    const { page, log } = hp;
    const patient = sandboxPatient(ctx.services, 'long-history');
    const newestDispensing = patient.chie
      .filter((r): r is MedicationDispense => r.resourceType === 'MedicationDispense')
      .map((r) => r.whenHandedOver!)
      .sort()
      .at(-1)!;
    await showTab(page, 'Urgent care summary');
    const amlodipine = page.getByTestId('medication-row').filter({ hasText: /Amlodipine/ });
    expect(await amlodipine.count()).toBe(1);
    expect(await text(amlodipine)).toContain(formatDate(newestDispensing));
    expect(await text(amlodipine)).not.toMatch(/Sources disagree/);

    const history = amlodipine.getByTestId('issue-history');
    const summary = history.locator('summary');
    expect(await text(summary)).toMatch(/^Issue history \(24\)/);
    const issues = history.getByTestId('issue');
    expect(await issues.first().isVisible()).toBe(false);
    await summary.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => issues.first().isVisible()).toBe(true);
    expect(await issues.count()).toBe(24);
    const all = await issues.allTextContents();
    expect(all[0]).toBe(
      `${formatDate(newestDispensing)} Dispensed: 28 tablet (28 days supply) by Lymington Road Pharmacy, Ringwood · CHIE`,
    );
    expect(all.filter((i) => i.includes('Dispensed'))).toHaveLength(6);
    const prescribed = all.filter((i) => i.includes('Prescribed'));
    expect(prescribed).toHaveLength(18);
    expect(prescribed[0]).toMatch(
      /Prescribed: 28 tablet \(28 days supply\) by Ringwood Health Centre · Dorset Care Record$/,
    );

    // A single acute issue has nothing to expand.
    const amoxicillin = page.getByTestId('medication-row').filter({ hasText: /Amoxicillin/ });
    expect(await amoxicillin.getByTestId('issue-history').count()).toBe(0);
    await centre(summary);
    await screenshot(page, 'medicine-issues');
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });
});
