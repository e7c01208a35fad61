// The information-governance flow as a clinician sees it, in Debian Chromium against the real services on the
// built-in sandbox: a reason (or break-glass) per patient opened, after direct sign-in or for anyone but the
// EPR's patient in context, withheld sensitive entries, dissent, a second launch from the EPR into the running
// viewer, the inactivity lock, and logs free of patient data.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeableConcept, Resource } from '../../common/fhir';
import { formatNhsNumber } from '../../common/nhs-number';
import { openHarness, type Harness, type HarnessPage } from '../../main/dev/harness';
import { ACCESS_REASONS, loadSensitiveCodes } from '../../main/services/governance';
import { hasCodingIn, hasRestrictedLabel } from '../../main/services/governance/sensitive-filter';
import { followAuthorizationRedirects } from '../../main/services/launch/headless-authorizer';
import { assertLogsFreeOf, logDirectory } from '../../main/services/logging';
import type { SandboxPatient } from '../../sandbox';
import { ManualLockClock } from '../support/manual-lock-clock';
import { startTestApp, type TestApp } from '../support/app';
import {
  SCREENSHOTS,
  signInInBrowser,
  expectQuietPage,
  screenshot,
  a11yViolations,
  showTab,
  waitForRecord,
} from './e2e-helpers';

const lockClock = new ManualLockClock();
/** Launches handed to the "system browser" (see openExternal below), so a test can wait for them. */
const browserLaunches: Promise<void>[] = [];
/** Interactive sign-in pages (prompt=login: unlocking) handed to the "system browser", for the test to act on. */
const signInPages: string[] = [];
let app: TestApp;
let harness: Harness;
let hp: HarnessPage;

beforeAll(async () => {
  app = await startTestApp({
    lockClock,
    // What the OS does for a real EHR launch: the browser follows the authorization server's redirects (the
    // sandbox approves without a login page) and the app's URI scheme hands the callback to the running app.
    browser: async (url) => {
      if (new URL(url).searchParams.get('prompt') === 'login') {
        signInPages.push(url);
        return;
      }
      browserLaunches.push(
        followAuthorizationRedirects(url, fetch).then((callback) =>
          app.services.handleLaunchArgs([callback]),
        ),
      );
    },
  });
  harness = await openHarness({ services: app.services });
  await mkdir(SCREENSHOTS, { recursive: true });
  hp = await harness.newPage();
}, 60_000);
afterAll(async () => {
  await harness?.close();
  await app?.close();
});

const patient = (key: string): SandboxPatient => app.services.sandbox!.patient(key);
const familyName = (p: SandboxPatient): string => p.name.split(' ').at(-1)!;

async function expectAccessible(name: string): Promise<void> {
  await screenshot(hp.page, name);
  expect(await a11yViolations(hp.page)).toEqual([]);
  expectQuietPage(hp.log);
}

/** Waits until the named patient's whole record is on screen. */
async function waitForPatient(p: SandboxPatient): Promise<void> {
  await expect
    .poll(async () => (await hp.page.getByTestId('patient-name').textContent())?.toLowerCase(), {
      timeout: 20_000,
    })
    .toContain(familyName(p).toLowerCase());
  await waitForRecord(hp.page);
}

/** Opens the patient from Find a patient, by their NHS number. */
async function openByNhsNumber(p: SandboxPatient): Promise<void> {
  await hp.page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('button', { name: 'Find a patient' })
    .click();
  await hp.page.getByLabel('NHS number', { exact: true }).fill(formatNhsNumber(p.nhsNumber));
  await hp.page.getByRole('button', { name: 'Open record' }).click();
}

