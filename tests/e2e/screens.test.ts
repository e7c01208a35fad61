// The screens around the record: patient picker, caseload prefetch, offline records (cache management).
import { describe, expect, it } from 'vitest';
import { formatNhsNumber } from '../../common/nhs-number';
import type { HarnessPage } from '../../main/dev/harness';
import {
  expectQuietPage,
  sandboxPatient,
  screenshot,
  a11yViolations,
  waitForRecord,
  type E2eContext,
  e2eForFile,
} from './e2e-helpers';

let ctx: E2eContext;
let hp: HarnessPage;

e2eForFile(async (started) => {
  ctx = started;
  await ctx.services.openSandboxSession({ role: 'general-practitioner' });
  hp = await ctx.harness.newPage();
});

describe('with no patient in context', () => {
  it('offers the sandbox patients and NHS number entry, and rejects an invalid number', async () => {
    const { page, log } = hp;
    // The sandbox session starts with a patient in context; the picker is one click away.
    await waitForRecord(page);
    await page.getByRole('button', { name: 'Find a patient' }).click();
    await page.getByTestId('patient-picker').waitFor();
    const list = await page.getByTestId('sandbox-patients').textContent();
    const frail = sandboxPatient(ctx.services, 'frail');
    expect(list).toContain(formatNhsNumber(frail.nhsNumber));
    expect(list).toMatch(/ReSPECT|end of life|frail/i);

    const opensBefore = log.calls.filter((c) => c.channel === 'record:open').length;
    await page.getByLabel('NHS number', { exact: true }).fill('123 456 7890');
    await page.getByRole('button', { name: 'Open record' }).click();
    expect(await page.getByRole('alert').first().textContent()).toMatch(/valid 10-digit NHS number/);
    expect(log.calls.filter((c) => c.channel === 'record:open')).toHaveLength(opensBefore);
    await screenshot(page, 'patient-picker');
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });

  it('opens a record typed as an NHS number with spaces', async () => {
    const { page, log } = hp;
    const frail = sandboxPatient(ctx.services, 'frail');
    await page.getByLabel('NHS number', { exact: true }).fill(formatNhsNumber(frail.nhsNumber));
    await page.getByRole('button', { name: 'Open record' }).click();
    // Not the EPR's patient in context: the GP says why they are looking at this one.
    await page.getByTestId('reason-for-access').waitFor();
    await page.getByLabel('I am providing direct care to this patient').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await waitForRecord(page);
    expect(await page.getByTestId('patient-name').textContent()).toMatch(/Eldridge/i);
    // A GP lands on the full summary.
    expect(await page.getByTestId('view-full-summary').isVisible()).toBe(true);
    const open = log.calls.filter((c) => c.channel === 'record:open').at(-1);
    expect((open?.args as { nhsNumber: string }).nhsNumber).toBe(frail.nhsNumber);
    expectQuietPage(log);
  });
});

