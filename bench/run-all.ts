// `npm run bench`: every bench/*.ts, one after another (they measure, so they must not share the CPU). A bench
// with its own `bench:<name>` script (e.g. one that needs the keyring) is run through that script.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const scripts =
  (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> })
    .scripts ?? {};
const benches = readdirSync(__dirname)
  .filter((f) => f.endsWith('.ts') && f !== 'run-all.ts')
  .sort();
let failed = 0;
for (const file of benches) {
  const name = file.replace(/\.ts$/, '');
  console.log(`\n=== ${name} ===`);
  const run = scripts[`bench:${name}`]
    ? spawnSync('npm', ['run', '--silent', `bench:${name}`], { cwd: root, stdio: 'inherit' })
    : spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, file)], {
        cwd: root,
        stdio: 'inherit',
      });
  if (run.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
