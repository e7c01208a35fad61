// The installed app's command line for support workstations: `Wessex Care Record.exe --cli <command>` runs the
// same CLI in the app's own binary (the RunAsNode fuse stays off) and exits with the command's status, with
// no window and no single-instance lock taken. Only the Electron API is mocked.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => {
  const exits: number[] = [];
  let exited: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (exited = resolve));
  return {
    exits,
    done,
    module: {
      app: {
        exit: (code: number) => {
          exits.push(code);
          exited(code);
        },
        requestSingleInstanceLock: vi.fn(() => true),
        enableSandbox: vi.fn(),
        whenReady: vi.fn(() => new Promise(() => undefined)),
        on: vi.fn(),
      },
      protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
      net: {},
      shell: {},
      session: {},
      ipcMain: { handle: vi.fn() },
      BrowserWindow: vi.fn(),
    },
  };
});
vi.mock('electron', () => electron.module);

const dir = await mkdtemp(path.join(os.tmpdir(), 'wessex-cli-mode-'));
afterAll(async () => rm(dir, { recursive: true, force: true }));

it('runs the policy command in the app binary and exits with its status', async () => {
  const policyFile = path.join(dir, 'policy.json');
  await writeFile(policyFile, JSON.stringify({ retentionHours: 9999 }));
  process.env.WESSEX_POLICY_FILE = policyFile;
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void printed.push(String(line)));
  const argv = process.argv;
  // A packaged app: argv[0] is the executable and there is no script argument.
  process.argv = ['C:\\Program Files\\Wessex Care Record\\Wessex Care Record.exe', '--cli', 'policy'];
  Object.defineProperty(process.versions, 'electron', { value: '45.4.1', configurable: true });
  try {
    await import('../../main/index');
    expect(await electron.done).toBe(1);
  } finally {
    process.argv = argv;
    delete (process.versions as Record<string, string | undefined>).electron;
    log.mockRestore();
    delete process.env.WESSEX_POLICY_FILE;
    process.exitCode = undefined;
  }
  expect(printed.join('\n')).toContain('retentionHours');
  expect(electron.exits).toEqual([1]);
  expect(electron.module.app.requestSingleInstanceLock).not.toHaveBeenCalled();
  expect(electron.module.app.whenReady).not.toHaveBeenCalled();
});
