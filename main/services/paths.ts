// Where the app keeps its per-user data (offline cache, audit log, preferences), outside Electron so the CLI,
// the app and the tests agree. Linux follows XDG; Windows uses %LOCALAPPDATA% (per-machine, not roaming:
// encrypted patient data must not follow a profile to other computers); macOS uses Application Support.
import os from 'node:os';
import path from 'node:path';
import { isPackagedBuild } from './build-mode';

export const APP_DIR_NAME = 'wessex-care-record';

/** Environment override for the data directory (tests, development). Ignored by the installed product. */
export const DATA_DIR_ENV = 'WESSEX_DATA_DIR';

export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
  packaged: boolean = isPackagedBuild(),
): string {
  const override = packaged ? undefined : env[DATA_DIR_ENV]?.trim();
  if (override) return path.resolve(override);
  if (platform === 'win32') {
    const base = env.LOCALAPPDATA?.trim() || path.win32.join(home, 'AppData', 'Local');
    return path.win32.join(base, 'Wessex Care Record');
  }
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Wessex Care Record');
  const xdg = env.XDG_DATA_HOME?.trim();
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.local', 'share'), APP_DIR_NAME);
}

/** The data directory from an explicit choice (flag) or the default. */
export function resolveDataDir(explicit?: string): string {
  return explicit?.trim() ? path.resolve(explicit) : defaultDataDir();
}

export function cacheDatabasePath(dataDir: string): string {
  return path.join(dataDir, 'offline-cache.db');
}

export function auditDatabasePath(dataDir: string): string {
  return path.join(dataDir, 'audit.db');
}
