// Finds ../shared/fixtures relative to the repository root, wherever the code runs from (tsx, vitest, bundle).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

function findRepoRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'sandbox'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The shared fixtures folder, or undefined when it is not on this machine. WESSEX_FIXTURES_DIR overrides. */
export function sharedFixturesDir(): string | undefined {
  const override = process.env.WESSEX_FIXTURES_DIR;
  if (override) return existsSync(override) ? override : undefined;
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (const start of [here, process.cwd()]) {
    const root = findRepoRoot(start);
    if (!root) continue;
    const dir = resolve(root, '..', 'shared', 'fixtures');
    if (existsSync(dir)) return dir;
  }
  return undefined;
}