describe('direct sign-in (no EPR)', () => {
  it('asks for a reason for the patient opened; break-glass needs a real reason and covers that patient only', async () => {
    const { page, log } = hp;
    const signedOut = page.getByTestId('signed-out');
    await signedOut.waitFor();
    expect(await signedOut.textContent()).toMatch(/Open the viewer from your clinical system/);
    // A launch that fails before anyone has signed in says why, on the signed-out screen.
    const refused = new URL(
      app.services.sandbox!.epr!.createEhrLaunch({ patientKey: 'frail', userId: 'gp' }),
    );
    refused.searchParams.set('iss', 'https://unknown-epr.example/fhir');
    await app.services.handleLaunchArgs([refused.toString()]).catch(() => undefined);
    await signedOut.getByTestId('launch-status').waitFor();
    expect(await signedOut.getByTestId('launch-status').textContent()).toMatch(
      /The launch from your clinical system failed: .*unknown-epr\.example/,
    );
    await expectAccessible('governance-signed-out');

    await page.getByRole('button', { name: 'Sign in directly' }).click();
    // No patient yet, so nothing to give a reason for: the clinician finds the patient first.
    await page.getByTestId('patient-picker').waitFor();
    // Signed in another way: the failed launch is no longer what the screen is about.
    expect(await page.getByTestId('launch-status').count()).toBe(0);
    const frail = patient('frail');
    await page.getByTestId('sandbox-patients').getByRole('button', { name: frail.name }).click();
    const prompt = page.getByTestId('reason-for-access');
    await prompt.waitFor();
    expect(await prompt.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Why are you accessing this patient’s record?',
    );
    expect(await prompt.getByTestId('reason-patient').textContent()).toBe(
      `Patient${frail.name}NHS number${formatNhsNumber(frail.nhsNumber)}`,
    );
    expect(log.calls.filter((c) => c.channel === 'record:open')).toEqual([]);
    // The list is main's (governance ACCESS_REASONS), not a copy in the renderer.
    const labels = await prompt.locator('.nhsuk-radios__label').allTextContents();
    expect(labels).toEqual(ACCESS_REASONS.map((r) => r.label));
    await expectAccessible('governance-reason-prompt');

    await page.getByLabel(/Emergency access \(break-glass\)/).check();
    expect(await prompt.textContent()).toMatch(/at least 10 characters/);
    const reasonBox = page.getByLabel('Reason for emergency access (required)');
    await reasonBox.fill('urgent');
    await page.getByRole('button', { name: 'Break the glass and continue' }).click();
    expect(await prompt.getByRole('alert').textContent()).toMatch(
      /Enter the reason you need emergency access \(at least 10 characters\)/,
    );
    expect(log.calls.filter((c) => c.channel === 'access:declare-reason')).toEqual([]);
    expect(await page.getByTestId('break-glass-banner').count()).toBe(0);
    await expectAccessible('governance-break-glass-refused');

    await reasonBox.fill('Cardiac arrest at home, GP surgery closed');
    await page.getByRole('button', { name: 'Break the glass and continue' }).click();
    const banner = page.getByTestId('break-glass-banner');
    await waitForPatient(frail);
    expect(await banner.textContent()).toMatch(
      /Emergency access \(break-glass\) to this patient\. Reason recorded: “Cardiac arrest at home, GP surgery closed”/,
    );
    expect(await page.getByTestId('nhs-number').textContent()).toContain(formatNhsNumber(frail.nhsNumber));
    // A paramedic lands on the urgent-care summary, and sees which sections their role does not include.
    expect(await page.getByTestId('resuscitation-status').textContent()).toMatch(/Not for CPR \(DNACPR\)/);
    expect(await page.getByTestId('role-notice').textContent()).toMatch(
      /Some sections are not available for your role/,
    );
    for (const tab of ['Documents and letters', 'Full summary', 'Urgent care summary']) {
      await showTab(page, tab);
      expect(await banner.isVisible(), `banner on ${tab}`).toBe(true);
    }
    await expectAccessible('governance-break-glass-record');

    // The next patient is not covered by the first one's break-glass: asked again, no banner.
    const crossBorder = patient('cross-border');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('button', { name: 'Find a patient' })
      .click();
    await page.getByTestId('sandbox-patients').getByRole('button', { name: crossBorder.name }).click();
    await prompt.waitFor();
    expect(await prompt.getByTestId('reason-patient').textContent()).toContain(
      formatNhsNumber(crossBorder.nhsNumber),
    );
    expect(await banner.count()).toBe(0);
    await page.getByRole('button', { name: 'Back to Find a patient' }).click();
    await page.getByTestId('patient-picker').waitFor();
    expect(
      log.calls.filter(
        (c) =>
          c.channel === 'record:open' &&
          (c.args as { nhsNumber: string }).nhsNumber === crossBorder.nhsNumber,
      ),
    ).toEqual([]);
  });
});

