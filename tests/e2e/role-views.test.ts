// Views a role may not see (a paramedic: encounters, immunisations, care plans) are still offered, so the
// clinician knows the record may hold them, but say so plainly, with no controls that would do nothing.
import { describe, expect, it } from 'vitest';
import {
  a11yViolations,
  expectQuietPage,
  openSandboxRecord,
  showTab,
  type E2eContext,
  e2eForFile,
} from './e2e-helpers';

let ctx: E2eContext;
e2eForFile((started) => (ctx = started));

const NOT_FOR_PARAMEDIC = [
  ['Encounters', 'encounters'],
  ['Immunisations', 'immunisations'],
  ['Care plans', 'care-plans'],
] as const;

describe('a paramedic’s record views', () => {
  it('offers the views their role may not see, marked, each a plain notice with nothing to operate', async () => {
    const hp = await openSandboxRecord(ctx, 'frail', 'paramedic');
    const { page } = hp;
    const tabs = page.getByRole('navigation', { name: 'Record views' });
    for (const [label, id] of NOT_FOR_PARAMEDIC) {
      const tab = tabs.getByRole('button', { name: label, exact: true });
      expect(await tab.isVisible(), label).toBe(true);
      expect(await tab.getAttribute('aria-describedby'), label).toBeTruthy();
      await showTab(page, label);
      const view = page.getByTestId(`view-${id}`);
      await view.waitFor();
      expect(await view.getByTestId('not-for-role').textContent(), label).toMatch(
        new RegExp(`^${label} are not available for your role \\(Paramedic\\)\\. The record may hold them`),
      );
      // No Newest/Oldest first, no table, nothing that does nothing.
      expect(await view.locator('input, select, button, table').count(), label).toBe(0);
    }
    expect(await a11yViolations(page)).toEqual([]);
    // Views the role may see are not marked.
    expect(
      await tabs.getByRole('button', { name: 'Timeline', exact: true }).getAttribute('aria-describedby'),
    ).toBe(null);
    expectQuietPage(hp.log);
    await page.close();
  });

  it('leaves a GP’s encounters view as it was, with its order', async () => {
    const hp = await openSandboxRecord(ctx, 'frail', 'general-practitioner');
    const { page } = hp;
    await showTab(page, 'Encounters');
    const view = page.getByTestId('view-encounters');
    await view.waitFor();
    expect(await view.getByTestId('not-for-role').count()).toBe(0);
    expect(await view.getByRole('radio', { name: 'Oldest first' }).count()).toBe(1);
    expectQuietPage(hp.log);
    await page.close();
  });
});
