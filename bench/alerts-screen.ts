// `npm run bench:alerts-screen`: the screen's part of issue 18's "admission → on screen ≤ 1 s". The app as a
// clinician runs it — the real services on the built-in sandbox at 40 ms injected latency (HTTP answers and
// websocket pushes), the renderer in Debian Chromium through the harness — watching a 1,000-patient caseload on
// DCR and CHIE from the "My caseload" screen. Each admission (and the discharge that follows it) is written on
// DCR; the clock starts when the sandbox is asked to admit and stops when the row is in the page (a
// MutationObserver in the page stamps it) and when the desktop notification is shown (the harness's stand-in).
// Results: bench/results/alerts-screen.json. bench:alerts measures the watch alone, without the screen.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHarness, recordingNotifications } from '../main/dev/harness';
import { createSandboxViewer } from '../main/dev/sandbox-viewer';
import { loadMachinePolicy } from '../main/services/policy';
import { memorySecrets, syntheticNhsNumbers } from './lib/caseload-fixtures';
import { median, metric, ratio, reportBench, sampled } from './lib/results';
import { runCompiled } from './lib/compiled';

const LATENCY_MS = 40;
const CASELOAD_SIZE = 1_000;
const ADMISSIONS = Number(process.env.ALERTS_SCREEN_RUNS ?? 10);
const TARGET_MS = 1_000;

/** Page side: stamps (epoch ms) each time the "admitted or discharged" list gains a row. */
const STAMP_ROWS = `(() => {
  window.__caseloadRowsAt = [];
  let seen = 0;
  const observer = new MutationObserver(() => {
    const rows = document.querySelectorAll('[data-testid="caseload-admitted-discharged"] li').length;
    const now = performance.timeOrigin + performance.now();
    while (seen < rows) { window.__caseloadRowsAt.push(now); seen += 1; }
  });
  observer.observe(document.body, { childList: true, subtree: true });
})()`;

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wessex-bench-alerts-screen-'));
  const notifications = recordingNotifications();
  const notifiedAt: number[] = [];
  const stamping = { ...notifications, show: notifications.show };
  stamping.show = (content, onClick) => {
    notifiedAt.push(Date.now());
    notifications.show(content, onClick);
  };
  const services = await createSandboxViewer({
    dataDir,
    secretStore: memorySecrets(),
    policy: await loadMachinePolicy({}),
    sandbox: { latencyMs: LATENCY_MS },
    sandboxLaunch: false,
    notifications: stamping,
  });
  const harness = await openHarness({ services, viewport: { width: 1280, height: 900 } });
  try {
    const sandbox = services.sandbox!;
    await services.openSandboxSession({ role: 'nurse', standalone: true });
    const patient = sandbox.patient('cross-border');
    const real = sandbox.patients.map((p) => p.nhsNumber);
    const caseload = [...real, ...syntheticNhsNumbers(CASELOAD_SIZE - real.length, new Set(real))];

    const { page } = await harness.newPage();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'My caseload' }).click();
    await page.getByLabel('NHS numbers I paste or type').check();
    await page.getByLabel('NHS numbers, one per line').fill(caseload.join('\n'));
    await page.getByLabel('I am providing direct care to these patients').check();
    const started = Date.now();
    await page.getByRole('button', { name: 'Start watching' }).click();
    await page.waitForFunction(
      () => {
        const text = document.querySelector('[data-testid="caseload-connection"]')?.textContent ?? '';
        return text.includes('Dorset Care Record: Live') && text.includes('CHIE: Live');
      },
      undefined,
      { timeout: 60_000 },
    );
    const startMs = Date.now() - started;
    await page.evaluate(STAMP_ROWS);

    const onScreen: number[] = [];
    const notified: number[] = [];
    let rows = 0;
    const nextRow = async (): Promise<number> => {
      rows += 1;
      await page.waitForFunction(
        (n) => (window as unknown as { __caseloadRowsAt: number[] }).__caseloadRowsAt.length >= n,
        rows,
        {
          timeout: 30_000,
        },
      );
      return page.evaluate(
        (n) => (window as unknown as { __caseloadRowsAt: number[] }).__caseloadRowsAt[n - 1]!,
        rows,
      );
    };
    for (let i = 0; i < ADMISSIONS; i++) {
      const notificationsBefore = notifiedAt.length;
      const t0 = Date.now();
      await sandbox.servers.dcr.admit(patient.key, { where: `Ward ${i + 1}` });
      onScreen.push((await nextRow()) - t0);
      await notifications.waitForCount(notificationsBefore + 1);
      notified.push(notifiedAt[notificationsBefore]! - t0);
      // The stay ends before the next admission (its row is waited for, not timed).
      await sandbox.servers.dcr.discharge(patient.key);
      await nextRow();
      await notifications.waitForCount(notificationsBefore + 2);
    }

    const p95 = [...onScreen].sort((a, b) => a - b)[Math.ceil(onScreen.length * 0.95) - 1]!;
    reportBench('alerts-screen', {
      metrics: {
        'caseload patients (per source)': metric(caseload.length, 'patients'),
        'start watching (click) → both sources live on screen': metric(startMs, 'ms'),
        'admission → row on the caseload screen': sampled(onScreen, 'ms'),
        'admission → row on screen, p95': metric(p95, 'ms'),
        'admission → desktop notification shown': sampled(notified, 'ms'),
      },
      ratios: {
        'admission → on screen, p95 ms (target ms)': ratio(p95, '<=', TARGET_MS),
        'admission → notification, median ms (target ms)': ratio(median(notified), '<=', TARGET_MS),
      },
      notes: [
        `the app's services on the built-in sandbox (DCR and CHIE by subscription, websocket), ${LATENCY_MS} ms injected on every HTTP answer and websocket push; the renderer in Debian Chromium via the harness`,
        `caseload: the ${real.length} sandbox patients plus ${caseload.length - real.length} valid test NHS numbers the sources do not hold, pasted on the screen`,
        `${ADMISSIONS} admissions of one patient on DCR, each followed by a discharge (not timed); the clock starts when the sandbox is asked to admit`,
        'on screen: stamped in the page by a MutationObserver when the "Admitted or discharged" list gains the row',
        'notification: when the harness stand-in for the OS notification is shown; updates arriving within 250 ms are gathered into one',
      ],
    });
  } finally {
    await harness.close();
    await services.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

runCompiled(__filename);
main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