describe('an EPR launch (GP)', () => {
  it('withholds the sensitive patient’s sensitive entries and says only that something is withheld', async () => {
    const { page, log } = hp;
    const sensitive = patient('sensitive');
    const withheld = withheldEntries(sensitive);
    expect(withheld.texts.length).toBeGreaterThanOrEqual(8);
    const [callsBefore, eventsBefore] = [log.calls.length, log.events.length];

    await app.services.openSandboxSession({
      role: 'general-practitioner',
      patientNhsNumber: sensitive.nhsNumber,
    });
    await waitForPatient(sensitive);
    expect(await page.getByTestId('break-glass-banner').count()).toBe(0);
    expect(await page.getByTestId('withheld-notice').textContent()).toBe(
      'Some information is not shown because of confidentiality policy.',
    );
    expect(await page.getByTestId('withheld-notice').isVisible()).toBe(true);
    // Ordinary entries stay.
    expect(await page.getByTestId('allergies').textContent()).toMatch(/latex/i);
    expect(await page.getByTestId('problems').textContent()).toMatch(/asthma/i);

    const pages: string[] = [];
    for (const tab of [
      'Full summary',
      'Timeline',
      'Results and vitals',
      'Encounters',
      'Documents and letters',
      'History',
    ]) {
      await showTab(page, tab);
      pages.push(await page.content());
    }
    const html = pages.join('\n').toLowerCase();
    for (const text of withheld.texts) expect(html, 'page shows a withheld entry').not.toContain(text);

    // Every answer that crossed the bridge since, whatever its channel (each tab asks for its own pages), and
    // every event. The sandbox's own patient list, which describes what each synthetic patient demonstrates,
    // is not record data.
    const answers = log.calls.slice(callsBefore).filter((c) => c.channel !== 'app:get-state');
    expect(answers.map((c) => c.channel)).toEqual(
      expect.arrayContaining(['record:open', 'record:timeline', 'record:items']),
    );
    const payloads = JSON.stringify([
      answers.map((c) => c.outcome),
      log.events.slice(eventsBefore).filter((e) => e.name === 'record:event'),
    ]);
    expect(log.calls.slice(callsBefore).some((c) => c.channel === 'record:open')).toBe(true);
    expect(payloads.toLowerCase()).toContain(familyName(sensitive).toLowerCase());
    for (const text of withheld.texts) {
      expect(payloads.toLowerCase(), 'bridge carried a withheld entry').not.toContain(text);
    }
    for (const id of withheld.ids) {
      expect(payloads, 'bridge carried a withheld resource id').not.toContain(`"${id}"`);
      expect(payloads, 'bridge carried a reference to a withheld resource').not.toContain(`/${id}"`);
    }
    await showTab(page, 'Full summary');
    await expectAccessible('governance-withheld');
  });

  it('says where documents are withheld for their confidentiality labels (securityLabel), never “None recorded”', async () => {
    const { page } = hp;
    const sensitive = patient('sensitive');
    await app.services.openSandboxSession({
      role: 'general-practitioner',
      patientNhsNumber: sensitive.nhsNumber,
    });
    await waitForPatient(sensitive);
    const label = 'Some information is marked confidential at its source and is not shown.';
    // The crisis plan the record locator lists (very restricted) is not shown, read or kept; its sections say so.
    const advanceCare = page.locator('section[data-section="advanceCare"]');
    expect(await advanceCare.getByTestId('section-status').textContent()).toBe(`Not shown.${label}`);
    expect(await page.getByTestId('flag-advanceCare').textContent()).toMatch(
      /^CPR status: not available to you/,
    );
    // Where entries are shown beside the withheld ones, the words are about the others, not the section.
    const problems = page.locator('section[data-section="problems"]');
    expect(await problems.locator('li').count()).toBeGreaterThan(0);
    expect(await problems.getByTestId('section-status').textContent()).toMatch(
      /^Some entries are not shown\./,
    );
    await showTab(page, 'Documents and letters');
    const documents = page.getByTestId('view-documents');
    expect(await documents.getByTestId('section-status').textContent()).toBe(`Not shown.${label}`);
    const shown = (await documents.textContent()) ?? '';
    expect(shown).not.toMatch(/None recorded|crisis plan|psychology/i);
    expect(
      app.services.sandbox!.servers.chie.requests.some((r) => r.url.includes('sensitive-crisis-plan')),
    ).toBe(false);
    await showTab(page, 'Full summary');
    await expectAccessible('governance-withheld-documents');
  });

  it('shows, per source, that the dissenting patient’s record is withheld by DCR and CHIE, and no clinical entries', async () => {
    const { page, log } = hp;
    const dissent = patient('dissent');
    await app.services.openSandboxSession({
      role: 'general-practitioner',
      patientNhsNumber: dissent.nhsNumber,
    });
    await waitForPatient(dissent);
    // The regional sources enforce the patient's dissent themselves: each refuses, and says why.
    const notice = page.getByTestId('source-refusal-notice');
    expect(await notice.isVisible()).toBe(true);
    for (const source of ['Dorset Care Record', 'CHIE']) {
      expect(await notice.textContent()).toContain(
        `Withheld by ${source}: the patient has asked not to share their record (break-glass to see it)`,
      );
    }
    // Withheld is not a fetch failure, and no section says "None recorded".
    expect(await page.getByTestId('source-failure-banner').count()).toBe(0);
    for (const section of ['advanceCare', 'alerts', 'allergies', 'medications', 'problems']) {
      const text = await page.locator(`[data-section="${section}"]`).textContent();
      expect(text).toMatch(/Not shown: the patient has declined to share their record/);
      expect(text).not.toMatch(/None recorded/);
    }
    const text = (await page.locator('body').innerText()).toLowerCase();
    for (const entry of ['asthma', 'salbutamol', 'penicillin', 'anaphylaxis'])
      expect(text).not.toContain(entry);
    const opened = log.calls.filter((c) => c.channel === 'record:open').at(-1)?.outcome;
    expect(opened?.ok).toBe(true);
    const record = opened?.ok ? (opened.value as { items: unknown[]; pointers: unknown[] }) : undefined;
    expect(record?.items).toEqual([]);
    expect(record?.pointers).toEqual([]);
    await expectAccessible('governance-dissent');
  });

  it('asks for a reason naming the patient when the GP opens anyone but the EPR’s patient', async () => {
    const { page, log } = hp;
    const crossBorder = patient('cross-border');
    const frail = patient('frail');
    const callsBefore = log.calls.length;
    await app.services.openSandboxSession({
      role: 'general-practitioner',
      patientNhsNumber: crossBorder.nhsNumber,
    });
    // The EPR's patient in context opens with no question.
    await waitForPatient(crossBorder);
    expect(await page.getByTestId('reason-for-access').count()).toBe(0);

    await openByNhsNumber(frail);
    const prompt = page.getByTestId('reason-for-access');
    await prompt.waitFor();
    expect(await prompt.getByTestId('reason-patient').textContent()).toBe(
      `NHS number${formatNhsNumber(frail.nhsNumber)}`,
    );
    expect(await prompt.textContent()).toMatch(/Your reason covers this patient only/);
    expect(
      log.calls
        .slice(callsBefore)
        .filter(
          (c) =>
            c.channel === 'record:open' && (c.args as { nhsNumber: string }).nhsNumber === frail.nhsNumber,
        ),
    ).toEqual([]);
    await expectAccessible('reason-per-patient');

    await page.getByLabel('Responding to a referral or handover of care').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await waitForPatient(frail);
    const declared = log.calls.filter((c) => c.channel === 'access:declare-reason').at(-1);
    expect(declared?.args).toEqual({ reasonCode: 'referral', breakGlass: false, nhsNumber: frail.nhsNumber });
    expect(await page.getByTestId('break-glass-banner').count()).toBe(0);
    expectQuietPage(log);
  });

  it('a second launch from the EPR opens that patient in the running viewer', async () => {
    const { page } = hp;
    const crossBorder = patient('cross-border');
    const frail = patient('frail');
    await app.services.openSandboxSession({ role: 'general-practitioner' });
    await waitForPatient(crossBorder);

    const epr = app.services.sandbox!.epr!;
    const launchesBefore = browserLaunches.length;
    await app.services.handleLaunchArgs([epr.createEhrLaunch({ patientKey: 'frail', userId: 'gp' })]);
    // The launch went to the system browser, once; the session starts when its callback comes back.
    expect(browserLaunches).toHaveLength(launchesBefore + 1);
    await Promise.all(browserLaunches);
    await waitForPatient(frail);
    expect(await page.getByTestId('nhs-number').textContent()).toContain(formatNhsNumber(frail.nhsNumber));
    expect(await page.getByTestId('signed-in-user').textContent()).toMatch(/·/);
    // A GP lands on the full summary of the new patient.
    expect(await page.getByTestId('view-full-summary').isVisible()).toBe(true);
    expect(await page.getByTestId('medications').textContent()).toMatch(/Apixaban/i);
    await expectAccessible('governance-second-launch');
  });

  it('a launch that fails takes the previous patient off screen and says why', async () => {
    const { page } = hp;
    const frail = patient('frail');
    await waitForPatient(frail);
    const epr = app.services.sandbox!.epr!;
    // A launch naming a server that is not on the allow list: refused before anything is asked of it.
    const refused = new URL(epr.createEhrLaunch({ patientKey: 'cross-border', userId: 'gp' }));
    refused.searchParams.set('iss', 'https://unknown-epr.example/fhir');
    await app.services.handleLaunchArgs([refused.toString()]).catch(() => undefined);
    const notice = page.getByTestId('launch-status');
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(
      /The launch from your clinical system failed: .*unknown-epr\.example/,
    );
    expect(await page.getByTestId('patient-name').count()).toBe(0);
    expect(await page.getByTestId('medications').count()).toBe(0);
    expect(await page.getByTestId('banner-flags').count()).toBe(0);
    // The clinician goes back to the patient they had open, through Find a patient: the EPR changed context, so
    // the reason its earlier launch gave for this patient no longer stands, and they are asked for one.
    const callsBefore = hp.log.calls.length;
    await openByNhsNumber(frail);
    // Whichever comes: the question, or (as before) the record opened on the earlier launch's reason.
    await page.locator('[data-testid="reason-for-access"], [data-testid="patient-name"]').first().waitFor();
    const prompt = page.getByTestId('reason-for-access');
    expect(await prompt.count()).toBe(1);
    expect(await prompt.getByTestId('reason-patient').textContent()).toBe(
      `NHS number${formatNhsNumber(frail.nhsNumber)}`,
    );
    expect(hp.log.calls.slice(callsBefore).filter((c) => c.channel === 'record:open')).toEqual([]);
    expect(await page.getByTestId('patient-name').count()).toBe(0);
    // The next launch that succeeds opens its patient, and the failure notice goes.
    await app.services.handleLaunchArgs([epr.createEhrLaunch({ patientKey: 'frail', userId: 'gp' })]);
    await Promise.all(browserLaunches);
    await waitForPatient(frail);
    expect(await page.getByTestId('launch-status').count()).toBe(0);
  });

  it('locks after the policy’s idle time, hiding the record until the same user signs in again in the browser', async () => {
    const { page } = hp;
    const frail = patient('frail');
    const loaded = app.services.policy;
    if (!loaded.ok) throw new Error('policy did not load');
    const idle = loaded.policy.inactivityLockMinutes * 60_000;

    lockClock.advance(idle - 5_000);
    expect((await page.getByTestId('patient-name').textContent())?.toLowerCase()).toContain(
      familyName(frail).toLowerCase(),
    );
    expect(await page.getByTestId('lock-screen').count()).toBe(0);

    lockClock.advance(10_000);
    const lock = page.getByTestId('lock-screen');
    await lock.waitFor();
    expect(await lock.textContent()).toMatch(/The viewer is locked.*inactivity/s);
    const html = await page.content();
    for (const shown of [familyName(frail), formatNhsNumber(frail.nhsNumber), frail.nhsNumber, 'apixaban'])
      expect(html.toLowerCase()).not.toContain(shown.toLowerCase());
    await expectAccessible('governance-locked');

    // Unlocking is a fresh sign-in in the system browser, never a silent refresh.
    await page.getByRole('button', { name: 'Sign in again to unlock' }).click();
    await page.getByTestId('unlock-waiting').waitFor();
    expect(signInPages).toHaveLength(1);
    await expectAccessible('governance-unlock-waiting');
    // A browser that only follows redirects (no one at the keyboard) meets the sign-in page and gets no further.
    const headless = await followAuthorizationRedirects(signInPages[0] as string, fetch).catch(
      (e: unknown) => e,
    );
    expect(headless).toMatchObject({ code: 'interactive-login-required' });
    expect(await page.getByTestId('lock-screen').count()).toBe(1);
    await expectNoPatient();

    // Someone else signs in on the sign-in page: still locked, and the lock screen says why.
    await app.services.handleLaunchArgs([
      await signInInBrowser(harness.browser, signInPages[0] as string, 'nurse'),
    ]);
    await page.getByTestId('unlock-problem').waitFor();
    expect(await page.getByTestId('unlock-problem').textContent()).toMatch(
      /Someone other than the locked user/,
    );
    await expectNoPatient();
    await expectAccessible('governance-unlock-refused');

    // The same clinician signs in: the record returns where they left it.
    await page.getByRole('button', { name: 'Sign in again to unlock' }).click();
    await expect.poll(() => signInPages.length).toBe(2);
    await app.services.handleLaunchArgs([
      await signInInBrowser(harness.browser, signInPages[1] as string, 'gp'),
    ]);
    await waitForPatient(frail);
    expect(await page.getByTestId('medications').textContent()).toMatch(/Apixaban/i);
    expect(await page.getByTestId('lock-screen').count()).toBe(0);
    expectQuietPage(hp.log);

    async function expectNoPatient(): Promise<void> {
      const html = (await page.content()).toLowerCase();
      for (const shown of [familyName(frail), formatNhsNumber(frail.nhsNumber), frail.nhsNumber, 'apixaban'])
        expect(html).not.toContain(shown.toLowerCase());
    }
  });
});

