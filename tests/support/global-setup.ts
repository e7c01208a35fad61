// Runs once before any test file: the tests drive the built CLI and renderer, so a build older than the
// sources would test yesterday's code. `npm test` builds first; a bare `vitest run` rebuilds here when needed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const BUILT = ['out/main/cli.js', 'out/main/dev-cli.js', 'out/preload/index.cjs', 'out/renderer/index.html'];
const SOURCES = ['main', 'common', 'preload', 'renderer', 'sandbox', 'electron.vite.config.ts'];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function buildIsCurrent(): boolean {
  const sources = Math.max(...SOURCES.map((s) => newestMtime(join(ROOT, s))));
  return BUILT.every((built) => {
    const file = join(ROOT, built);
    return existsSync(file) && statSync(file).mtimeMs >= sources;
  });
}

export default function ensureCurrentBuild(): void {
  if (buildIsCurrent()) return;
  console.log('The build is older than the sources: building before the tests run.');
  const build = spawnSync('npx', ['electron-vite', 'build', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('The build failed, so the tests cannot run.');
}
