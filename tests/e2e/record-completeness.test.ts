// What the record says about itself, in Debian Chromium against the real services on the sandbox: sections
// say "None recorded" only when complete, and otherwise which source is missing and why; progressive paint;
// nothing retrieved; saved copies; the patient has died; records held apart; an unverified NHS number.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { HarnessPage } from '../../main/dev/harness';
import {
  expectQuietPage,
  sandboxPatient,
  screenshot,
  a11yViolations,
  showTab,
  startE2e,
  waitForRecord,
  type E2eContext,
} from './e2e-helpers';

let ctx: E2eContext;

/** The urgent-care deadline, shorter than policy's default (8 s) so the test need not wait as long. */
const URGENT_CARE_DEADLINE_MS = 2_000;

beforeAll(async () => {
  ctx = await startE2e({}, { engine: { urgentCareDeadlineMs: URGENT_CARE_DEADLINE_MS } });
}, 120_000);
afterAll(async () => {
  await ctx?.close();
});

const servers = () => {
  const s = ctx.services.sandbox?.servers;
  if (!s) throw new Error('sandbox server handles missing');
  return s;
};

const section = (page: Page, id: string) => page.locator(`[data-section="${id}"]`);

/** Opens a sandbox patient as this role in a new window; `wait`: until the whole record is there. */
async function open(
  key: string,
  role: 'paramedic' | 'general-practitioner',
  wait = true,
): Promise<HarnessPage> {
  await ctx.services.openSandboxSession({
    role,
    patientNhsNumber: sandboxPatient(ctx.services, key).nhsNumber,
  });
  const hp = await ctx.harness.newPage();
  if (wait) await waitForRecord(hp.page);
  return hp;
}

async function expectAccessible(hp: HarnessPage, name: string): Promise<void> {
  await screenshot(hp.page, name);
  expect(await a11yViolations(hp.page)).toEqual([]);
  expectQuietPage(hp.log);
}

describe('section completeness', () => {
  it('never says "no known allergies" or "none recorded" alone when CHIE could not be reached', async () => {
    await servers().chie.setFault('down');
    let hp: HarnessPage | undefined;
    try {
      hp = await open('cross-border', 'general-practitioner');
      const { page } = hp;
      const allergies = section(page, 'allergies');
      // DCR's "no known allergy" is shown, under a warning that CHIE (which holds penicillin) was not checked.
      expect(await page.getByTestId('allergies').textContent()).toMatch(/no known allerg/i);
      const warning = allergies.getByTestId('section-status');
      expect(await warning.textContent()).toMatch(
        /This section may be incomplete:CHIE could not be reached: the server refused the connection/,
      );
      for (const id of ['advanceCare', 'alerts', 'allergies', 'medications', 'problems']) {
        const text = await section(page, id).textContent();
        expect(text, id).toMatch(/CHIE could not be reached: the server refused the connection/);
        expect(text, id).not.toMatch(/None recorded|sources that answered/);
      }
      expect(await page.locator('[data-source="chie"]').textContent()).toMatch(/Failed/);
      await showTab(page, 'Results and vitals');
      await page.getByTestId('view-results').waitFor();
      expect(await page.getByTestId('view-results').textContent()).toMatch(
        /CHIE could not be reached: the server refused the connection/,
      );
      await showTab(page, 'Encounters');
      expect(await page.getByTestId('view-encounters').textContent()).toMatch(
        /CHIE could not be reached: the server refused the connection/,
      );
      await showTab(page, 'Urgent care summary');
      await expectAccessible(hp, 'completeness-chie-down');
    } finally {
      await servers().chie.setFault(undefined);
      await hp?.page.close();
    }
  });

  it('says "None recorded" in a section every source answered in full', async () => {
    const hp = await open('cross-border', 'general-practitioner');
    const { page } = hp;
    expect(await page.getByTestId('section-status').count()).toBe(0);
    // The paramedic-hidden sections aside, an empty section here is complete.
    const text = await page.getByTestId('view-full-summary').textContent();
    expect(text).not.toMatch(/may be incomplete|Still loading/);
    expect(text).toMatch(/None recorded\./);
    expectQuietPage(hp.log);
    await page.close();
  });

  it('paints the banner at once and DNACPR from DCR while CHIE is still loading, then says CHIE is overdue', async () => {
    // CHIE holds its first answers (capabilities, the patient search) for 4 s: past the urgent-care deadline
    // (2 s here), within the per-source one (30 s). DCR is on screen first.
    await servers().chie.setFault('slow', { delayMs: 2 * URGENT_CARE_DEADLINE_MS, times: 2 });
    let hp: HarnessPage | undefined;
    try {
      hp = await open('frail', 'paramedic', false);
      const { page } = hp;
      const advance = section(page, 'advanceCare');
      const advanceText = () => advance.textContent().catch(() => '');
      // The banner comes from the launch context, before any source has answered.
      await expect
        .poll(() => page.getByTestId('patient-name').textContent(), { timeout: 5_000 })
        .toMatch(/Eldridge/i);
      await expect.poll(advanceText, { timeout: 20_000 }).toMatch(/DNACPR/);
      // Still loading (or, past the urgent-care deadline, still trying): never "None recorded" meanwhile.
      // (DCR too may still be reading the rest of its record, where a decision worded as one could be.)
      expect(await advanceText()).toMatch(/Still loading:.*CHIE|CHIE has not answered.*still trying/);
      expect(await page.getByRole('button', { name: 'Print handover summary' }).isDisabled()).toBe(true);
      for (const id of ['alerts', 'allergies', 'medications', 'problems']) {
        expect(await section(page, id).textContent(), id).not.toMatch(/None recorded/);
      }
      await screenshot(page, 'completeness-progressive');
      // The urgent-care deadline: shown as incomplete while CHIE is still being tried.
      await expect.poll(advanceText, { timeout: 20_000 }).toMatch(/may be incomplete:.*CHIE.*still trying/);
      expect(await advanceText()).toMatch(/DNACPR/);
      await screenshot(page, 'completeness-overdue');
      // CHIE answers in the end: the finished record is whole and printable.
      await page
        .getByRole('button', { name: 'Print handover summary' })
        .and(page.locator(':enabled'))
        .waitFor({ timeout: 30_000 });
      expect(await advanceText()).not.toMatch(/still trying|Still loading|may be incomplete/);
      expect(await page.locator('[data-source="chie"]').textContent()).not.toMatch(/Failed/);
      expectQuietPage(hp.log);
    } finally {
      await servers().chie.setFault(undefined);
      await hp?.page.close();
    }
  }, 60_000);
});

