// What ships: the built app and CLI carry no development tooling (the sandbox and its FHIR engine, the
// Chromium harness and its browser driver, the TypeScript loader), neither in the bundle electron-builder
// packs nor in the production dependencies it adds.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const root = path.resolve(__dirname, '../..');
const outMain = path.join(root, 'out', 'main');
const DEV_PACKAGES = /^(@medplum\/|playwright|tsx$|vitest|vite$|electron-vite|@vitejs\/)/;

/** Every file a built entry loads, following its relative require()s (static or behind a dynamic import). */
function closure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, spec] of source.matchAll(/require\("([^"]+)"\)|import\("([^"]+)"\)/g)) {
      if (!spec) continue;
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec));
      else if (!spec.startsWith('node:'))
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  };
  visit(path.join(outMain, entry));
  return { files, packages };
}

async function packagedFiles(): Promise<string[]> {
  const { getConfig } = require('app-builder-lib/out/util/config/config.js') as {
    getConfig(
      projectDir: string,
      configPath: string | null,
      fromOptions: null,
    ): Promise<{ files: (string | { filter: string[] })[] }>;
  };
  const patterns = (await getConfig(root, null, null)).files.flatMap((f) =>
    typeof f === 'string' ? [f] : f.filter,
  );
  const included = patterns.filter((p) => !p.startsWith('!'));
  const excluded = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const all = readdirSync(path.join(root, 'out'), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)).split(path.sep).join('/'));
  return all.filter(
    (file) => included.some((p) => minimatch(file, p)) && !excluded.some((p) => minimatch(file, p)),
  );
}

describe('the shipped app', () => {
  it('loads no development tooling from the app entry or the CLI', () => {
    for (const entry of ['index.js', 'cli.js']) {
      const { files, packages } = closure(entry);
      expect(
        [...packages].filter((p) => DEV_PACKAGES.test(p)),
        entry,
      ).toEqual([]);
      expect(
        [...files].filter((f) => path.basename(f).startsWith('dev-')),
        entry,
      ).toEqual([]);
    }
  });

  it('packs every file the app and CLI load, and none of the development entries or chunks', async () => {
    const packed = new Set(await packagedFiles());
    for (const entry of ['index.js', 'cli.js']) {
      for (const file of closure(entry).files) {
        expect(packed.has(path.relative(root, file).split(path.sep).join('/')), file).toBe(true);
      }
    }
    const development = [...packed].filter((f) => /\/dev-[^/]*$/.test(f) || f.includes('sandbox'));
    expect(development).toEqual([]);
    // The development CLI and app exist in the build (npm start, the tests) but are not packed.
    expect(closure('dev-cli.js').packages.has('@medplum/core')).toBe(true);
  });

  it('depends on no development package in production', () => {
    const tree = JSON.parse(
      execFileSync('npm', ['ls', '--omit=dev', '--all', '--json'], { cwd: root, encoding: 'utf8' }),
    ) as { dependencies?: Record<string, { dependencies?: object }> };
    const names = new Set<string>();
    const walk = (deps: Record<string, { dependencies?: object }> = {}) => {
      for (const [name, info] of Object.entries(deps)) {
        names.add(name);
        walk(info.dependencies as Record<string, { dependencies?: object }>);
      }
    };
    walk(tree.dependencies);
    expect([...names].filter((n) => DEV_PACKAGES.test(n))).toEqual([]);
    expect(names.has('keytar')).toBe(true);
  });
});
