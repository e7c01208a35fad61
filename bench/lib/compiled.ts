// A bench that times the engine runs it as the app does: bundled into plain JavaScript (esbuild, packages left
// external), with no TypeScript loader in memory and no module boundaries between the engine's own files
// (tsx's per-module export getters alone cost the engine tens of milliseconds per record).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { buildSync } from 'esbuild';

const COMPILED = 'WESSEX_BENCH_COMPILED';

/** True in the bundled copy of a bench. */
export function isCompiled(): boolean {
  return process.env[COMPILED] === '1';
}

/**
 * Bundles the bench at `entry` next to it (bench/.compiled, so its paths to results/ and the repository stay
 * the same) and runs that in a child process; exits with the child's status. Returns only in the child.
 */
export function runCompiled(entry: string, nodeFlags: readonly string[] = []): void {
  if (isCompiled()) return;
  const outfile = path.join(path.dirname(entry), '.compiled', `${path.basename(entry, '.ts')}.cjs`);
  buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    packages: 'external',
    logLevel: 'error',
  });
  const child = spawnSync(process.execPath, [...nodeFlags, outfile], {
    stdio: 'inherit',
    env: { ...process.env, [COMPILED]: '1' },
  });
  process.exit(child.status ?? 1);
}