describe('nothing retrieved', () => {
  it('says no record could be retrieved, why, disables printing, and tries again', async () => {
    // Opening a record keeps a saved copy of it: without one, nothing at all can be shown.
    await ctx.services.handlers['cache:delete-all']({}, {});
    const all = [servers().dcr, servers().chie, servers().locator];
    await Promise.all(all.map((s) => s.setFault('down')));
    let hp: HarnessPage | undefined;
    try {
      hp = await open('cross-border', 'paramedic', false);
      const { page } = hp;
      const panel = page.getByTestId('no-record');
      await panel.waitFor({ timeout: 20_000 });
      const text = await panel.textContent();
      expect(text).toMatch(/No record could be retrieved/);
      expect(text).toMatch(/Dorset Care Record could not be reached: the server refused the connection/);
      expect(text).toMatch(/CHIE could not be reached: the server refused the connection/);
      for (const name of ['Print handover summary', 'Save as PDF']) {
        const button = page.getByRole('button', { name });
        expect(await button.isDisabled(), name).toBe(true);
        const described = await button.getAttribute('aria-describedby');
        expect(await page.locator(`#${described}`).textContent()).toMatch(
          /Nothing to print or save: no record could be retrieved/,
        );
      }
      expect(await page.getByTestId('view-urgent-care').count()).toBe(0);
      await expectAccessible(hp, 'completeness-no-record');

      await Promise.all(all.map((s) => s.setFault(undefined)));
      await panel.getByRole('button', { name: 'Try again' }).click();
      await waitForRecord(page);
      expect(await page.getByTestId('no-record').count()).toBe(0);
      expect(await page.getByTestId('medications').textContent()).toMatch(/atorvastatin/i);
      expectQuietPage(hp.log);
    } finally {
      await Promise.all(all.map((s) => s.setFault(undefined)));
      await hp?.page.close();
    }
  });
});

