// The timeline (one chronological view with source, type and date filters) and encounter detail (class,
// length of stay, provider, ward, the linked discharge letter), on the sandbox's cross-border patient, in
// Debian Chromium against the real services.
import type { Locator } from 'playwright-core';
import { daysAgo } from '../../sandbox/patients/build';
import { describe, expect, it } from 'vitest';
import type { HarnessPage } from '../../main/dev/harness';
import { formatDate } from '../../common/summary';
import {
  a11yViolations,
  expectQuietPage,
  sandboxPatient,
  screenshot,
  showTab,
  openSandboxRecord,
  waitForRecord,
  type E2eContext,
  e2eForFile,
} from './e2e-helpers';

let ctx: E2eContext;

/** Scrolls so that `element` starts just under the sticky banner and tabs (for the screenshots). */
const belowStickyBanner = (element: Locator) =>
  element.evaluate((el) => {
    const sticky = document.querySelector('.wx-sticky')?.getBoundingClientRect().bottom ?? 0;
    window.scrollBy(0, el.getBoundingClientRect().top - sticky - 8);
  });
let hp: HarnessPage;

e2eForFile(async (started) => {
  ctx = started;
  hp = await openSandboxRecord(ctx, 'cross-border');
});

describe('timeline', () => {
  const entryRows = () => hp.page.getByTestId('timeline-entry');
  const count = () => hp.page.getByTestId('timeline-count');
  const countOf = async () => Number(/^([\d,]+) entr/.exec((await count().textContent()) ?? '')?.[1]);

  it('shows encounters, results, documents, medicine changes and problems newest first, by month', async () => {
    const { page, log } = hp;
    await showTab(page, 'Timeline');
    await page.getByTestId('timeline-table').waitFor();
    const total = await countOf();
    expect(total).toBeGreaterThanOrEqual(15);
    expect(await entryRows().count()).toBe(total);
    // Newest first: CHIE's admission of three days ago heads the first month.
    const months = await page.getByTestId('timeline-month').locator('th').allTextContents();
    expect(months[0]).toMatch(new RegExp(`^${formatDate(daysAgo(3).slice(0, 7))} \\(\\d+ entr`));
    const first = (await entryRows().first().textContent()) ?? '';
    expect(first).toMatch(new RegExp(`^${formatDate(daysAgo(3))}Encounter.*Hospital admission.*CHIE`));
    const text = (await page.getByTestId('timeline-table').textContent()) ?? '';
    for (const kind of ['Result', 'Document', 'Medication started', 'Medication stopped', 'Problem'])
      expect(text).toContain(kind);
    // Metformin stopped in CHIE on discharge, on the day it happened, with the reason.
    expect(await entryRows().filter({ hasText: 'Medication stopped' }).first().textContent()).toMatch(
      /12 August 2025.*Metformin 500mg tablets.*Stopped in CHIE on 12 August 2025: Stopped on discharge: eGFR 28/,
    );
    expect(text).toMatch(/eGFR.*28 mL\/min\/1\.73m² · CKD G4 \(derived\)/);
    // Every source answered in full: nothing to warn about.
    expect(await page.getByTestId('view-timeline').getByTestId('section-status').count()).toBe(0);
    await belowStickyBanner(page.getByTestId('timeline-count'));
    await screenshot(page, 'timeline');
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });

  it('filters by source: without CHIE, only entries Dorset Care Record holds', async () => {
    const { page, log } = hp;
    const before = await countOf();
    const chie = page.getByTestId('timeline-sources').getByLabel(/CHIE/);
    await chie.uncheck();
    await expect.poll(countOf).toBeLessThan(before);
    expect(await count().textContent()).toMatch(/match these filters/);
    const sources = await page
      .getByTestId('timeline-table')
      .locator('tbody .wx-col-source')
      .allTextContents();
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((s) => !/Dorset Care Record/.test(s))).toEqual([]);
    expect(await page.getByTestId('timeline-table').textContent()).not.toMatch(/Discharge summary/);
    await chie.check();
    await expect.poll(countOf).toBe(before);
    expectQuietPage(log);
  });

  it('filters by type: results only, then documents too', async () => {
    const { page, log } = hp;
    const types = page.getByTestId('timeline-types');
    for (const kind of ['Encounter', 'Document', 'Medication started', 'Medication stopped', 'Problem'])
      await types.getByLabel(kind, { exact: true }).uncheck();
    await expect
      .poll(
        async () =>
          new Set(await page.locator('[data-testid="timeline-entry"] .wx-col-kind').allTextContents()),
      )
      .toEqual(new Set(['Result']));
    await types.getByLabel('Document', { exact: true }).check();
    await expect
      .poll(
        async () =>
          new Set(await page.locator('[data-testid="timeline-entry"] .wx-col-kind').allTextContents()),
      )
      .toEqual(new Set(['Result', 'Document']));
    for (const kind of ['Encounter', 'Medication started', 'Medication stopped', 'Problem'])
      await types.getByLabel(kind, { exact: true }).check();
    expectQuietPage(log);
  });

  it('filters by date: the last 30 days, a chosen month, then all dates again', async () => {
    const { page, log } = hp;
    const all = await countOf();
    await page.getByTestId('timeline-dates').getByRole('button', { name: 'Last 30 days' }).click();
    await expect.poll(countOf).toBe(2);
    const recent = await entryRows().allTextContents();
    expect(recent[0]).toMatch(/Hospital admission.*CHIE/);
    expect(recent[1]).toMatch(new RegExp(`^${formatDate(daysAgo(12))}Encounter.*Emergency department`));
    await page.getByTestId('timeline-from').fill('2025-08-01');
    await page.getByTestId('timeline-to').fill('2025-08-31');
    await expect.poll(() => entryRows().first().textContent()).toMatch(/August 2025/);
    const august = (await page.getByTestId('timeline-table').textContent()) ?? '';
    expect(august).toMatch(/Discharge summary/);
    expect(august).toMatch(/Hospital admission/);
    expect(august).not.toMatch(/2024|2026/);
    await page.getByTestId('timeline-dates').getByRole('button', { name: 'All dates' }).click();
    await expect.poll(countOf).toBe(all);
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });
});

