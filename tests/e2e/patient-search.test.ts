// Finding a patient without their NHS number, as a paramedic signed in directly sees it in Debian Chromium:
// surname and date of birth on the Find a patient screen; the match shows its NHS number, address and who
// holds it, and opens like any other record once a reason for access to that patient is given. No match, bad input and a
// record that did not answer are each said in plain words.
import { describe, expect, it } from 'vitest';
import { formatNhsNumber } from '../../common/nhs-number';
import type { HarnessPage } from '../../main/dev/harness';
import {
  a11yViolations,
  expectQuietPage,
  sandboxPatient,
  screenshot,
  waitForRecord,
  type E2eContext,
  e2eForFile,
} from './e2e-helpers';

let ctx: E2eContext;
let hp: HarnessPage;

e2eForFile(async (started) => {
  ctx = started;
  await ctx.services.openSandboxSession({ role: 'paramedic', standalone: true });
  hp = await ctx.harness.newPage();
});

const searches = () => hp.log.calls.filter((c) => c.channel === 'patient:search').length;

async function searchFor(family: string, day: string, month: string, year: string): Promise<void> {
  const { page } = hp;
  await page.getByLabel('Family name (surname)').fill(family);
  await page.getByLabel('Day').fill(day);
  await page.getByLabel('Month').fill(month);
  await page.getByLabel('Year').fill(year);
  await page.getByRole('button', { name: 'Find matching patients' }).click();
}

async function expectAccessible(name: string): Promise<void> {
  await screenshot(hp.page, name);
  expect(await a11yViolations(hp.page)).toEqual([]);
  expectQuietPage(hp.log);
}

