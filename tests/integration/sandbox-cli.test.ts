// `wessex sandbox` as an operator runs it: a real child process serving real ports until SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isValidNhsNumber } from '../../common/nhs-number';
import { PRODUCT_CLI, ROOT, runWessex, WESSEX_CLI } from '../support/cli';

let child: ChildProcess | undefined;
// The sandbox writes where its admin endpoint is (sandbox.json) to the data folder: never the real user's.
const dataDir = mkdtempSync(join(tmpdir(), 'wessex-sandbox-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
});

function run(
  args: string[],
  cli: string[] = [WESSEX_CLI],
): {
  proc: ChildProcess;
  output: () => string;
  firstOutput: (marker: RegExp) => Promise<string>;
} {
  const proc = spawn(process.execPath, [...cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WESSEX_DATA_DIR: dataDir },
  });
  child = proc;
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return {
    proc,
    output: () => out,
    firstOutput: (marker) =>
      new Promise((resolveOutput, reject) => {
        const check = (): void => {
          if (marker.test(out)) resolveOutput(out);
        };
        proc.stdout?.on('data', check);
        proc.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      }),
  };
}

function exited(proc: ChildProcess): Promise<number | null> {
  return new Promise((r) => (proc.exitCode !== null ? r(proc.exitCode) : proc.on('exit', (code) => r(code))));
}

describe('wessex sandbox', () => {
  it('--json prints the server URLs and patients, serves them, and stops cleanly on SIGTERM', async () => {
    const { proc, firstOutput } = run(['sandbox', '--json']);
    const text = await firstOutput(/\n}\s*$/);
    const info = JSON.parse(text) as {
      urls: Record<string, string>;
      patients: { key: string; name: string; nhsNumber: string; demonstrates: string }[];
    };
    expect(Object.keys(info.urls)).toEqual(expect.arrayContaining(['dcr', 'chie', 'locator', 'audit']));
    expect(info.patients.map((p) => p.key)).toEqual(
      expect.arrayContaining(['cross-border', 'frail', 'dissent', 'sensitive', 'not-traced']),
    );
    for (const p of info.patients) {
      expect(isValidNhsNumber(p.nhsNumber)).toBe(true);
      expect(p.demonstrates.length).toBeGreaterThan(10);
    }
    const metadata = await fetch(`${info.urls.chie}/metadata`);
    expect(metadata.status).toBe(200);

    proc.kill('SIGTERM');
    expect(await exited(proc)).toBe(0);
    await expect(fetch(`${info.urls.chie}/metadata`)).rejects.toThrow();
  });

  it('prints NHS numbers as 3 3 4 with what each patient demonstrates', async () => {
    const { proc, firstOutput } = run(['sandbox', '--latency', '5']);
    const text = await firstOutput(/Press Ctrl\+C/);
    expect(text).toMatch(/Dorset Care Record\s+http:\/\/127\.0\.0\.1:\d+\/fhir/);
    expect(text).toMatch(/999 \d{3} \d{4}\s+David John Legg\s+\[cross-border\]/);
    expect(text).toContain('DNACPR');
    proc.kill('SIGINT');
    expect(await exited(proc)).toBe(0);
  });

  it('rejects a nonsense latency with a clear message', async () => {
    const { proc, output } = run(['sandbox', '--latency', 'soon']);
    expect(await exited(proc)).toBe(1);
    expect(output()).toContain('--latency must be a number of milliseconds');
  });
});

describe('the checkout’s `npx wessex`', () => {
  it('runs the same CLI from source (bin/wessex.cjs), with no build needed: a sandbox that serves and stops', async () => {
    const { proc, firstOutput } = run(['sandbox', '--json'], [resolve(ROOT, 'bin/wessex.cjs')]);
    const info = JSON.parse(await firstOutput(/\n}\s*$/)) as { urls: Record<string, string> };
    expect((await fetch(`${info.urls.chie}/metadata`)).status).toBe(200);
    proc.kill('SIGTERM');
    expect(await exited(proc)).toBe(0);
  });
});

describe('the shipped CLI (out/main/cli.js)', () => {
  it('runs with plain node, carries no development commands, and needs configured sources', async () => {
    const help = await runWessex(['--help'], { cli: PRODUCT_CLI });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/fetch/);
    expect(help.stdout).not.toMatch(/^\s+(sandbox|start)\b/m);
    const fetched = await runWessex(['fetch', '--nhs', '9994625845', '--role', 'nurse'], {
      cli: PRODUCT_CLI,
      env: { ...process.env, WESSEX_POLICY_FILE: resolve(ROOT, 'out', 'no-such-policy.json') },
    });
    expect(fetched.code).toBe(1);
    expect(fetched.stderr).toContain('sources: no regional record sources are configured on this computer');
    expect(fetched.stdout).toBe('');
  });
});
