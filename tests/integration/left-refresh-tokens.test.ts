// Refresh tokens never outlive the viewer: one a crashed viewer left in the keystore is removed when the next
// viewer starts, unless another viewer on this computer is still running (it may be using it).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createViewer } from '../../main/services/composition/viewer';
import { refreshTokenAccount } from '../../main/services/launch';
import { loadMachinePolicy } from '../../main/services/policy';
import { cacheTestEnv, type CacheTestEnv } from './cache-support';

const RUNNING_VIEWER = path.join(import.meta.dirname, 'running-viewer-child.ts');
const ISSUER = 'https://epr.example.nhs.uk/fhir';
let env: CacheTestEnv;
let other: ChildProcess | undefined;

beforeEach(() => {
  env = cacheTestEnv();
});
afterEach(async () => {
  other?.kill('SIGKILL');
  await env.cleanup();
});

async function startViewer() {
  const loaded = await loadMachinePolicy({});
  if (!loaded.ok) throw new Error('default policy');
  return createViewer({
    dataDir: env.dataDir,
    policy: { ...loaded, policy: { ...loaded.policy, allowedIssuers: [ISSUER] } },
    secretStore: env.secrets,
    recordSources: 'not-needed',
  });
}

it('removes a refresh token a crashed viewer left behind when the next viewer starts', async () => {
  await env.secrets.set(refreshTokenAccount(ISSUER), 'left-by-a-crash');
  const viewer = await startViewer();
  await viewer.close();
  expect(await env.secrets.get(refreshTokenAccount(ISSUER))).toBeNull();
});

it('keeps it while another viewer on this computer is running', async () => {
  await env.secrets.set(refreshTokenAccount(ISSUER), 'in-use');
  other = spawn(process.execPath, ['--import', 'tsx', RUNNING_VIEWER, env.dataDir, env.service], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => other!.stdout!.once('data', () => resolve()));
  const viewer = await startViewer();
  await viewer.close();
  expect(await env.secrets.get(refreshTokenAccount(ISSUER))).toBe('in-use');
});
