// Times on the record, break-glass and offline-records screens in Debian Chromium, against the real services on
// the built-in sandbox whose clock stands at a summer afternoon: clinicians in Wessex see UK time with its zone
// (BST in summer), never UTC. 14:05 UTC on 1 July is 15:05 BST; a screen showing UTC would say 14:05.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatNhsNumber } from '../../common/nhs-number';
import type { HarnessPage } from '../../main/dev/harness';
import { expectQuietPage, sandboxPatient, startE2e, waitForRecord, type E2eContext } from './e2e-helpers';

const SUMMER_AFTERNOON = new Date('2026-07-01T14:05:00Z');
const SHOWN = '1 Jul 2026, 15:05 BST';
let ctx: E2eContext;
let hp: HarnessPage;

beforeAll(async () => {
  ctx = await startE2e({}, { clock: () => new Date(SUMMER_AFTERNOON) });
  await ctx.services.openSandboxSession({ role: 'paramedic', standalone: true });
  hp = await ctx.harness.newPage();
}, 120_000);
afterAll(async () => {
  await ctx?.close();
});

describe('times in UK local time, with the zone', () => {
  it('the break-glass banner, the sources, the record assembled time and the handover stamp say 15:05 BST', async () => {
    const { page } = hp;
    const frail = sandboxPatient(ctx.services, 'frail');
    await page.getByTestId('patient-picker').waitFor();
    await page.getByTestId('sandbox-patients').getByRole('button', { name: frail.name }).click();
    await page.getByTestId('reason-for-access').waitFor();
    await page.getByLabel(/Emergency access \(break-glass\)/).check();
    await page
      .getByLabel('Reason for emergency access (required)')
      .fill('Cardiac arrest at home, GP surgery closed');
    await page.getByRole('button', { name: 'Break the glass and continue' }).click();
    await waitForRecord(page);

    const banner = await page.getByTestId('break-glass-banner').textContent();
    expect(banner).toContain(`” at ${SHOWN}.`);
    const sources = await page.getByTestId('source-status').textContent();
    expect(sources).toContain(`at ${SHOWN}`);
    expect(await page.locator('.wx-footnote').textContent()).toContain(`Record assembled ${SHOWN} from`);
    // The printed handover's stamp (shown only in print) names the sources' times in UK time too.
    const stamp = await page.getByTestId('handover-stamp').textContent();
    expect(stamp).toMatch(/on \d{1,2} \w{3} \d{4}, \d\d:\d\d (GMT|BST)\./);
    expect(stamp).toContain(`answered ${SHOWN}`);
    for (const text of [banner, sources, stamp]) {
      expect(text).not.toContain('14:05');
      expect(text).not.toContain('UTC');
    }
    expectQuietPage(hp.log);
  });

  it('the offline records screen gives when each record was saved and when it expires in UK time', async () => {
    const { page } = hp;
    const frail = sandboxPatient(ctx.services, 'frail');
    await page.getByRole('button', { name: 'Offline records' }).click();
    const table = page.getByTestId('cache-table');
    await table.waitFor();
    const row = table.locator('tbody tr', { hasText: formatNhsNumber(frail.nhsNumber) });
    await expect.poll(() => row.textContent()).toContain(SHOWN);
    // Kept 72 hours: expires on 4 July at the same UK clock time.
    expect(await row.textContent()).toContain('4 Jul 2026, 15:05 BST');
    expect(await row.textContent()).not.toContain('14:05');
    expectQuietPage(hp.log);
  });

  it('a source shown from its saved copy says so with the zone in capitals (BST, never bst)', async () => {
    const { page } = hp;
    const frail = sandboxPatient(ctx.services, 'frail');
    const dcr = ctx.services.sandbox!.servers.dcr;
    await dcr.setFault('down');
    try {
      await page.getByRole('button', { name: 'Find a patient' }).click();
      await page.getByTestId('sandbox-patients').getByRole('button', { name: frail.name }).click();
      await waitForRecord(page);
      const failure = page.getByTestId('source-failure-banner');
      await expect.poll(() => failure.textContent()).toContain('Dorset Care Record: saved copy, 15:05 BST');
      await page
        .getByRole('navigation', { name: 'Record views' })
        .getByRole('button', { name: 'Timeline', exact: true })
        .click();
      const sources = page.getByTestId('timeline-sources');
      await expect.poll(() => sources.textContent()).toContain('(saved copy, 15:05 BST');
      for (const text of [await failure.textContent(), await sources.textContent()]) {
        expect(text).not.toMatch(/\b(bst|gmt)\b/);
      }
    } finally {
      await dcr.setFault(undefined);
    }
    expectQuietPage(hp.log);
  });
});
