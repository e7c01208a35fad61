// Refresh tokens never outlive the viewer: those a crashed viewer left in the keystore — one per sign-in, and
// the one per EPR older versions kept — are removed when the next viewer starts, unless another viewer on this
// computer is still running (it may be using them). The keystore's other secrets stay.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createViewer } from '../../main/services/composition/viewer';
import type { SecretStore } from '../../main/services/keystore/secret-store';
import { refreshTokenAccount } from '../../main/services/launch';
import { loadMachinePolicy } from '../../main/services/policy';
import { cacheTestEnv, type CacheTestEnv } from './cache-support';

const RUNNING_VIEWER = path.join(import.meta.dirname, 'running-viewer-child.ts');
const ISSUER = 'https://epr.example.nhs.uk/fhir';
const STANDALONE_ISSUER = 'https://signin.example.nhs.uk/fhir';
let env: CacheTestEnv;
let other: ChildProcess | undefined;

beforeEach(() => {
  env = cacheTestEnv();
});
afterEach(async () => {
  other?.kill('SIGKILL');
  await env.cleanup();
});

async function startViewer(secretStore: SecretStore = env.secrets) {
  const loaded = await loadMachinePolicy({});
  if (!loaded.ok) throw new Error('default policy');
  const policy = {
    ...loaded.policy,
    // As IT may write them (a trailing slash): the viewer's issuers are the canonical ones.
    allowedIssuers: [`${ISSUER}/`, STANDALONE_ISSUER],
    standaloneIssuer: STANDALONE_ISSUER,
  };
  return createViewer({
    dataDir: env.dataDir,
    policy: { ...loaded, policy },
    secretStore,
    recordSources: 'not-needed',
    forgetLeftRefreshTokens: true,
  });
}

/** What crashed viewers left: two clinicians' sign-ins at the EPR, one direct sign-in, an older version's entry. */
async function leaveRefreshTokens(): Promise<string[]> {
  const left = [
    refreshTokenAccount(ISSUER, randomUUID()),
    refreshTokenAccount(ISSUER, randomUUID()),
    refreshTokenAccount(STANDALONE_ISSUER, randomUUID()),
    `refresh-token:${ISSUER}`,
  ];
  for (const [i, account] of left.entries()) await env.secrets.set(account, `left-by-a-crash-${i}`);
  return left;
}

it('removes every refresh token crashed viewers left behind when the next viewer starts, and no other secret', async () => {
  const left = await leaveRefreshTokens();
  await env.secrets.set('audit-anchor:elsewhere', 'kept');
  const viewer = await startViewer();
  await viewer.close();
  for (const account of left) expect(await env.secrets.get(account), account).toBeNull();
  expect(await env.secrets.get('audit-anchor:elsewhere')).toBe('kept');
});

it('removes them all at once, not one after another', async () => {
  const left = await leaveRefreshTokens();
  let deleting = 0;
  let most = 0;
  const watched: SecretStore = {
    ...env.secrets,
    delete: async (account) => {
      if (!account.startsWith('refresh-token:')) return env.secrets.delete(account);
      most = Math.max(most, ++deleting);
      try {
        return await env.secrets.delete(account);
      } finally {
        deleting--;
      }
    },
  };
  const viewer = await startViewer(watched);
  await viewer.close();
  expect(most).toBe(left.length);
});

it('keeps them while another viewer on this computer is running', async () => {
  const left = await leaveRefreshTokens();
  other = spawn(process.execPath, ['--import', 'tsx', RUNNING_VIEWER, env.dataDir, env.service], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => other!.stdout!.once('data', () => resolve()));
  const viewer = await startViewer();
  await viewer.close();
  for (const [i, account] of left.entries())
    expect(await env.secrets.get(account)).toBe(`left-by-a-crash-${i}`);
});
