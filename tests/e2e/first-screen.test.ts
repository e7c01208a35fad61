// The first screen at common laptop sizes: the header is a strip, and the patient banner with the resuscitation
// decision is in view without scrolling, whichever role signed in (a paramedic's trust name is a long one).
import { describe, expect, it } from 'vitest';
import { expectQuietPage, openSandboxRecord, screenshot, type E2eContext, e2eForFile } from './e2e-helpers';
import type { SandboxRole } from '../../main/dev/sandbox-viewer';

let ctx: E2eContext;
e2eForFile((started) => (ctx = started));

const ROLES: SandboxRole[] = ['general-practitioner', 'paramedic', 'nurse'];
/** The sandbox sign-ins' own names for their roles. */
const ROLE_NAMES: Record<string, string> = {
  'general-practitioner': 'General practitioner',
  paramedic: 'Paramedic',
  nurse: 'Community nurse',
};

describe('the header and banner at 1024×640 and wider', () => {
  it.each(ROLES)('leaves the banner and its DNACPR flag in the first screen for a %s', async (role) => {
    const hp = await openSandboxRecord(ctx, 'frail', role);
    const { page } = hp;
    try {
      for (const [width, height] of [
        [1024, 640],
        [1100, 700],
        [1280, 720],
        [1366, 768],
        [1920, 1080],
      ] as const) {
        await page.setViewportSize({ width, height });
        await page.evaluate(() => window.scrollTo(0, 0));
        const at = `${role} at ${width}×${height}`;
        const header = (await page.locator('header.wx-header').boundingBox())!;
        // At most two rows: the links, then who is signed in.
        expect(header.height, at).toBeLessThanOrEqual(100);
        // The signed-in user reads as words, not one letter a line.
        const user = (await page.getByTestId('signed-in-user').boundingBox())!;
        expect(user.width, at).toBeGreaterThan(150);
        expect(user.height, at).toBeLessThanOrEqual(60);
        expect(await page.getByRole('button', { name: 'Sign out' }).isVisible(), at).toBe(true);
        const name = (await page.getByTestId('patient-name').boundingBox())!;
        expect(name.y, at).toBeGreaterThanOrEqual(header.y + header.height - 1);
        const dnacpr = page.getByTestId('flag-advanceCare');
        expect(await dnacpr.textContent(), at).toMatch(/DNACPR/);
        const flag = (await dnacpr.boundingBox())!;
        expect(flag.y, at).toBeGreaterThanOrEqual(0);
        expect(flag.y + flag.height, at).toBeLessThanOrEqual(height);
        expect(await page.evaluate(() => document.documentElement.scrollWidth > innerWidth), at).toBe(false);
      }
      await page.setViewportSize({ width: 1024, height: 640 });
      await screenshot(page, `first-screen-1024-${role}`);
      // The role by its name, never its policy code ("general-practitioner").
      const who = await page.getByTestId('signed-in-user').textContent();
      expect(who).toContain(` · ${ROLE_NAMES[role]} · `);
      if (role.includes('-')) expect(who).not.toContain(role);
      await page
        .getByRole('navigation', { name: 'Record views' })
        .getByRole('button', { name: 'Full summary', exact: true })
        .click();
      await page
        .getByRole('navigation', { name: 'Record views' })
        .getByRole('button', { name: 'Urgent care summary', exact: true })
        .click();
      const makeDefault = await page.getByTestId('make-default-view').allTextContents();
      for (const text of makeDefault) {
        expect(text).toContain(`for your role, ${ROLE_NAMES[role]}, on this computer`);
        expect(text).not.toContain(`as ${role}`);
      }
      expectQuietPage(hp.log);
    } finally {
      await page.close();
    }
  });
});
