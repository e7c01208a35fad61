// `npm run bench:ui`: the renderer in Debian Chromium, bridge bound to the real services, on the
// 20,000-resource sandbox patient. Measures, in one run: record-ready → urgent-care summary painted,
// results tab click → results view painted, and long tasks while scrolling the full results list.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createSandboxViewer } from '../main/dev/sandbox-viewer';
import { openHarness } from '../main/dev/harness';
import { metric, ratio, reportBench } from './lib/results';

// Page-side measurements, as source text: they run in Chromium, not under this Node program's types.
const RESULTS_TAB_SCRIPT = `(async () => {
  const tab = [...document.querySelectorAll('nav[aria-label="Record views"] button')].find(
    (b) => b.textContent === 'Results and vitals',
  );
  window.__wessexResultsPaintedAt = undefined;
  const t0 = performance.now();
  tab.click();
  while (window.__wessexResultsPaintedAt === undefined) await new Promise((r) => setTimeout(r, 5));
  return window.__wessexResultsPaintedAt - t0;
})()`;

const SCROLL_SCRIPT = `(async () => {
  const list = document.querySelector('[data-testid="results-table"]');
  if (!list) throw new Error('results table missing');
  const rows = Number(list.closest('[role="table"]').getAttribute('aria-rowcount')) - 1;
  const longTasks = [];
  const observer = new PerformanceObserver((entries) => {
    for (const e of entries.getEntries()) longTasks.push(e.duration);
  });
  observer.observe({ type: 'longtask', buffered: false });
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  const step = list.clientHeight * 0.9;
  let frames = 0;
  const t0 = performance.now();
  while (list.scrollTop + list.clientHeight < list.scrollHeight - 1) {
    list.scrollTop += step;
    await frame();
    frames++;
  }
  // And a few long jumps, as dragging the scrollbar does.
  for (const at of [0.5, 0.1, 0.9, 0]) {
    list.scrollTop = list.scrollHeight * at;
    await frame();
    frames++;
  }
  const elapsed = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 100));
  observer.disconnect();
  return { rows, frames, elapsed, longTasks };
})()`;

const SETTLE_MS = 2000;
const SCREENSHOT = resolve(__dirname, '..', 'test-results', 'bench', 'ui-summary.png');

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wessex-bench-ui-'));
  const services = await createSandboxViewer({
    dataDir,
    sandbox: { includeLargePatient: true },
    sandboxLaunch: false,
  });
  const harness = await openHarness({ services });
  try {
    const large = services.sandbox?.patients.find((p) => p.key === 'large');
    if (!large) throw new Error('The sandbox has no large patient.');
    await services.openSandboxSession({ role: 'paramedic', patientNhsNumber: large.nhsNumber });
    const startedAt = Date.now();
    const { page, log } = await harness.newPage();
    // Polled with evaluate: waitForFunction needs 'unsafe-eval', which the CSP rightly refuses.
    const deadline = Date.now() + 300_000;
    while (!(await page.evaluate<boolean>('window.__wessexSummaryPaintedAt !== undefined'))) {
      if (Date.now() > deadline) throw new Error('The summary did not paint within 5 minutes.');
      await new Promise((r) => setTimeout(r, 50));
    }
    const fetchSeconds = (Date.now() - startedAt) / 1000;
    const summary = await page.evaluate<number>(
      'window.__wessexSummaryPaintedAt - window.__wessexRecordReadyAt',
    );
    await mkdir(resolve(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });

    const results = await page.evaluate<number>(RESULTS_TAB_SCRIPT);
    // A clinician reads the first rows before scrolling; let the page settle as it would in that time.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const scroll = await page.evaluate<{
      rows: number;
      frames: number;
      elapsed: number;
      longTasks: number[];
    }>(SCROLL_SCRIPT);

    const maxLongTask = scroll.longTasks.length ? Math.max(...scroll.longTasks) : 0;
    const file = reportBench('ui', {
      metrics: {
        'record-ready-to-summary-painted': metric(summary, 'ms'),
        'results-tab-to-results-painted': metric(results, 'ms'),
        'scroll-rows': metric(scroll.rows, 'rows'),
        'scroll-frames': metric(scroll.frames, 'frames'),
        'scroll-mean-frame': metric(scroll.elapsed / Math.max(scroll.frames, 1), 'ms'),
        'scroll-long-tasks': metric(scroll.longTasks.length, 'tasks'),
        'scroll-max-long-task': metric(maxLongTask, 'ms'),
        'launch-to-summary (fetch from sandbox included)': metric(fetchSeconds, 's'),
      },
      ratios: {
        'summary-painted-after-data-ms': ratio(summary, '<=', 200),
        'max-long-task-while-scrolling-ms': ratio(maxLongTask, '<=', 100),
      },
      notes: [
        `patient: sandbox "large" (${services.sandbox?.patients.find((p) => p.key === 'large')?.dcr.length ?? 0} DCR + ${large.chie.length} CHIE resources)`,
        `summary screenshot: ${relative(process.cwd(), SCREENSHOT)}`,
        `page errors: ${log.pageErrors.length}, console errors: ${log.consoleErrors.length}`,
        'Chromium headless, 1280×720, long tasks via PerformanceObserver("longtask")',
        `scrolling starts ${SETTLE_MS} ms after the results view painted; every row visited, then four long jumps`,
      ],
    });
    void file;
  } finally {
    await harness.close();
    await services.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