describe('patient search by name and date of birth', () => {
  it('a paramedic finds the patient by surname and date of birth, gives a reason for them, and opens the record', async () => {
    const { page, log } = hp;
    const legg = sandboxPatient(ctx.services, 'cross-border');
    await page.getByTestId('patient-picker').waitFor();

    await searchFor('legg', '17', '4', '1951');
    const table = page.getByTestId('patient-search-table');
    await table.waitFor();
    expect(await table.locator('caption').textContent()).toBe('1 patient matches legg, born 17 April 1951');
    const row = table.locator('tbody tr');
    expect(await row.count()).toBe(1);
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(0, 7)).toEqual([
      'LEGG, David John (Mr)',
      '17 April 1951',
      'Male',
      formatNhsNumber(legg.nhsNumber),
      expect.stringMatching(/Ringwood.*BH24 7UW$/),
      'Ringwood Health Centre',
      'Dorset Care Record, CHIE, Your clinical system (EPR)',
    ]);
    expect(await page.getByTestId('patient-search-incomplete').count()).toBe(0);
    await table.scrollIntoViewIfNeeded();
    await expectAccessible('patient-search');

    await row.getByRole('button', { name: /^Open record for LEGG/ }).click();
    // The reason is asked for the patient chosen, named as the search listed them.
    const prompt = page.getByTestId('reason-for-access');
    await prompt.waitFor();
    expect(await prompt.getByTestId('reason-patient').textContent()).toBe(
      `PatientLEGG, David John (Mr)NHS number${formatNhsNumber(legg.nhsNumber)}`,
    );
    await page.getByLabel('Emergency or urgent care').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await waitForRecord(page);
    expect(await page.getByTestId('patient-name').textContent()).toMatch(/Legg/i);
    const open = log.calls.filter((c) => c.channel === 'record:open').at(-1);
    expect((open?.args as { nhsNumber: string }).nhsNumber).toBe(legg.nhsNumber);
    expectQuietPage(log);
  });

  it('says plainly when nobody matches, naming the records searched', async () => {
    const { page } = hp;
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: 'Find a patient' })
      .click();
    await searchFor('Nobody', '1', '1', '2000');
    const none = page.getByTestId('patient-search-none');
    await none.waitFor();
    expect(await none.textContent()).toBe(
      'No patient matches Nobody, born 1 January 2000 in Dorset Care Record, CHIE, Your clinical system (EPR). Check the spelling and date of birth.',
    );
    expect(await page.getByTestId('patient-search-table').count()).toBe(0);
    expectQuietPage(hp.log);
  });

  it('explains what is wrong with the form in NHS style, and asks nobody', async () => {
    const { page } = hp;
    const before = searches();
    await page.getByLabel('Family name (surname)').fill('');
    await page.getByLabel('Day').fill('31');
    await page.getByLabel('Month').fill('2');
    await page.getByLabel('Year').fill('1951');
    await page.getByRole('button', { name: 'Find matching patients' }).click();
    const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
    expect(await summary.locator('li').allTextContents()).toEqual([
      'Enter their family name',
      'Date of birth must be a real date, like 2 11 1936',
    ]);
    expect(await page.locator('#search-family-error').textContent()).toBe('Error: Enter their family name');
    // Focus moves to the summary, so a keyboard or screen reader user hears what to fix.
    expect(await summary.evaluate((el) => el === document.activeElement)).toBe(true);

    await page.getByLabel('Family name (surname)').fill('Legg<script>');
    await page.getByLabel('Day').fill('');
    await page.getByRole('button', { name: 'Find matching patients' }).click();
    expect(await summary.locator('li').allTextContents()).toEqual([
      'Family name must only include letters, spaces, hyphens and apostrophes',
      'Date of birth must include a day',
    ]);
    expect(searches()).toBe(before);
    await expectAccessible('patient-search-errors');
  });

  it('says which record did not answer, so the list never looks complete', async () => {
    const { page } = hp;
    const chie = ctx.services.sandbox!.servers.chie;
    await chie.setFault('down');
    try {
      await searchFor('Legg', '17', '04', '1951');
      const warning = page.getByTestId('patient-search-incomplete');
      await warning.waitFor();
      expect(await warning.textContent()).toMatch(
        /^Not every record was searched\. Someone held only there is not listed:CHIE could not be reached: the server refused the connection/,
      );
      const cells = await page.getByTestId('patient-search-table').locator('tbody td').allTextContents();
      expect(cells[6]).toBe('Dorset Care Record, Your clinical system (EPR)');
      await expectAccessible('patient-search-incomplete');
    } finally {
      await chie.setFault(undefined);
    }
  });

  it('shows a hostile directory entry as text, says why it cannot be opened, and runs nothing', async () => {
    const { page } = hp;
    const dcr = ctx.services.sandbox!.servers.dcr;
    await dcr.updateResource({
      resourceType: 'Patient',
      id: 'hostile-search',
      name: [{ family: 'Legg\u202E<img src=x onerror=alert(1)>', given: ['Evil'] }],
      birthDate: '1951-04-17',
      address: [{ line: ['W'.repeat(3000)], postalCode: 'BH24 1ZZ' }],
    });
    try {
      await searchFor('Legg', '17', '4', '1951');
      const table = page.getByTestId('patient-search-table');
      await table.getByText(/cannot be opened here/).waitFor();
      const hostileRow = table.locator('tbody tr').filter({ hasText: 'onerror' });
      // Shown as text, and without the right-to-left override, which would have turned the rest round.
      expect(await hostileRow.locator('td').first().textContent()).toBe(
        'LEGG<IMG SRC=X ONERROR=ALERT(1)>, Evil',
      );
      expect(await hostileRow.getByRole('button').count()).toBe(0);
      expect(await hostileRow.textContent()).toContain(
        'Dorset Care Record holds no NHS number for this person, so their record cannot be opened here',
      );
      expect(await table.locator('img').count()).toBe(0);
      // The 3,000-character address wraps inside the page: nothing scrolls sideways.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await hostileRow.scrollIntoViewIfNeeded();
      await expectAccessible('patient-search-hostile');
    } finally {
      await dcr.deleteResource('Patient', 'hostile-search');
    }
  });
});
