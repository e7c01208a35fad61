// Runs once before any test file: the tests drive the built CLI and renderer, so a build older than the
// sources would test yesterday's code. `npm test` always builds first; `npm run test:only` relies on this.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const BUILT = ['out/main/cli.js', 'out/renderer/index.html'];
const SOURCES = [
  'main',
  'common',
  'preload',
  'renderer',
  'sandbox',
  'package.json',
  'electron.vite.config.ts',
];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

export default function checkBuildIsCurrent(): void {
  const sources = Math.max(...SOURCES.map((s) => newestMtime(join(ROOT, s))));
  for (const built of BUILT) {
    const file = join(ROOT, built);
    if (!existsSync(file) || statSync(file).mtimeMs < sources) {
      throw new Error(
        `${built} is missing or older than the sources: run \`npm run build\` (npm test does).`,
      );
    }
  }
}
