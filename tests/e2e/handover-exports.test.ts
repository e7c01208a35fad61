// "Save as PDF" as a clinician meets it: a cancelled save dialog says nothing was saved; where IT keeps
// handovers only in the encrypted store, the summary opens inside the viewer, no PDF reaches the disk, and
// "delete all offline records" takes it too.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMachinePolicy } from '../../main/services/policy';
import {
  a11yViolations,
  expectQuietPage,
  openSandboxRecord,
  screenshot,
  startE2e,
  type E2eContext,
} from './e2e-helpers';

/** Every file under `dir` whose bytes hold a PDF header. */
function plaintextPdfs(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .filter((file) => fs.readFileSync(file).includes('%PDF'));
}

describe('a save dialog the clinician cancels', () => {
  let ctx: E2eContext;
  const offered: string[] = [];
  beforeAll(async () => {
    ctx = await startE2e(
      {},
      {},
      {
        saveDialog: {
          choosePdfPath: async (suggested) => {
            offered.push(suggested);
            return undefined;
          },
        },
      },
    );
  }, 90_000);
  afterAll(async () => ctx?.close());

  it('says nothing was saved, and nothing was', async () => {
    const { page, log } = await openSandboxRecord(ctx, 'frail', 'paramedic');
    await page.getByRole('button', { name: 'Save as PDF' }).click();
    await expect
      .poll(() => page.getByTestId('handover-status').textContent(), { timeout: 15_000 })
      .toBe('Saving was cancelled; nothing was saved.');
    expect(offered).toHaveLength(1);
    expect(plaintextPdfs(ctx.dataDir)).toEqual([]);
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });
});

describe('handovers kept only in the encrypted store (IT’s policy)', () => {
  let ctx: E2eContext;
  beforeAll(async () => {
    const loaded = await loadMachinePolicy({});
    if (!loaded.ok) throw new Error('the empty policy should load');
    ctx = await startE2e(
      {},
      { policy: { ...loaded, policy: { ...loaded.policy, handoverExport: 'encrypted-store' } } },
      {
        saveDialog: {
          choosePdfPath: () => Promise.reject(new Error('no save dialog when kept in the store')),
        },
      },
    );
  }, 90_000);
  afterAll(async () => ctx?.close());

  it('keeps the summary in the store, opens it in the viewer from there, and writes no PDF to disk', async () => {
    const { page, log } = await openSandboxRecord(ctx, 'frail', 'paramedic');
    await page.getByRole('button', { name: 'Save as PDF' }).click();
    const status = page.getByTestId('handover-status');
    await expect
      .poll(() => status.textContent(), { timeout: 15_000 })
      .toMatch(/^Handover summary kept in the encrypted store on this computer \(not as a file\)\./);

    await status.getByRole('button', { name: 'Open the kept handover summary' }).click();
    const kept = page.getByTestId('kept-handover');
    await expect
      .poll(
        () =>
          kept
            .getByTestId('pdf-pages')
            .textContent()
            .catch(() => ''),
        { timeout: 15_000 },
      )
      .toMatch(/^PDF, \d+ pages?$/);
    expect(await kept.locator('canvas').count()).toBeGreaterThan(0);
    expect(await kept.getByRole('heading').first().textContent()).toBe(
      'Handover summary kept on this computer',
    );
    await screenshot(page, 'handover-kept-in-store');
    expect(await a11yViolations(page)).toEqual([]);
    expect(plaintextPdfs(ctx.dataDir)).toEqual([]);

    await kept.getByRole('button', { name: 'Close the handover summary' }).click();
    await expect.poll(() => page.getByTestId('kept-handover').count()).toBe(0);

    // "Delete all offline records" takes the kept handover with the records, and says so.
    await page.getByRole('button', { name: 'Offline records' }).click();
    await page.getByRole('button', { name: 'Delete all offline records' }).click();
    await page.getByRole('button', { name: 'Yes, delete all' }).click();
    await page.getByText('No records are stored on this device.').waitFor();
    expect(
      await page
        .getByRole('status')
        .filter({ hasText: /^Removed 1 offline record from this device\. Removed 1 handover PDF\.$/ })
        .count(),
    ).toBe(1);
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });
});
