// `wessex sandbox --fault <source>=<mode>[:<number>]` as an operator runs it: the fault is in place when the
// sandbox says it is running, and a spec it cannot use is a plain-words error, not a silently healthy sandbox.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { runWessex, WESSEX_CLI } from '../support/cli';

let child: ChildProcess | undefined;

afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
});

/** Starts `wessex sandbox <args>` and resolves with its --json description once printed. */
function startSandboxCli(args: string[]): Promise<{ proc: ChildProcess; info: SandboxInfo }> {
  const proc = spawn(process.execPath, [WESSEX_CLI, 'sandbox', '--json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let out = '';
  return new Promise((resolve, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (/\n}\s*$/.test(out)) resolve({ proc, info: JSON.parse(out) as SandboxInfo });
    });
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    proc.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

interface SandboxInfo {
  urls: Record<string, string>;
  faults: Record<string, { mode: string; options?: Record<string, number> }>;
}

function exited(proc: ChildProcess): Promise<number | null> {
  return new Promise((r) => (proc.exitCode !== null ? r(proc.exitCode) : proc.on('exit', (code) => r(code))));
}

describe('wessex sandbox --fault', () => {
  it('chie=down: CHIE refuses connections while DCR answers; the JSON says which faults are set', async () => {
    const { proc, info } = await startSandboxCli(['--fault', 'chie=down', '--fault', 'locator=503:7']);
    expect(info.faults).toEqual({
      chie: { mode: 'down' },
      locator: { mode: '503', options: { retryAfterSeconds: 7 } },
    });
    await expect(fetch(`${info.urls.chie}/metadata`)).rejects.toThrow();
    expect((await fetch(`${info.urls.dcr}/metadata`)).status).toBe(200);
    const locator = await fetch(`${info.urls.locator}/DocumentReference`);
    expect(locator.status).toBe(503);
    expect(locator.headers.get('retry-after')).toBe('7');
    proc.kill('SIGTERM');
    expect(await exited(proc)).toBe(0);
  });

  it('refuses a spec it cannot use, saying why, and starts nothing', async () => {
    const cases: [string, string][] = [
      [
        'chie',
        '--fault "chie" is not <source>=<mode>[:<number>], e.g. chie=down, chie=slow:20000 or dcr=500.',
      ],
      ['gp=down', 'there is no sandbox source "gp"; use one of dcr, chie, locator, audit.'],
      ['chie=sideways', 'unknown fault mode "sideways"; use one of slow, 500,'],
      ['chie=slow:soon', 'the delay in milliseconds must be a whole number from 1 to 600000.'],
      ['dcr=500:3', 'the 500 fault takes no number.'],
    ];
    for (const [spec, message] of cases) {
      const result = await runWessex(['sandbox', '--json', '--fault', spec]);
      expect(result.code, spec).toBe(1);
      expect(result.stderr, spec).toContain(message);
      expect(result.stdout, spec).toBe('');
    }
    const twice = await runWessex(['sandbox', '--fault', 'chie=down', '--fault', 'chie=500']);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('chie was given a fault twice');
  });
});