describe('saved copies', () => {
  it('labels a failed source’s saved entries and never calls it answered', async () => {
    const patient = sandboxPatient(ctx.services, 'cross-border');
    await ctx.services.openSandboxSession({
      role: 'general-practitioner',
      patientNhsNumber: patient.nhsNumber,
    });
    // A prefetch is one reason for its list (here, the EPR's own patient).
    await ctx.services.handlers['access:declare-reason'](
      { reasonCode: 'direct-care', breakGlass: false },
      {},
    );
    const prefetch = await ctx.services.handlers['prefetch:start'](
      { requestId: 'saved-copy-prefetch', nhsNumbers: [patient.nhsNumber] },
      {},
    );
    expect(prefetch.results.every((r) => r.ok)).toBe(true);
    await servers().chie.setFault('down');
    let hp: HarnessPage | undefined;
    try {
      hp = await open('cross-border', 'general-practitioner');
      const { page } = hp;
      const chie = await page.locator('[data-source="chie"]').textContent();
      expect(chie).toMatch(/saved copy, \d\d:\d\d (GMT|BST) (today|yesterday)/);
      expect(chie).not.toMatch(/Answered/);
      // CHIE's penicillin allergy is only in CHIE's saved copy: the entry says so.
      const penicillin = page.getByTestId('allergies').locator('li', { hasText: /penicillin/i });
      expect(await penicillin.first().textContent()).toMatch(
        /Saved copy, \d\d:\d\d (GMT|BST) (today|yesterday)/,
      );
      // An entry DCR holds live and CHIE only as a saved copy names which copy is saved.
      expect(
        await page.locator('.wx-source', { hasText: /CHIE \(saved copy, \d\d:\d\d/ }).count(),
      ).toBeGreaterThan(0);
      expect(await section(page, 'allergies').textContent()).toMatch(
        /CHIE could not be reached: the server refused the connection; showing its saved copy/,
      );
      await expectAccessible(hp, 'completeness-saved-copy');
    } finally {
      await servers().chie.setFault(undefined);
      await hp?.page.close();
    }
  });
});

describe('the patient has died', () => {
  it('says so in the banner on every view and marks still-active medications and care plans', async () => {
    const hp = await open('deceased', 'general-practitioner');
    const { page } = hp;
    expect(await page.getByTestId('deceased').textContent()).toMatch(/^Died 3 October 2025/);
    expect(await page.getByTestId('dob').textContent()).not.toMatch(/years\)/);
    const meds = await page.getByTestId('medications').textContent();
    expect(meds).toMatch(/furosemide/i);
    expect(meds).toMatch(/Recorded as active – patient has died/);
    await expectAccessible(hp, 'deceased-summary');
    await showTab(page, 'Care plans');
    await page.getByTestId('view-care-plans').waitFor();
    expect(await page.getByTestId('deceased').isVisible()).toBe(true);
    const plans = await page.getByTestId('view-care-plans').textContent();
    // Each plan by its title, each marked.
    expect(plans).toMatch(/Heart failure care plan\s*active\s*Recorded as active – patient has died/);
    expect(plans).toMatch(/Discharge plan: heart failure\s*active\s*Recorded as active – patient has died/);
    await expectAccessible(hp, 'deceased-care-plans');
    await page.close();
  });
});

describe('records held apart', () => {
  it('shows who CHIE says the patient is, what differs and its entries, apart from the summary', async () => {
    const hp = await open('mixed-identity', 'general-practitioner');
    const { page } = hp;
    const warning = page.getByTestId('held-apart-warning');
    expect(await warning.textContent()).toMatch(/CHIE may hold a different person under this NHS number/);
    const panel = page.getByTestId('held-apart');
    const chie = panel.locator('[data-testid="held-apart-source"][data-source="chie"]');
    const text = await chie.textContent();
    expect(text).toMatch(/DUNN, Chloe/i);
    expect(text).toMatch(/29 October 1987/);
    expect(text).toMatch(/Female/);
    expect(text).toMatch(/surname Dunn/i);
    // Entries collapsed, and not merged into the summary.
    const entries = chie.locator('details');
    expect(await entries.getAttribute('open')).toBeNull();
    expect(await entries.locator('summary').textContent()).toMatch(/entries held apart \(\d+\)/);
    expect(await page.getByTestId('allergies').textContent()).not.toMatch(/latex/i);
    expect(await page.getByTestId('allergies').textContent()).toMatch(/penicillin/i);
    expect(await section(page, 'allergies').textContent()).toMatch(/held apart/);
    await entries.locator('summary').click();
    expect(await entries.textContent()).toMatch(/latex/i);
    await warning.getByRole('button', { name: 'Review held-apart records' }).click();
    await expectAccessible(hp, 'held-apart');

    await chie.getByRole('button', { name: 'Different person – keep apart' }).click();
    await expect
      .poll(
        () =>
          page
            .getByTestId('held-apart-decision')
            .textContent()
            .catch(() => ''),
        { timeout: 20_000 },
      )
      .toMatch(/Kept apart/);
    await waitForRecord(page);
    expect(await page.getByTestId('allergies').textContent()).not.toMatch(/latex/i);
    expect(await page.getByTestId('held-apart-warning').textContent()).toMatch(/Kept apart/);
    expect(
      hp.log.calls.find((c) => c.channel === 'record:decide-identity')?.outcome.ok,
      'decision recorded',
    ).toBe(true);
    await expectAccessible(hp, 'held-apart-kept');
    await page.close();
  });

  it('merges CHIE once the clinician says it is the same person', async () => {
    const hp = await open('mixed-identity', 'general-practitioner');
    const { page } = hp;
    await page.getByTestId('held-apart').getByRole('button', { name: 'Same person – merge' }).click();
    await expect.poll(() => page.getByTestId('held-apart').count(), { timeout: 20_000 }).toBe(0);
    await waitForRecord(page);
    expect(await page.getByTestId('allergies').textContent()).toMatch(/latex/i);
    expect(await page.getByTestId('identity-warnings').textContent()).toMatch(/same person/);
    expectQuietPage(hp.log);
    await page.close();
  });
});