describe('after the session', () => {
  it('the log holds no sandbox patient’s name or NHS number', async () => {
    const logDir = logDirectory(app.dataDir);
    // The log is written (so the check below is not vacuous) …
    await expect
      .poll(() => readFile(join(logDir, 'main.log'), 'utf8').catch(() => ''))
      .toMatch(/"event":"record\.opened"/);
    // … and none of the patients this session saw (or could have seen) appears in it.
    const identifiers = app.services.sandbox!.patients.flatMap((p) => [p.nhsNumber, p.name, familyName(p)]);
    await expect(assertLogsFreeOf(identifiers, logDir)).resolves.toBeUndefined();
  });
});

/** Words and ids of the sandbox patient's entries governance must withhold (sensitive codes, R/V labels). */
function withheldEntries(p: SandboxPatient): { texts: string[]; ids: string[] } {
  const codes = loadSensitiveCodes();
  const sensitive = (system: string | undefined, code: string | undefined) =>
    codes.match(system, code) !== undefined;
  const resources = [...p.dcr, ...p.chie].filter(
    (r) => r.resourceType !== 'Patient' && (hasRestrictedLabel(r) || hasCodingIn(r, sensitive)),
  );
  const texts = new Set<string>();
  for (const resource of resources) {
    const r = resource as Resource & {
      code?: CodeableConcept;
      medicationCodeableConcept?: CodeableConcept;
      note?: { text?: string }[];
    };
    for (const concept of [r.code, r.medicationCodeableConcept]) {
      if (concept?.text) texts.add(concept.text);
      for (const coding of concept?.coding ?? []) if (coding.display) texts.add(coding.display);
    }
    for (const note of r.note ?? []) if (note.text) texts.add(note.text);
  }
  return {
    texts: [...texts].map((t) => t.toLowerCase()),
    ids: resources.map((r) => r.id!).filter(Boolean),
  };
}
