// The folder holding the app's package.json (and out/, bin/), found from wherever this code runs: its source
// folder under tsx or vitest, or out/main when built.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function projectRoot(start: string = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}
