// In the Electron app the preferences are kept by electron-store, in the same file and mode as headless
// (conf). electron-store needs Electron, so the package is the mocked edge here; the store behind it is the
// real preferences service.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';

const seen = vi.hoisted(() => ({ options: [] as Record<string, unknown>[] }));
vi.mock('electron-store', async () => {
  const { default: Conf } = await import('conf');
  // electron-store is conf with Electron's defaults; given an explicit directory, it is conf with `name`.
  class ElectronStore extends Conf<Record<string, unknown>> {
    constructor(options: { cwd: string; name: string; configFileMode: number }) {
      seen.options.push(options);
      super({ cwd: options.cwd, configName: options.name, configFileMode: options.configFileMode });
    }
  }
  return { default: ElectronStore };
});

const { openElectronStoreFile } = await import('../../main/shell/preferences-file');
const { openPreferences, preferencesPath } = await import('../../main/services/preferences');
const dir = await mkdtemp(path.join(os.tmpdir(), 'wessex-electron-prefs-'));
afterAll(async () => rm(dir, { recursive: true, force: true }));

it('stores the preferences with electron-store in the same file, readable by the headless store', async () => {
  const app = await openPreferences(dir, openElectronStoreFile);
  await app.store.update({ defaultViewByRole: { 'general-practitioner': 'urgent-care' } });
  expect(seen.options).toEqual([{ cwd: dir, name: 'preferences', configFileMode: 0o600 }]);
  expect(app.store.path).toBe(preferencesPath(dir));
  expect((await (await openPreferences(dir)).store.get()).defaultViewByRole).toEqual({
    'general-practitioner': 'urgent-care',
  });
});
