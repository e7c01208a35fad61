// "Open the ReSPECT form" takes a keyboard or screen-reader user to the form itself: focus moves to the opened
// document's heading in Documents and letters, rather than dropping to the top of the page.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectQuietPage, openSandboxRecord, showTab, type E2eContext, e2eForFile } from './e2e-helpers';

let ctx: E2eContext;
e2eForFile((started) => (ctx = started));

const focused = (page: Page) =>
  page.evaluate(() => {
    const a = document.activeElement as HTMLElement | null;
    return { tag: a?.tagName ?? '', testId: a?.dataset.testid ?? '', text: a?.textContent?.trim() ?? '' };
  });

describe('a GP opening the ReSPECT form from the urgent care summary', () => {
  it('moves focus to the opened form’s heading, once', async () => {
    const hp = await openSandboxRecord(ctx, 'frail');
    const { page } = hp;
    await page.setViewportSize({ width: 1366, height: 768 });
    await showTab(page, 'Urgent care summary');
    await page.getByTestId('open-respect').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('view-documents').waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ testId: 'document-title', text: /ReSPECT/ });
    // Named once, not "ReSPECT (…) form — ReSPECT form".
    expect(await page.getByTestId('document-title').textContent()).not.toMatch(/—/);
    const title = (await page.getByTestId('document-title').boundingBox())!;
    // In view, and not under the sticky banner and tabs.
    const sticky = (await page.locator('.wx-sticky').boundingBox())!;
    expect(title.y).toBeGreaterThanOrEqual(Math.max(0, sticky.y + sticky.height - 1));
    expect(title.y + title.height).toBeLessThanOrEqual(768);
    // The next Tab goes on into the document, not back to the top of the page.
    await page.keyboard.press('Tab');
    expect(
      await page.evaluate(() => !!document.activeElement?.closest('[data-testid="document-viewer"]')),
    ).toBe(true);

    // Coming back to the view later by its tab leaves the keyboard on the tab.
    await showTab(page, 'Timeline');
    await page
      .getByRole('navigation', { name: 'Record views' })
      .getByRole('button', { name: 'Documents and letters', exact: true })
      .focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('view-documents').waitFor();
    expect(await focused(page)).toMatchObject({ tag: 'BUTTON', text: 'Documents and letters' });
    expectQuietPage(hp.log);
    await page.close();
  });
});
