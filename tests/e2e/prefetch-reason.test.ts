// A caseload prefetch's reason covers the patients in its list for the rest of the session: opening one of
// them afterwards (here from Offline records, every source down) does not ask for the reason again, and the
// audit trail holds the reason for each of them.
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../common/fhir';
import { expectQuietPage, sandboxPatient, waitForRecord, type E2eContext, e2eForFile } from './e2e-helpers';

let ctx: E2eContext;
e2eForFile((started) => (ctx = started));

describe('a nurse who prefetched their caseload', () => {
  it('opens a prefetched patient from Offline records without being asked the reason again', async () => {
    const frail = sandboxPatient(ctx.services, 'frail');
    const crossBorder = sandboxPatient(ctx.services, 'cross-border');
    await ctx.services.openSandboxSession({ role: 'nurse', standalone: true });
    const hp = await ctx.harness.newPage();
    const { page, log } = hp;
    const main = page.getByRole('navigation', { name: 'Main' });
    await main.getByRole('button', { name: 'Caseload prefetch' }).click();
    await page
      .getByLabel('NHS numbers, one per line')
      .fill([frail.nhsNumber, crossBorder.nhsNumber].join('\n'));
    await page.getByLabel('I am providing direct care to these patients').check();
    await page.getByRole('button', { name: 'Prefetch these patients' }).click();
    await page
      .getByTestId('prefetch-progress')
      .getByRole('heading', { name: 'Prefetch finished' })
      .waitFor({ timeout: 60_000 });
    // Main holds the list's reason for each patient in it.
    const held = ctx.services.session()?.patientReasons.map((r) => r.nhsNumber);
    expect(held).toEqual(expect.arrayContaining([frail.nhsNumber, crossBorder.nhsNumber]));

    const servers = ctx.services.sandbox!.servers;
    const sources = [servers.dcr, servers.chie, servers.locator];
    await Promise.all(sources.map((s) => s.setFault('down')));
    try {
      await main.getByRole('button', { name: 'Offline records' }).click();
      await page
        .getByTestId('cache-table')
        .getByRole('button', { name: /^ELDRIDGE/ })
        .click();
      await waitForRecord(page);
      expect(await page.getByTestId('reason-for-access').count()).toBe(0);
      expect(await page.getByTestId('patient-name').textContent()).toMatch(/ELDRIDGE/);
      expect(log.calls.filter((c) => c.channel === 'access:declare-reason')).toHaveLength(1);
    } finally {
      await Promise.all(sources.map((s) => s.setFault(undefined)));
    }
    // The reason is audited for each patient of the list.
    const reasonFor = (nhs: string) => (e: AuditEvent) =>
      e.subtype?.[0]?.code === 'access-reason' &&
      !!e.entity?.some((x) => x.what?.type === 'Patient' && x.what.identifier?.value === nhs);
    await expect
      .poll(() => [frail, crossBorder].every((p) => servers.audit.events.some(reasonFor(p.nhsNumber))), {
        timeout: 15_000,
      })
      .toBe(true);
    expectQuietPage(log);
    await page.close();
  });
});
