// Issue 18 end to end in Debian Chromium: the real services watch the caseload on the built-in sandbox's
// regional sources (DCR by topic Subscription over a websocket, CHIE — configured without subscriptions — by
// polling); a sandbox admission appears on the "My caseload" screen, announced, and as a desktop notification
// that gives initials only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingNotifications, type HarnessPage } from '../../main/dev/harness';
import {
  a11yViolations,
  expectQuietPage,
  sandboxPatient,
  screenshot,
  startE2e,
  type E2eContext,
} from './e2e-helpers';

const notifications = recordingNotifications();
let ctx: E2eContext | undefined;
let hp: HarnessPage;

beforeAll(async () => {
  ctx = await startE2e({ subscriptions: { chie: false } }, { notifications });
  await ctx.services.openSandboxSession({ role: 'nurse', standalone: true });
  hp = await ctx.harness.newPage();
}, 120_000);
afterAll(async () => {
  await ctx?.close();
});

describe('caseload alerts from the sandbox', () => {
  const viewer = () => ctx!;
  it('a sandbox admission of a patient on the caseload shows on the screen and as an initials-only notification', async () => {
    const { page } = hp;
    const legg = sandboxPatient(viewer().services, 'cross-border');
    const frail = sandboxPatient(viewer().services, 'frail');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'My caseload' }).click();
    await page.getByLabel('NHS numbers I paste or type').check();
    await page.getByLabel('NHS numbers, one per line').fill(`${legg.nhsNumber}\n${frail.nhsNumber}`);
    await page.getByLabel('I am providing direct care to these patients').check();
    await page.getByRole('button', { name: 'Start watching' }).click();

    const connection = page.getByTestId('caseload-connection');
    await expect.poll(() => connection.textContent(), { timeout: 20_000 }).toMatch(/^Watching 2 patients/);
    await expect
      .poll(() => connection.textContent(), { timeout: 20_000 })
      .toContain('Dorset Care Record: Live');
    expect(await connection.textContent()).toContain('CHIE: Checked regularly (polling)');
    await page.getByTestId('caseload-no-activity').waitFor();

    await viewer().services.sandbox!.servers.dcr.admit('cross-border', { where: 'Dorset County Hospital' });
    const inHospital = page.getByTestId('caseload-in-hospital');
    await expect
      .poll(() => inHospital.textContent(), { timeout: 20_000 })
      .toMatch(/In Dorset County Hospital since/);
    const family = legg.name.split(' ').at(-1)!;
    expect((await inHospital.textContent())!.toLowerCase()).toContain(family.toLowerCase());
    expect(await page.getByTestId('caseload-no-activity').count()).toBe(0);
    expect(await page.getByTestId('caseload-announcer').textContent()).toMatch(
      /New caseload update: .*admitted/i,
    );

    const [shown] = await notifications.waitForCount(1);
    const given = legg.name.split(' ')[0]!;
    expect(shown!.body).toBe(`${given[0]}.${family[0]}. admitted to Dorset County Hospital`);
    expect(shown!.body.toLowerCase()).not.toContain(family.toLowerCase());

    await page.setViewportSize({ width: 1280, height: 1200 });
    await screenshot(page, 'caseload-sandbox-admission');
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(hp.log);
  }, 60_000);

  it('closing the viewer takes its notifications out of the notification centre', async () => {
    expect(notifications.showing.length).toBeGreaterThan(0);
    await viewer().close();
    ctx = undefined;
    expect(notifications.showing).toEqual([]);
  });
});
