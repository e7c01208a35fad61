// "My caseload" in Debian Chromium against the real services on the built-in sandbox, with the caseload watch
// held in memory (tests/support), so every state the screen can be in is driven exactly: a community nurse
// watches their patients under one reason, sees an admission arrive live and opens that patient's record under
// it; the desktop notification gives initials only, and only the count while the viewer is locked; "no
// activity" is said only when every source is connected. (caseload-alerts.test.ts runs the whole path on the
// sandbox's subscriptions.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../common/fhir';
import { formatNhsNumber } from '../../common/nhs-number';
import { MAX_PAGE_ROWS } from '../../common/summary';
import { dispatchBridgeRequest } from '../../main/services/bridge/dispatch';
import { recordingNotifications, type HarnessPage } from '../../main/dev/harness';
import { InMemoryCaseloadWatch } from '../support/in-memory-caseload-watch';
import { ManualLockClock } from '../support/manual-lock-clock';
import {
  a11yViolations,
  expectQuietPage,
  sandboxPatient,
  screenshot,
  signInInBrowser,
  startE2e,
  waitForRecord,
  type E2eContext,
} from './e2e-helpers';

const NO_ACTIVITY = 'No admissions, discharges or ED attendances';
/** The watch sees only what happens after it began: "nothing happened" says since when, not "in 7 days". */
const NO_ACTIVITY_SINCE_START =
  /^No admissions, discharges or ED attendances since you started watching \(\d+ \w{3} \d{4}, \d\d:\d\d (GMT|BST)\)\.$/;
const watch = new InMemoryCaseloadWatch([
  { sourceId: 'dcr', sourceName: 'Dorset Care Record' },
  { sourceId: 'chie', sourceName: 'CHIE' },
]);
const notifications = recordingNotifications();
const lockClock = new ManualLockClock();
/** Interactive sign-in pages (unlocking) handed to the "system browser", for the test to act on. */
const signInPages: string[] = [];
let ctx: E2eContext;
let hp: HarnessPage;

beforeAll(async () => {
  ctx = await startE2e(
    {},
    { caseloadWatch: watch, notifications, lockClock, browser: async (url) => void signInPages.push(url) },
  );
  await ctx.services.openSandboxSession({ role: 'nurse', standalone: true });
  hp = await ctx.harness.newPage();
}, 120_000);
afterAll(async () => {
  await ctx?.close();
});

async function expectAccessible(name: string): Promise<void> {
  await screenshot(hp.page, name);
  expect(await a11yViolations(hp.page)).toEqual([]);
  expectQuietPage(hp.log);
}

const scrollsSideways = () =>
  hp.page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