describe('encounter detail', () => {
  it('opens the admission in progress by keyboard: inpatient, in hospital now, ward D5, provider', async () => {
    const { page, log } = hp;
    // The banner says where and since when.
    expect(await page.getByTestId('flag-encounters').textContent()).toBe(
      `In hospital now (Queen Alexandra Hospital, ward D5, since ${formatDate(daysAgo(3))})`,
    );
    await showTab(page, 'Encounters');
    const table = page.getByTestId('encounters-table');
    await table.waitFor();
    const open = table
      .locator('tbody tr', { hasText: formatDate(daysAgo(3)) })
      .getByTestId('entry-disclosure');
    expect(await open.getAttribute('aria-expanded')).toBe('false');
    await open.focus();
    await page.keyboard.press('Enter');
    expect(await open.getAttribute('aria-expanded')).toBe('true');
    const detail = page.getByTestId('entry-detail');
    await detail.waitFor();
    expect(await detail.getByTestId('encounter-class').textContent()).toBe('ClassInpatient');
    expect(await detail.getByTestId('encounter-period').textContent()).toBe(
      `WhenSince ${formatDate(daysAgo(3))}`,
    );
    expect(await detail.getByTestId('encounter-stay').textContent()).toBe(
      'Length of stayIn hospital now (3 days so far)',
    );
    expect(await detail.getByTestId('encounter-location').textContent()).toBe(
      'Ward or locationWard: Queen Alexandra Hospital, ward D5',
    );
    expect(await detail.getByTestId('encounter-provider').textContent()).toBe(
      'ProviderPortsmouth Hospitals University NHS Trust',
    );
    expect(await detail.textContent()).toMatch(/ReasonPneumonia/);
    expect(await detail.getByTestId('encounter-letters').textContent()).toMatch(/No letter linked/);
    await belowStickyBanner(table);
    await screenshot(page, 'encounter-detail');
    expect(await a11yViolations(page)).toEqual([]);
    await page.keyboard.press('Enter');
    expect(await detail.count()).toBe(0);
    expectQuietPage(log);
  });

  it('shows the August admission’s length of stay, ward and discharge, and opens its discharge letter', async () => {
    const { page, log } = hp;
    const row = page.getByTestId('encounters-table').locator('tbody tr', { hasText: '9 August 2025' });
    await row.getByTestId('entry-disclosure').click();
    const detail = page.getByTestId('entry-detail');
    expect(await detail.getByTestId('encounter-period').textContent()).toBe(
      'When9 August 2025 to 12 August 2025',
    );
    expect(await detail.getByTestId('encounter-stay').textContent()).toBe('Length of stay3 days');
    expect(await detail.getByTestId('encounter-location').textContent()).toMatch(
      /Ward: Queen Alexandra Hospital, ward E3/,
    );
    expect(await detail.textContent()).toMatch(/Discharged toHome/);
    expect(await detail.textContent()).toMatch(/ReasonAcute kidney injury/);
    const letter = detail.getByTestId('open-encounter-letter');
    expect(await letter.textContent()).toMatch(/Discharge summary/);
    await letter.click();
    await page.getByTestId('view-documents').waitFor();
    const opened = page.locator('[data-testid="document-open"][aria-pressed="true"]');
    expect(await opened.textContent()).toMatch(/Discharge summary/);
    const viewer = page.getByTestId('document-viewer');
    await viewer.getByRole('button', { name: /Fetch document/ }).click();
    await expect
      .poll(() => viewer.textContent())
      .toMatch(/Admitted 9 August 2025 with an acute kidney injury/);
    expectQuietPage(log);
  });
});

