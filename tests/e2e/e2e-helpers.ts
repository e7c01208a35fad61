// Shared setup for the Chromium e2e tests: real app services on the built-in sandbox, the built renderer
// in Debian Chromium through the harness, screenshots under test-results/e2e, axe-core checks.
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Resource } from '../../common/fhir';
import type { SandboxRole, SandboxViewer, SandboxViewerOptions } from '../../main/dev/sandbox-viewer';
import { startTestApp } from '../support/app';
import type { SandboxPatient } from '../../sandbox';
import {
  openHarness,
  waitForRecord,
  type Harness,
  type HarnessOptions,
  type HarnessPage,
  type PageLog,
} from '../../main/dev/harness';

export const ROOT = resolve(__dirname, '../..');
export const SCREENSHOTS = join(ROOT, 'test-results', 'e2e');

export interface E2eContext {
  services: SandboxViewer;
  harness: Harness;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * The app in Chromium for one test file, handed to `onStarted` (which may set up the file's page) before the
 * file's tests run, and closed after them (its arguments as startE2e's).
 */
export function e2eForFile(
  onStarted: (ctx: E2eContext) => unknown,
  ...args: Parameters<typeof startE2e>
): void {
  let started: E2eContext | undefined;
  beforeAll(async () => {
    started = await startE2e(...args);
    await onStarted(started);
  }, 120_000);
  afterAll(async () => {
    await started?.close();
  });
}

/** The real services on the sandbox (private data folder and keystore service) in Debian Chromium. */
export async function startE2e(
  sandbox: SandboxViewerOptions['sandbox'] = {},
  overrides: Partial<SandboxViewerOptions> = {},
  host: Pick<HarnessOptions, 'saveDialog'> = {},
): Promise<E2eContext> {
  const app = await startTestApp({ sandbox, ...overrides });
  let harness: Harness;
  try {
    harness = await openHarness({ services: app.services, ...host });
  } catch (error) {
    await app.close();
    throw error;
  }
  await mkdir(SCREENSHOTS, { recursive: true });
  return {
    services: app.services,
    harness,
    dataDir: app.dataDir,
    async close() {
      await harness.close();
      await app.close();
    },
  };
}

export function sandboxPatient(services: SandboxViewer, key: string): SandboxPatient {
  const patient = services.sandbox?.patients.find((p) => p.key === key);
  if (!patient) throw new Error(`sandbox patient ${key} missing`);
  return patient;
}

export async function screenshot(page: Page, view: string): Promise<string> {
  const path = join(SCREENSHOTS, `${view}.png`);
  await page.screenshot({ path });
  return path;
}

let axeSource: string | undefined;

/** Runs axe-core in the page (WCAG 2.1 A and AA, and axe's best practices); returns every violation, of any impact. */
export async function a11yViolations(page: Page): Promise<string[]> {
  axeSource ??= await readFile(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  return page.evaluate<string[]>(AXE_SCRIPT);
}

const AXE_SCRIPT = `(async () => {
  const result = await window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  });
  return result.violations
    // Every impact, minor included: a clinician using a screen reader or the keyboard meets all of them.
    .map((v) => v.id + ': ' + v.help + ' ' + v.nodes.map((n) => JSON.stringify(n.target)).join(', '));
})()`;

/** Nothing alarming happened on the page: no script errors, dialogs, navigations, popups or remote loads. */
export function expectQuietPage(log: PageLog, options: { allowCspBlocks?: boolean } = {}): void {
  expect(log.pageErrors).toEqual([]);
  expect(log.dialogs).toEqual([]);
  expect(log.navigations).toEqual([]);
  expect(log.popups).toEqual([]);
  expect(log.blockedRequests).toEqual([]);
  // Chromium reports CSP checks when hostile markup is merely parsed (DOMPurify's inert document inherits the
  // page's policy): "… The action has been blocked." is the second line of defence working, not a failure.
  const errors = options.allowCspBlocks
    ? log.consoleErrors.filter((e) => !/Content Security Policy.*The action has been blocked\.$/.test(e))
    : log.consoleErrors;
  expect(errors).toEqual([]);
}

/**
 * The cross-border patient with `resources` added to DCR's copy (made for DCR's Patient reference, so a test can
 * plant hostile entries), opened by a GP launched from their EPR, the whole record on screen.
 */
export async function openCrossBorderWith(
  ctx: E2eContext,
  resources: (subject: string) => Resource[],
): Promise<HarnessPage> {
  const dcr = ctx.services.sandbox?.servers.dcr;
  if (!dcr) throw new Error('sandbox DCR server handle missing');
  const patient = sandboxPatient(ctx.services, 'cross-border');
  const dcrPatient = patient.dcr.find((r) => r.resourceType === 'Patient');
  for (const r of resources(`Patient/${dcrPatient?.id}`)) await dcr.updateResource(r);
  await ctx.services.openSandboxSession({
    role: 'general-practitioner',
    patientNhsNumber: patient.nhsNumber,
  });
  const hp = await ctx.harness.newPage();
  await waitForRecord(hp.page);
  return hp;
}

/** A clinician launched from their EPR with this sandbox patient in context, the whole record on screen. */
export async function openSandboxRecord(
  ctx: E2eContext,
  patientKey: string,
  role: SandboxRole = 'general-practitioner',
): Promise<HarnessPage> {
  const patient = sandboxPatient(ctx.services, patientKey);
  await ctx.services.openSandboxSession({ role, patientNhsNumber: patient.nhsNumber });
  const hp = await ctx.harness.newPage();
  await waitForRecord(hp.page);
  return hp;
}

export async function openRecordPage(ctx: E2eContext): Promise<HarnessPage> {
  const hp = await ctx.harness.newPage();
  await hp.page.getByTestId('source-status').waitFor();
  return hp;
}

/** Waits until the whole record has arrived (the banner stops saying it is loading). */
export { waitForRecord } from '../../main/dev/harness';

export async function showTab(page: Page, label: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Record views' })
    .getByRole('button', { name: label, exact: true })
    .click();
}

/**
 * The system browser's part in an interactive sign-in: the sandbox EPR's sign-in page in a browser context of
 * its own, where the user picks who they are and clicks "Sign in". The redirect back to the app's URI scheme
 * is what the OS would hand to the app; it is taken from the form's answer rather than left to the browser.
 */
export async function signInInBrowser(browser: Browser, authorizeUrl: string, user: string): Promise<string> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    let callback: string | undefined;
    await page.route(
      (url) => url.pathname.endsWith('/auth/authorize'),
      async (route) => {
        if (route.request().method() !== 'POST') return route.continue();
        const answer = await route.fetch({ maxRedirects: 0 });
        callback = answer.headers()['location'];
        await route.fulfill({ status: 200, contentType: 'text/html', body: '<p>Signed in.</p>' });
      },
    );
    await page.goto(authorizeUrl);
    await page.getByLabel('Who is signing in').selectOption(user);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => callback).toBeTruthy();
    return callback as string;
  } finally {
    await context.close();
  }
}