describe('My caseload', () => {
  it('a nurse watches pasted NHS numbers under one reason; an admission arrives live, announced, with an initials-only notification', async () => {
    const { page } = hp;
    const legg = sandboxPatient(ctx.services, 'cross-border');
    const frail = sandboxPatient(ctx.services, 'frail');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'My caseload' }).click();
    await page.getByTestId('caseload-start').waitFor();
    await page.getByLabel('NHS numbers I paste or type').check();
    await page.getByLabel('NHS numbers, one per line').fill(`${legg.nhsNumber}\n${frail.nhsNumber}`);

    // Without a reason nothing starts.
    await page.getByRole('button', { name: 'Start watching' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Choose your reason/);
    expect(watch.selections).toEqual([]);

    await page.getByLabel('I am providing direct care to these patients').check();
    // The list is read as the prefetch screen reads it (one field for both): a wrong number is named.
    const numbers = page.getByLabel('NHS numbers, one per line');
    await numbers.fill(`${legg.nhsNumber}\n1234567890`);
    await page.getByRole('button', { name: 'Start watching' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('Line 2: 123 456 7890 is not a valid NHS number (the check digit does not match).');
    expect(watch.selections).toEqual([]);
    // A caseload CSV pasted as it was exported reads too; a number given twice (spaced or not) is watched once.
    await numbers.fill(
      `NHS number,Name\n${legg.nhsNumber},Legg\n${frail.nhsNumber},Frail\n"${formatNhsNumber(legg.nhsNumber)}",Legg`,
    );
    await page.getByRole('button', { name: 'Start watching' }).click();
    const connection = page.getByTestId('caseload-connection');
    await connection.waitFor();
    expect(watch.selections).toEqual([{ nhsNumbers: [legg.nhsNumber, frail.nhsNumber] }]);
    expect(await connection.textContent()).toMatch(
      /Watching 2 patients.*Dorset Care Record: Live.*CHIE: Live/s,
    );
    // Every source connected and nothing happened: that may be said.
    await page.getByTestId('caseload-no-activity').waitFor();
    expect(await page.getByTestId('caseload-no-activity').textContent()).toMatch(NO_ACTIVITY_SINCE_START);
    expect(await page.getByTestId('caseload-ed-attendances').textContent()).toMatch(
      /None since you started watching/,
    );
    await expectAccessible('caseload-watching');

    const admittedAt = new Date(Date.now() - 3_600_000).toISOString();
    watch.deliver({
      sourceId: 'dcr',
      nhsNumber: legg.nhsNumber,
      patientName: legg.name,
      kind: 'admitted',
      at: admittedAt,
      since: admittedAt,
      where: 'Dorset County Hospital, Ward 3',
    });
    const inHospital = page.getByTestId('caseload-in-hospital');
    await expect.poll(() => inHospital.textContent()).toMatch(/Dorset County Hospital, Ward 3/);
    expect(await inHospital.textContent()).toContain(legg.name);
    expect(await inHospital.textContent()).toContain(formatNhsNumber(legg.nhsNumber));
    expect(await page.getByTestId('caseload-admitted-discharged').textContent()).toMatch(
      /Admitted at Dorset County Hospital, Ward 3/,
    );
    expect(await page.getByTestId('caseload-no-activity').count()).toBe(0);
    const announcer = page.getByTestId('caseload-announcer');
    expect(await announcer.getAttribute('aria-live')).toBe('polite');
    expect(await announcer.textContent()).toContain(`New caseload update: ${legg.name}, admitted`);

    const [shown] = await notifications.waitForCount(1);
    const [given, family] = [legg.name.split(' ')[0]!, legg.name.split(' ').at(-1)!];
    expect(shown!.body).toBe(`${given[0]}.${family[0]}. admitted to Dorset County Hospital, Ward 3`);
    expect(`${shown!.title} ${shown!.body}`).not.toContain(given);
    expect(`${shown!.title} ${shown!.body}`).not.toContain(family);
    await page.setViewportSize({ width: 1280, height: 1400 });
    await expectAccessible('caseload-admission');

    // WCAG reflow: at 320 CSS px nothing scrolls sideways.
    await page.setViewportSize({ width: 320, height: 640 });
    await expect.poll(scrollsSideways).toBe(false);
    await screenshot(page, 'caseload-320');
    await page.setViewportSize({ width: 1280, height: 720 });
  });

  it('shows when things happened in UK time (BST in summer), saying which, never UTC', async () => {
    const { page } = hp;
    const frail = sandboxPatient(ctx.services, 'frail');
    const before = notifications.shown.length;
    // 14:05 UTC on 1 July is 15:05 on a clock in Wessex.
    watch.deliver({
      sourceId: 'chie',
      nhsNumber: frail.nhsNumber,
      patientName: frail.name,
      kind: 'admitted',
      at: '2026-07-01T14:05:00Z',
      since: '2026-07-01T14:05:00Z',
      where: 'Queen Alexandra Hospital, Ward D5',
    });
    const stay = page
      .getByTestId('caseload-in-hospital')
      .locator('li', { hasText: 'Queen Alexandra Hospital, Ward D5' });
    await expect.poll(() => stay.textContent()).toContain('since 1 Jul 2026, 15:05 BST');
    expect(await stay.textContent()).not.toContain('14:05');
    // The watch's own times too: when it began and when each source was last checked.
    watch.setSource('dcr', { connected: true, lastCheckedAt: '2026-12-01T08:10:00Z' });
    await expect
      .poll(() => page.getByTestId('caseload-source-dcr').textContent())
      .toContain('(last checked 1 Dec 2026, 08:10 GMT)');
    await notifications.waitForCount(before + 1);
    expectQuietPage(hp.log);
  });

  it('opens a reported patient’s record under the caseload’s reason, audited for that patient', async () => {
    const { page, log } = hp;
    const legg = sandboxPatient(ctx.services, 'cross-border');
    await page.getByTestId('caseload-in-hospital').getByRole('button', { name: legg.name }).click();
    await waitForRecord(page);
    expect(await page.getByTestId('reason-for-access').count()).toBe(0);
    const session = ctx.services.session();
    expect(session?.patientReasons.find((r) => r.nhsNumber === legg.nhsNumber)?.label).toBe(
      'I am providing direct care to this patient',
    );
    expect(log.calls.find((c) => c.channel === 'caseload:open-patient')?.outcome.ok).toBe(true);
    const audit = ctx.services.sandbox!.servers.audit;
    const reasonFor = (nhs: string) => (e: AuditEvent) =>
      e.subtype?.[0]?.code === 'access-reason' &&
      e.entity?.some((x) => x.what?.type === 'Patient' && x.what.identifier?.value === nhs);
    await expect.poll(() => audit.events.some(reasonFor(legg.nhsNumber)), { timeout: 15_000 }).toBe(true);
    // The caseload's reason covers only patients the watch reported on.
    const other = sandboxPatient(ctx.services, 'long-history');
    expect(
      await dispatchBridgeRequest(ctx.services.handlers, 'caseload:open-patient', {
        nhsNumber: other.nhsNumber,
      }),
    ).toMatchObject({ ok: false, error: { code: 'not-permitted' } });
    expect(ctx.services.session()?.patientReasons.some((r) => r.nhsNumber === other.nhsNumber)).toBe(false);
    expectQuietPage(log);
  });

  it('says "no activity" only when every source is connected, and otherwise which source is missing and why', async () => {
    const { page } = hp;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'My caseload' }).click();
    await page.getByTestId('caseload-connection').waitFor();
    // Nothing in the last 7 days from any source, but CHIE is not connected.
    watch.setSource('dcr', { connected: true });
    watch.setSource('chie', {
      connected: false,
      mode: 'websocket',
      problem: 'CHIE could not be reached; retrying',
    });
    const incomplete = page.getByTestId('caseload-incomplete');
    await incomplete.waitFor();
    expect(await incomplete.textContent()).toMatch(
      /may be incomplete.*CHIE: CHIE could not be reached; retrying/s,
    );
    expect(await page.getByTestId('caseload-connection').textContent()).toMatch(
      /CHIE: Not connected: CHIE could not be reached; retrying/,
    );
    expect(await page.getByTestId('caseload-no-activity').count()).toBe(0);
    expect(await page.getByTestId('caseload-ed-attendances').textContent()).toContain(
      'None reported by the connected sources',
    );
    expect(await page.locator('main').textContent()).not.toContain(NO_ACTIVITY);
    await expectAccessible('caseload-source-missing');

    watch.setSource('chie', { connected: true, mode: 'polling' });
    await page.getByTestId('caseload-incomplete').waitFor({ state: 'detached' });
    expect(await page.getByTestId('caseload-connection').textContent()).toMatch(
      /CHIE: Checked regularly \(polling\)/,
    );

    // Live, but updates it missed could not be fetched: no "nothing happened", and a notice until they are.
    const missed =
      'Some updates between 1 Dec 2026, 08:10 GMT and 1 Dec 2026, 08:25 GMT could not be fetched from CHIE yet';
    watch.setSource('chie', { connected: true, mode: 'websocket', incomplete: missed });
    const gaps = page.getByTestId('caseload-gaps');
    await gaps.waitFor();
    expect(await gaps.textContent()).toContain(missed);
    expect(await page.getByTestId('caseload-connection').textContent()).toMatch(/CHIE: Live/);
    expect(await page.getByTestId('caseload-no-activity').count()).toBe(0);
    expect(await page.locator('main').textContent()).not.toContain(NO_ACTIVITY);
    expect(await page.getByTestId('caseload-ed-attendances').textContent()).toContain(
      'some updates are missing',
    );
    await expectAccessible('caseload-updates-missed');
    watch.gapFilled('chie');
    await gaps.waitFor({ state: 'detached' });

    // An update that could not be read may have been an admission: said, and no "nothing happened".
    watch.setUnreadable(2);
    const unreadable = page.getByTestId('caseload-unreadable');
    await unreadable.waitFor();
    expect(await unreadable.textContent()).toBe(
      '2 updates could not be read (a regional record sent them in a form the viewer does not understand), so they are not shown here. Check the patients’ records.',
    );
    expect(await page.locator('main').textContent()).not.toContain(NO_ACTIVITY);
    await expectAccessible('caseload-updates-unreadable');
    watch.setUnreadable(1);
    await expect
      .poll(() => unreadable.textContent())
      .toBe(
        '1 update could not be read (a regional record sent it in a form the viewer does not understand), so it is not shown here. Check the patients’ records.',
      );
    watch.setUnreadable(0);
    await unreadable.waitFor({ state: 'detached' });
  });

  it('while the viewer is locked a notification gives only the count; clicking one shows the caseload', async () => {
    const { page } = hp;
    const frail = sandboxPatient(ctx.services, 'frail');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: 'Find a patient' })
      .click();
    const loaded = ctx.services.policy;
    if (!loaded.ok) throw new Error('policy did not load');
    expect(notifications.showing.length).toBeGreaterThan(0);
    lockClock.advance(loaded.policy.inactivityLockMinutes * 60_000 + 1_000);
    await page.getByTestId('lock-screen').waitFor();
    // What was shown for the clinician (initials, where) is taken out of the notification centre.
    expect(notifications.showing).toEqual([]);

    const before = notifications.shown.length;
    watch.deliver({
      sourceId: 'chie',
      nhsNumber: frail.nhsNumber,
      patientName: frail.name,
      kind: 'ed-arrival',
      at: new Date().toISOString(),
      where: 'Queen Alexandra Hospital',
    });
    const shown = (await notifications.waitForCount(before + 1)).at(-1)!;
    expect(shown.body).toBe('1 caseload update');
    const initials = frail.name
      .split(' ')
      .filter(Boolean)
      .map((w) => `${w[0]}.`);
    expect(shown.body).not.toContain(`${initials[0]}${initials.at(-1)}`);
    expect(shown.body).not.toContain('Queen Alexandra');
    // Nothing about the patient reaches the locked page.
    expect((await page.content()).toLowerCase()).not.toContain(frail.name.split(' ').at(-1)!.toLowerCase());

    notifications.click();
    await page.getByRole('button', { name: 'Sign in again to unlock' }).click();
    await expect.poll(() => signInPages.length).toBe(1);
    await ctx.services.handleLaunchArgs([
      await signInInBrowser(ctx.harness.browser, signInPages[0]!, 'nurse'),
    ]);
    const edSection = page.getByTestId('caseload-ed-attendances');
    await edSection.waitFor();
    expect(await edSection.textContent()).toMatch(
      /Arrived at the emergency department at Queen Alexandra Hospital/,
    );
    expect(await edSection.textContent()).toContain(frail.name);
    expectQuietPage(hp.log);
  });

  it('keeps a source’s hostile text in its own direction and wrapped, and shows withheld activity as withheld', async () => {
    const { page } = hp;
    const frail = sandboxPatient(ctx.services, 'frail');
    const longTitle = `Discharge${'X'.repeat(400)}`;
    watch.deliver({
      sourceId: 'dcr',
      nhsNumber: frail.nhsNumber,
      patientName: '\u202EEVIL override',
      kind: 'new-letter',
      at: new Date().toISOString(),
      title: longTitle,
    });
    watch.deliver({
      sourceId: 'chie',
      nhsNumber: frail.nhsNumber,
      kind: 'new-activity',
      at: new Date().toISOString(),
      withheldReason: 'Your role does not include encounters.',
    });
    const letters = page.getByTestId('caseload-new-letters');
    await expect.poll(() => letters.textContent()).toContain(longTitle);
    expect(await letters.locator('bdi', { hasText: 'EVIL override' }).count()).toBe(1);
    expect(await letters.locator('bdi', { hasText: longTitle }).count()).toBe(1);
    const other = page.getByTestId('caseload-other-updates');
    expect(await other.textContent()).toMatch(/New activity \(details withheld\)/);
    expect(await other.textContent()).toContain('Your role does not include encounters.');
    // No name was given for it: the NHS number stands in, nothing is invented.
    expect(await other.textContent()).toContain(`NHS number ${formatNhsNumber(frail.nhsNumber)}`);

    await page.setViewportSize({ width: 320, height: 640 });
    await expect.poll(scrollsSideways).toBe(false);
    await page.setViewportSize({ width: 1280, height: 1400 });
    await expectAccessible('caseload-hostile-withheld');
  });

  it('shows the newest updates, says how many older ones are not shown, and shows them on request', async () => {
    const { page } = hp;
    const frail = sandboxPatient(ctx.services, 'frail');
    const nav = page.getByRole('navigation', { name: 'Main' });
    // Kept while another screen is shown: the caseload screen reads them when it opens, a page at a time.
    await nav.getByRole('button', { name: 'Find a patient' }).click();
    const letters = MAX_PAGE_ROWS + 20;
    const now = Date.now();
    for (let i = 1; i <= letters; i++) {
      watch.deliver({
        sourceId: 'dcr',
        nhsNumber: frail.nhsNumber,
        patientName: frail.name,
        kind: 'new-letter',
        at: new Date(now - i * 60_000).toISOString(),
        title: `Clinic letter ${i}`,
      });
    }
    const kept = (await watch.events({ limit: 1, offset: 0 })).total;
    await nav.getByRole('button', { name: 'My caseload' }).click();
    const older = page.getByTestId('caseload-older');
    await older.waitFor();
    expect(await older.textContent()).toContain(
      `Showing the newest ${MAX_PAGE_ROWS} of ${kept} updates: ${kept - MAX_PAGE_ROWS} older updates are not in these lists.`,
    );
    const letter = (title: string) =>
      page.getByTestId('caseload-new-letters').locator('bdi', { hasText: new RegExp(`^${title}$`) });
    expect(await letter('Clinic letter 1').count()).toBe(1);
    expect(await letter(`Clinic letter ${letters}`).count()).toBe(0);
    // The stay that began in July is among the older updates: no one is said to be in hospital who may not be.
    const inHospital = page.getByTestId('caseload-in-hospital');
    expect(await inHospital.textContent()).not.toContain('Ward D5');
    expect(await page.getByTestId('caseload-no-activity').count()).toBe(0);
    await expectAccessible('caseload-older-not-shown');

    // An update arriving now moves nothing: the older page goes on from the last one shown.
    watch.deliver({
      sourceId: 'dcr',
      nhsNumber: frail.nhsNumber,
      patientName: frail.name,
      kind: 'new-letter',
      at: new Date().toISOString(),
      title: 'Letter while reading',
    });
    await expect.poll(() => letter('Letter while reading').count()).toBe(1);
    await older.getByRole('button', { name: 'Show older updates' }).click();
    await older.waitFor({ state: 'detached' });
    for (const title of ['Clinic letter 1', `Clinic letter ${MAX_PAGE_ROWS}`, `Clinic letter ${letters}`])
      expect(await letter(title).count()).toBe(1);
    expect(await inHospital.textContent()).toContain('Queen Alexandra Hospital, Ward D5');
    expect(await page.getByTestId('caseload-announcer').textContent()).toBe(
      `${kept - MAX_PAGE_ROWS} older updates shown`,
    );
    expectQuietPage(hp.log);
  });

  it('stops watching on request, keeping what arrived labelled as such, and the reason no longer covers new patients; signing out ends the watch', async () => {
    const { page } = hp;
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.getByRole('button', { name: 'Stop watching' }).click();
    await page.getByTestId('caseload-start').waitFor();
    expect(watch.status().watching).toBe(false);
    expect(await page.getByTestId('caseload-sections').textContent()).toMatch(
      /Not watching now: these are the updates received while the watch ran/,
    );
    expect(await page.getByTestId('caseload-no-activity').count()).toBe(0);
    const frail = sandboxPatient(ctx.services, 'frail');
    expect(
      await dispatchBridgeRequest(ctx.services.handlers, 'caseload:open-patient', {
        nhsNumber: frail.nhsNumber,
      }),
    ).toMatchObject({ ok: false, error: { code: 'not-permitted' } });

    // Watching again, then signing out: the watch ends with the session.
    await page.getByLabel('Today’s appointments').check();
    await page.getByLabel('I am providing direct care to these patients').check();
    await page.getByRole('button', { name: 'Start watching' }).click();
    await page.getByTestId('caseload-connection').waitFor();
    expect(watch.selections.at(-1)).toEqual({ fromSource: 'appointments-today' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => watch.status().watching).toBe(false);
    expectQuietPage(hp.log);

    // The next clinician on this computer sees nothing of that caseload: its updates are listed only to the
    // session that watched it, and no reason of theirs covers its patients.
    await ctx.services.openSandboxSession({ role: 'nurse', standalone: true });
    const listed = await dispatchBridgeRequest(ctx.services.handlers, 'caseload:events', {
      limit: MAX_PAGE_ROWS,
      offset: 0,
    });
    expect(listed).toMatchObject({
      ok: true,
      value: { rows: [], total: 0, status: { watching: false, patients: 0, sources: [] } },
    });
    expect((await watch.events({ limit: 1, offset: 0 })).total).toBeGreaterThan(0);
    expect(
      await dispatchBridgeRequest(ctx.services.handlers, 'caseload:open-patient', {
        nhsNumber: frail.nhsNumber,
      }),
    ).toMatchObject({ ok: false, error: { code: 'not-permitted' } });
  });
});