describe('timeline when CHIE cannot be reached', () => {
  it('says which sections may be incomplete and labels CHIE’s entries as its saved copy', async () => {
    const chie = ctx.services.sandbox!.servers.chie;
    await chie.setFault('down');
    try {
      const patient = sandboxPatient(ctx.services, 'cross-border');
      await ctx.services.openSandboxSession({
        role: 'general-practitioner',
        patientNhsNumber: patient.nhsNumber,
      });
      const { page, log } = await ctx.harness.newPage();
      await waitForRecord(page);
      await showTab(page, 'Timeline');
      await page.getByTestId('timeline-count').waitFor();
      const view = page.getByTestId('view-timeline');
      expect(await view.getByTestId('section-status').textContent()).toMatch(
        /^This timeline may be incomplete:CHIE could not be reached: the server refused the connection; showing its saved copy from .* \(Encounters, Results and vitals, Documents and letters, Current medications, Active problems\)\.$/,
      );
      expect(await view.getByTestId('timeline-sources').textContent()).toMatch(/CHIE \(saved copy, /);
      // The admission CHIE holds is still on the timeline, labelled as the saved copy it comes from.
      expect(await page.getByTestId('timeline-entry').first().textContent()).toMatch(
        /Hospital admission.*Saved copy, .*CHIE/,
      );
      // CHIE’s results, documents and medicines of the last 30 days: none shown, and never "None recorded".
      await view.getByTestId('timeline-sources').getByLabel('Dorset Care Record').uncheck();
      await view.getByTestId('timeline-types').getByLabel('Problem', { exact: true }).uncheck();
      await view.getByTestId('timeline-types').getByLabel('Encounter', { exact: true }).uncheck();
      await view.getByRole('button', { name: 'Last 30 days' }).click();
      await expect.poll(() => view.getByTestId('timeline-empty').textContent()).toMatch(/may be incomplete/);
      expect(await view.textContent()).not.toMatch(/None recorded|Nothing recorded/);
      await belowStickyBanner(view.getByTestId('timeline-dates'));
      await screenshot(page, 'timeline-source-failed');
      expect(await a11yViolations(page)).toEqual([]);
      expectQuietPage(log);
    } finally {
      await chie.setFault(undefined);
    }
  });
});

describe('timeline of a record with a source held apart', () => {
  it('keeps the held-apart source’s entries off it and says so', async () => {
    const patient = sandboxPatient(ctx.services, 'mixed-identity');
    await ctx.services.openSandboxSession({
      role: 'general-practitioner',
      patientNhsNumber: patient.nhsNumber,
    });
    const { page, log } = await ctx.harness.newPage();
    await waitForRecord(page);
    await page.getByTestId('held-apart').waitFor();
    await showTab(page, 'Timeline');
    const view = page.getByTestId('view-timeline');
    await view.getByTestId('timeline-count').waitFor();
    expect(await view.getByTestId('section-status').textContent()).toMatch(
      /CHIE is held apart \(its patient may be someone else\): none of its entries are on this timeline\./,
    );
    expect(await view.getByTestId('timeline-sources').textContent()).not.toMatch(/CHIE/);
    const sources = await view.locator('[data-testid="timeline-entry"] .wx-col-source').allTextContents();
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((s) => /CHIE/.test(s))).toEqual([]);
    // Her pregnancy and asthma (CHIE) are not his timeline's.
    expect(await view.textContent()).not.toMatch(/Pregnan|Asthma/i);
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
    await page.close();
  });
});

