// Preferences in the Electron app are kept by electron-store (the same JSON file conf writes headless).
import type { OpenKeyValueFile } from '../services/preferences';

export const openElectronStoreFile: OpenKeyValueFile = async ({ cwd, configName, configFileMode }) => {
  const { default: ElectronStore } = await import('electron-store');
  return new ElectronStore<Record<string, unknown>>({ cwd, name: configName, configFileMode });
};
