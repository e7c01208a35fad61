// Finds the Electron binary for `npm start`. Electron downloads it lazily on first run; where that cannot
// happen (no internet), the caller falls back to the Chromium harness.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function findElectronBinary(): string | undefined {
  let dir: string;
  try {
    dir = dirname(require.resolve('electron/package.json'));
  } catch {
    return undefined;
  }
  const installed = (): string | undefined => {
    const pathFile = join(dir, 'path.txt');
    if (!existsSync(pathFile)) return undefined;
    const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(binary) ? binary : undefined;
  };
  const found = installed();
  if (found) return found;
  const download = spawnSync(process.execPath, [join(dir, 'install.js')], {
    stdio: 'ignore',
    timeout: 120_000,
  });
  return download.status === 0 ? installed() : undefined;
}
