// Where a running `wessex sandbox` (development only) tells other processes how to reach its admin endpoint:
// `sandbox.json` in this OS user's data folder, readable by this user only, removed when the sandbox stops.
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultDataDir } from '../services/paths';

export interface SandboxState {
  /** The admin endpoint (its path carries the secret). */
  admin: string;
  pid: number;
  startedAt: string;
}

export function sandboxStatePath(dataDir: string = defaultDataDir()): string {
  return path.join(dataDir, 'sandbox.json');
}

export async function writeSandboxState(state: SandboxState, file = sandboxStatePath()): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

/** Removes the state file if it still names this sandbox (another may have started since). */
export async function clearSandboxState(admin: string, file = sandboxStatePath()): Promise<void> {
  const current = await readSandboxState(file);
  if (current?.admin === admin) await rm(file, { force: true });
}

export async function readSandboxState(file = sandboxStatePath()): Promise<SandboxState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<SandboxState>;
    return typeof parsed.admin === 'string' && /^http:\/\/127\.0\.0\.1:\d+\//.test(parsed.admin)
      ? { admin: parsed.admin, pid: Number(parsed.pid), startedAt: String(parsed.startedAt) }
      : undefined;
  } catch {
    return undefined;
  }
}