describe('hostile encounters', () => {
  it('shows hostile text as text, isolated and wrapped, on the timeline and in the encounter detail', async () => {
    const dcr = ctx.services.sandbox!.servers.dcr;
    const patient = sandboxPatient(ctx.services, 'cross-border');
    const subject = { reference: `Patient/${patient.dcr.find((r) => r.resourceType === 'Patient')?.id}` };
    const hostile = '<img src=x onerror="window.__xss=1">Hostile ward';
    await dcr.updateResource({
      resourceType: 'Encounter',
      id: 'hostile-encounter',
      status: 'finished',
      subject,
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      type: [{ text: `Admission ${hostile}` }],
      // Finished, but no end date: the stay cannot be worked out.
      period: { start: '2025-03-01' },
      serviceProvider: { display: `Trust ${'W'.repeat(3000)}` },
      location: [
        // A right-to-left override that is never closed.
        { location: { display: 'Reversed \u202eesrever' }, physicalType: { coding: [{ code: 'wa' }] } },
        { location: { reference: 'Location/no-name' } },
      ],
      reasonCode: [{ coding: [{ code: '000' }] }, { text: hostile }],
    } as never);
    await ctx.services.openSandboxSession({
      role: 'general-practitioner',
      patientNhsNumber: patient.nhsNumber,
    });
    const { page, log } = await ctx.harness.newPage();
    await waitForRecord(page);

    await showTab(page, 'Timeline');
    const entry = page.getByTestId('timeline-entry').filter({ hasText: 'Hostile ward' });
    expect(await entry.textContent()).toContain(`Admission ${hostile}`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);

    await showTab(page, 'Encounters');
    await page
      .getByTestId('encounters-table')
      .locator('tbody tr', { hasText: 'Hostile ward' })
      .getByTestId('entry-disclosure')
      .click();
    const detail = page.getByTestId('entry-detail');
    expect(await detail.getByTestId('encounter-stay').textContent()).toBe('Length of stayNot recorded');
    expect(await detail.getByTestId('encounter-location').textContent()).toBe(
      'Ward or locationWard: Reversed esreverLocation: name not recorded',
    );
    expect(await detail.textContent()).toContain(`Reason000; ${hostile}`);
    expect(await detail.getByTestId('encounter-provider').textContent()).toMatch(/^ProviderTrust W{3000}$/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
    await page.close();
  });
});
