// One regional source down: the clinician sees the failure, and everything the other source holds.
import { expect, it } from 'vitest';
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
e2eForFile((started) => (ctx = started));

it('shows the CHIE failure banner and the Dorset Care Record data when CHIE is down', async () => {
  const chie = ctx.services.sandbox?.servers.chie;
  if (!chie) throw new Error('sandbox CHIE server handle missing');
  await chie.setFault('down');
  const patient = sandboxPatient(ctx.services, 'cross-border');
  await ctx.services.openSandboxSession({ role: 'paramedic', patientNhsNumber: patient.nhsNumber });
  const { page, log } = await ctx.harness.newPage();
  await waitForRecord(page);

  const banner = page.getByTestId('source-failure-banner');
  await banner.waitFor();
  expect(await banner.textContent()).toMatch(/CHIE: failed/i);
  expect(await banner.textContent()).toMatch(/does not mean it does not exist/);
  const chieStatus = page.locator('[data-source="chie"]');
  expect(await chieStatus.textContent()).toMatch(/Failed/);
  // DCR-only entries are still there, attributed to DCR.
  const meds = await page.getByTestId('medications').textContent();
  expect(meds).toMatch(/atorvastatin/i);
  expect(meds).not.toMatch(/CHIE/);
  expect(await page.getByTestId('problems').textContent()).toMatch(/osteoarthritis/i);
  await screenshot(page, 'source-down');
  expect(await a11yViolations(page)).toEqual([]);
  expectQuietPage(log);
  await chie.setFault(undefined);
});
