// Child processes for the benchmarks: the built CLI and the sandbox each in their own process, so what the
// bench measures in its own process is the client alone.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export const ROOT = path.resolve(__dirname, '..', '..');

export interface Running {
  child: ChildProcess;
  output: () => string;
}

/** `node <args>` in its own process group (so everything it starts stops with it), with no display. */
export function startNode(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  return { child, output: () => text };
}

export function stopNode(running: Running): Promise<void> {
  if (running.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    running.child.once('exit', () => resolve());
    try {
      process.kill(-running.child.pid!, 'SIGTERM');
    } catch {
      resolve();
    }
  });
}

export function waitForOutput(running: Running, pattern: RegExp, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (pattern.test(running.output())) {
        clearInterval(timer);
        resolve();
      } else if (running.child.exitCode !== null || performance.now() > deadline) {
        clearInterval(timer);
        reject(new Error(`no ${pattern} in:\n${running.output()}`));
      }
    }, 5);
  });
}

export interface SandboxProcessInfo {
  urls: { dcr: string; chie: string; locator: string; audit: string; regionalAuth: string; epr?: string };
  patients: { key: string; nhsNumber: string; name?: string }[];
}

/** `wessex sandbox --json <args>` in its own process, once it is listening. */
export async function startSandboxProcess(
  args: string[],
): Promise<{ running: Running; info: SandboxProcessInfo }> {
  if (!existsSync(path.join(ROOT, 'out/main/dev-cli.js')))
    throw new Error('out/main/dev-cli.js is missing: run npm run build first');
  const running = startNode(['out/main/dev-cli.js', 'sandbox', '--json', ...args]);
  await waitForOutput(running, /"patients"[\s\S]*\n}\s*$/, 120_000);
  const text = running.output();
  return { running, info: JSON.parse(text.slice(text.indexOf('{'))) as SandboxProcessInfo };
}