describe('caseload prefetch and offline records', () => {
  it('prefetches a caseload with a progress bar and per-patient results', async () => {
    const { page, log } = hp;
    await page.getByRole('button', { name: 'Caseload prefetch' }).click();
    await page.getByTestId('prefetch-screen').waitFor();
    const frail = sandboxPatient(ctx.services, 'frail');
    const crossBorder = sandboxPatient(ctx.services, 'cross-border');
    await page
      .getByLabel('NHS numbers, one per line')
      .fill([frail.nhsNumber, formatNhsNumber(crossBorder.nhsNumber)].join('\n'));
    // One reason for the list, asked before anything is fetched.
    await page.getByRole('button', { name: 'Prefetch these patients' }).click();
    expect(await page.getByRole('alert').textContent()).toBe(
      'Choose your reason for saving these patients’ records.',
    );
    expect(log.calls.filter((c) => c.channel === 'prefetch:start')).toEqual([]);
    await page.getByLabel('I am providing direct care to these patients').check();
    await page.getByRole('button', { name: 'Prefetch these patients' }).click();
    const progress = page.getByTestId('prefetch-progress');
    await progress.getByRole('heading', { name: 'Prefetch finished' }).waitFor({ timeout: 60_000 });
    const text = await progress.textContent();
    expect(text).toMatch(/2 of 2 records done: 2 saved, 0 failed/);
    expect(text).toContain(`${formatNhsNumber(frail.nhsNumber)}: Saved`);
    expect(text).toContain(`${formatNhsNumber(crossBorder.nhsNumber)}: Saved`);
    expect(await progress.locator('progress').getAttribute('value')).toBe('2');
    await screenshot(page, 'prefetch');
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });

  it('lists the failures when every source is down', async () => {
    const { page, log } = hp;
    const servers = ctx.services.sandbox?.servers;
    if (!servers) throw new Error('sandbox server handles missing');
    const all = [servers.dcr, servers.chie, servers.locator];
    await Promise.all(all.map((server) => server.setFault('down')));
    try {
      const notTraced = sandboxPatient(ctx.services, 'dissent');
      await page.getByLabel('NHS numbers, one per line').fill(notTraced.nhsNumber);
      await page.getByLabel('I am providing direct care to these patients').check();
      await page.getByRole('button', { name: 'Prefetch these patients' }).click();
      const progress = page.getByTestId('prefetch-progress');
      await progress.getByRole('heading', { name: 'Prefetch finished' }).waitFor({ timeout: 60_000 });
      const text = await progress.textContent();
      expect(text).toMatch(/1 of 1 records done: 0 saved, 1 failed/);
      expect(text).toContain(`${formatNhsNumber(notTraced.nhsNumber)}: Failed`);
      await screenshot(page, 'prefetch-failures');
    } finally {
      await Promise.all(all.map((server) => server.setFault(undefined)));
    }
    expectQuietPage(log);
  });

  it('finds a prefetched record by offline search and shows it as an offline copy with its age', async () => {
    const { page, log } = hp;
    await page.getByRole('button', { name: 'Find a patient' }).click();
    await page.getByLabel('Name, NHS number or date of birth').fill('Eldridge');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const results = page.getByTestId('offline-results');
    await results.getByRole('button', { name: /Eldridge/i }).click();
    await waitForRecord(page);
    const banner = page.getByTestId('offline-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(
      /Offline copy\. This record was saved .* and is (less than a minute|\d+ minutes?) old/,
    );
    expect(await page.getByTestId('resuscitation-status').textContent()).toMatch(/Not for CPR \(DNACPR\)/);
    await screenshot(page, 'offline-record');
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });

  it('lists offline records, deletes one, then deletes all after confirmation', async () => {
    const { page, log } = hp;
    await page.getByRole('button', { name: 'Offline records' }).click();
    const table = page.getByTestId('cache-table');
    await table.waitFor();
    const frail = sandboxPatient(ctx.services, 'frail');
    expect(await table.textContent()).toContain(formatNhsNumber(frail.nhsNumber));
    const before = await table.locator('tbody tr').count();
    expect(before).toBeGreaterThanOrEqual(2);
    await screenshot(page, 'offline-records');
    expect(await a11yViolations(page)).toEqual([]);

    await table
      .locator('tbody tr', { hasText: formatNhsNumber(frail.nhsNumber) })
      .getByRole('button', { name: /^Delete/ })
      .click();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(before - 1);
    expect(await table.textContent()).not.toContain(formatNhsNumber(frail.nhsNumber));

    await page.getByRole('button', { name: 'Delete all offline records' }).click();
    expect(log.calls.some((c) => c.channel === 'cache:delete-all')).toBe(false);
    await page.getByRole('button', { name: 'Yes, delete all' }).click();
    await page.getByText('No records are stored on this device.').waitFor();
    expect(
      await page
        .getByRole('status')
        .filter({ hasText: /Removed \d+ offline record/ })
        .count(),
    ).toBe(1);
    expectQuietPage(log);
  });
});
