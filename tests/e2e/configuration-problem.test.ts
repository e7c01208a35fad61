// A bad machine policy: a clear screen naming the bad keys, and no connection to anything.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSandboxViewer, type SandboxViewer } from '../../main/dev/sandbox-viewer';
import { openHarness, type Harness } from '../../main/dev/harness';
import { expectQuietPage, screenshot, a11yViolations } from './e2e-helpers';

let services: SandboxViewer;
let harness: Harness;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'wessex-e2e-policy-'));
  services = await createSandboxViewer({
    dataDir,
    policy: {
      ok: false,
      problems: [
        { key: 'sources[0].fhirBase', message: 'must be an https URL' },
        { key: 'allowedIssuers', message: 'must list at least one issuer' },
      ],
    },
  });
  harness = await openHarness({ services });
}, 60_000);
afterAll(async () => {
  await harness?.close();
  await services?.close();
  await rm(dataDir, { recursive: true, force: true });
});

it('lists the bad policy keys and opens no record', async () => {
  const { page, log } = await harness.newPage();
  const screen = page.getByTestId('configuration-problem');
  await screen.waitFor();
  const text = await screen.textContent();
  expect(text).toContain('The viewer is not configured correctly');
  expect(text).toContain('sources[0].fhirBase: must be an https URL');
  expect(text).toContain('allowedIssuers: must list at least one issuer');
  expect(text).toMatch(/has not connected to any record server/);
  expect(log.calls.map((c) => c.channel)).toEqual(['app:get-state']);
  expect(services.sandbox).toBeUndefined();
  await screenshot(page, 'configuration-problem');
  expect(await a11yViolations(page)).toEqual([]);
  expectQuietPage(log);
});