describe('unverified NHS number', () => {
  it('asks the clinician to confirm surname and date of birth before searching regional records', async () => {
    const hp = await open('not-traced', 'general-practitioner', false);
    const { page } = hp;
    const form = page.getByTestId('confirm-identity');
    await form.waitFor({ timeout: 20_000 });
    expect(await form.textContent()).toMatch(/regional records were not searched/);
    const surname = form.getByLabel('Surname');
    // Nothing prefilled: the clinician types what the patient or their notes say.
    expect(await surname.inputValue()).toBe('');
    const [year, month, day] = sandboxPatient(ctx.services, 'not-traced').birthDate.split('-') as [
      string,
      string,
      string,
    ];
    await form.getByLabel('Day').fill(day);
    await form.getByLabel('Month').fill(month);
    await form.getByLabel('Year').fill(year);
    const submit = form.getByRole('button', { name: 'Confirm identity and search regional records' });

    // Not ticked: asked to tick, nothing sent.
    await submit.click();
    expect(await form.textContent()).toMatch(/Tick to say you have checked these details/);
    expect(hp.log.calls.filter((c) => c.channel === 'record:confirm-identity')).toHaveLength(0);

    // A surname that does not match the clinical system: main's words, inline; nothing searched.
    await surname.fill('Somebodyelse');
    await form.getByLabel('I have checked these with the patient or their notes').check();
    await submit.click();
    await form.getByTestId('confirm-identity-error').waitFor();
    expect(await form.getByTestId('confirm-identity-error').textContent()).toMatch(/do not match/);
    await expectAccessible(hp, 'confirm-identity');

    await surname.fill('Barnes');
    await submit.click();
    await page.getByTestId('identity-confirmed').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('identity-confirmed').textContent()).toMatch(
      /^Identity confirmed by .+ at \d\d:\d\d (GMT|BST) today/,
    );
    expect(await page.getByTestId('confirm-identity').count()).toBe(0);
    await waitForRecord(page);
    expect(await page.locator('[data-source="dcr"]').textContent()).toMatch(/Answered/);
    await expectAccessible(hp, 'identity-confirmed');
    await page.close();
  });
});

describe('200% zoom (a 640×360 window)', () => {
  it('keeps a compact patient line with the offline copy on screen while scrolling', async () => {
    const patient = sandboxPatient(ctx.services, 'frail');
    await ctx.services.openSandboxSession({ role: 'paramedic', patientNhsNumber: patient.nhsNumber });
    // A prefetch is one reason for its list (here, the EPR's own patient).
    await ctx.services.handlers['access:declare-reason'](
      { reasonCode: 'direct-care', breakGlass: false },
      {},
    );
    await ctx.services.handlers['prefetch:start'](
      { requestId: 'zoom-prefetch', nhsNumbers: [patient.nhsNumber] },
      {},
    );
    const hp = await ctx.harness.newPage();
    const { page } = hp;
    await waitForRecord(page);
    await page.setViewportSize({ width: 640, height: 360 });
    // A narrow window keeps the app's links behind its menu button.
    expect(await page.getByRole('button', { name: 'Offline records' }).isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('button', { name: 'Offline records' }).click();
    await page
      .getByTestId('cache-table')
      .getByRole('button', { name: /^ELDRIDGE/ })
      .click();
    await waitForRecord(page);
    await page.getByTestId('offline-banner').waitFor();
    await page.mouse.wheel(0, 4000);
    await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(300);
    const mini = page.getByTestId('mini-banner');
    const box = await mini.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.y).toBeLessThanOrEqual(1);
    expect(box!.height).toBeLessThan(120);
    expect(await mini.textContent()).toMatch(/Eldridge.*Offline copy, \d\d:\d\d/is);
    await screenshot(page, 'zoom-200-offline');
    expect(await a11yViolations(page)).toEqual([]);

    // A full-size window keeps the whole banner and the offline line on screen instead.
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.mouse.wheel(0, 4000);
    const offline = await page.getByTestId('offline-banner').boundingBox();
    expect(offline).not.toBeNull();
    expect(offline!.y).toBeGreaterThanOrEqual(0);
    expect(offline!.y + offline!.height).toBeLessThanOrEqual(720 / 2);
    expect(await page.getByTestId('source-status').textContent()).toMatch(/saved copy/);
    expect(await page.getByTestId('source-status').textContent()).not.toMatch(/Answered/);
    expectQuietPage(hp.log);
    await page.close();
  });
});
