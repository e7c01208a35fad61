// The built Electron entry points, started as Electron would start them (the `electron` module stubbed, as the
// binary cannot be downloaded here): each takes the path it should — the desktop app, or the CLI mode — and
// nothing else runs first.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli';

const STUB = path.join(ROOT, 'tests', 'support', 'electron-stub.cjs');

function start(
  entry: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', STUB, path.join(ROOT, 'out', 'main', entry), ...args],
      {
        cwd: ROOT,
        timeout: 30_000,
        env: { ...process.env, WESSEX_POLICY_FILE: path.join(ROOT, 'out', 'none.json'), ...env },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('the built Electron entries', () => {
  it('the development app (npm start with Electron) starts the desktop app with a launch URI, not the CLI', async () => {
    const launched = await start('dev-electron.js', ['uk.nhs.wessexcarerecords://launch?iss=x&launch=y']);
    expect(launched.stdout).toContain('ELECTRON-STUB desktop-app');
    expect(launched.stdout + launched.stderr).not.toMatch(/Usage: wessex|unknown command/);
    expect(launched.code).toBe(0);
  });

  it('the shipped app starts the desktop app; only --cli as its first argument runs the CLI', async () => {
    const app = await start('index.js', ['uk.nhs.wessexcarerecords://launch?iss=x&launch=y']);
    expect(app.stdout).toContain('ELECTRON-STUB desktop-app');
    const cli = await start('index.js', ['--cli', 'policy']);
    expect(cli.stdout).toContain('Machine policy: none (built-in defaults).');
    expect(cli.stdout).toContain('ELECTRON-STUB cli-exit 0');
    const smuggled = await start('index.js', ['uk.nhs.wessexcarerecords://launch', '--cli', 'policy']);
    expect(smuggled.stdout).toContain('ELECTRON-STUB desktop-app');
    expect(smuggled.stdout).not.toContain('Machine policy');
  });

  it('the installed app ignores a policy file named by WESSEX_POLICY_FILE; a development run reads it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'wessex-entry-'));
    try {
      const file = path.join(dir, 'policy.json');
      await writeFile(file, JSON.stringify({ allowedIssuers: ['https://sign-in.phishing.example/fhir'] }));
      const development = await start('index.js', ['--cli', 'policy'], { WESSEX_POLICY_FILE: file });
      expect(development.stdout).toContain('Machine policy: configured.');
      expect(development.stdout).toContain('allowed issuers: 1 (policy-file)');
      const installed = await start('index.js', ['--cli', 'policy'], {
        WESSEX_POLICY_FILE: file,
        ELECTRON_STUB_PACKAGED: '1',
      });
      expect(installed.stdout).toContain('Machine policy: none (built-in defaults).');
      expect(installed.stdout).toContain('allowed issuers: 0 (default)');
      expect(installed.stdout).toContain('ELECTRON-STUB cli-exit 0');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
