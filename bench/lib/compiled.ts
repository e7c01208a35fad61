// A bench that times the app's own code runs it as the app does: bundled into plain JavaScript (esbuild, packages
// left external), with no TypeScript loader in memory and no module boundaries between the engine's own files
// (tsx's per-module export getters alone cost the engine tens of milliseconds per record).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { buildSync } from 'esbuild';

const COMPILED = 'WESSEX_BENCH_COMPILED';

/** This process's node flags without the TypeScript loader (--import tsx), which the bundle does not need. */
function flagsWithoutLoader(): string[] {
  const flags: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const flag = process.execArgv[i]!;
    if (flag === '--import' && process.execArgv[i + 1] === 'tsx') i++;
    else if (flag !== '--import=tsx') flags.push(flag);
  }
  return flags;
}

/**
 * Bundles the bench at `entry` next to it (bench/.compiled, so its paths to results/ and the repository stay the
 * same) and runs that in a child process with this process's node flags (--expose-gc and the like); exits with
 * the child's status. Returns only in the child.
 */
export function runCompiled(entry: string): void {
  // Already the bundled copy.
  if (process.env[COMPILED] === '1') return;
  const outfile = path.join(path.dirname(entry), '.compiled', `${path.basename(entry, '.ts')}.cjs`);
  buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    packages: 'external',
    logLevel: 'error',
  });
  const child = spawnSync(process.execPath, [...flagsWithoutLoader(), outfile], {
    stdio: 'inherit',
    env: { ...process.env, [COMPILED]: '1' },
  });
  process.exit(child.status ?? 1);
}
