// Refresh tokens never outlive the viewer: those a crashed viewer left in the keystore — one per sign-in, and
// the one per EPR older versions kept — are deleted by name after the next viewer starts, while those of a
// viewer still running stay. The keystore is never listed (keytar findCredentials reads every secret of the
// service, and crashed natively when another process changed the keyring meanwhile), the window does not wait
// for the clean-up, and a sign-in during it stores its refresh token only once it is done.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type * as Keytar from 'keytar';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createAuditService } from '../../main/services/audit';
import { createSecretStoreKeyVault } from '../../main/services/cache/key-vault';
import { createViewer } from '../../main/services/composition/viewer';
import { KeystoreEntryIndex } from '../../main/services/keystore/entry-index';
import type { SecretStore } from '../../main/services/keystore/secret-store';
import { SmartSession } from '../../main/services/launch';
import { auditDatabasePath } from '../../main/services/paths';
import { loadMachinePolicy } from '../../main/services/policy';
import { cacheTestEnv, type CacheTestEnv } from './cache-support';
import { refreshTokensIn } from './launch-fixtures';

const SIGNED_IN_VIEWER = path.join(import.meta.dirname, 'signed-in-viewer-child.ts');
const ISSUER = 'https://epr.example.nhs.uk/fhir';
const STANDALONE_ISSUER = 'https://signin.example.nhs.uk/fhir';
/** The entry older versions kept, one per EPR. */
const OLDER_VERSIONS_ENTRY = `refresh-token:${ISSUER}`;
let env: CacheTestEnv;
const children: ChildProcess[] = [];

beforeEach(() => {
  env = cacheTestEnv();
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await env.cleanup();
});

/** keytar as the viewer's keystore reaches it, to watch what it is asked. */
async function keytarModule(): Promise<typeof Keytar> {
  const loaded = (await import('keytar')) as typeof Keytar & { default?: typeof Keytar };
  return loaded.default ?? loaded;
}

/** A viewer process (sharing this data folder and keystore) that signed in `count` times; its entries' names. */
async function signedInViewer(count: number): Promise<{ child: ChildProcess; accounts: string[] }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', SIGNED_IN_VIEWER, env.dataDir, env.service, ISSUER, String(count)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString()));
    child.once('exit', () => reject(new Error('the viewer ended before signing in')));
  });
  return { child, accounts: JSON.parse(line) as string[] };
}

/** A viewer that signed in and then crashed (killed): its refresh tokens are left in the keystore. */
async function crashedViewer(count: number): Promise<string[]> {
  const { child, accounts } = await signedInViewer(count);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  return accounts;
}

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

/** A keystore whose refresh-token deletes wait until `open()`; `waiting` counts those held. */
function gatedStore(): { store: SecretStore; open: () => void; waiting: () => number } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let waiting = 0;
  const store: SecretStore = {
    ...env.secrets,
    delete: async (account) => {
      if (account.startsWith('refresh-token:')) {
        waiting++;
        await gate;
        waiting--;
      }
      return env.secrets.delete(account);
    },
  };
  return { store, open, waiting: () => waiting };
}

it("after a viewer crashed, the next start deletes its refresh tokens by name and keeps a running viewer's, without listing the keystore", async () => {
  const crashed = await crashedViewer(2);
  const running = await signedInViewer(1);
  const findCredentials = vi.spyOn(await keytarModule(), 'findCredentials');

  const viewer = await startViewer();
  await viewer.close();

  expect(findCredentials).not.toHaveBeenCalled();
  for (const account of crashed) expect(await env.secrets.get(account), account).toBeNull();
  expect(await env.secrets.get(running.accounts[0]!)).toMatch(/^refresh-0-/);
  findCredentials.mockRestore();
  expect(await refreshTokensIn(env.service, ISSUER)).toHaveLength(1);
}, 30_000);

it("deletes the older versions' entry for the policy's EPRs when no other viewer runs, and no other secret", async () => {
  const crashed = await crashedViewer(1);
  await env.secrets.set(OLDER_VERSIONS_ENTRY, 'left-by-an-older-version');
  await env.secrets.set('audit-anchor:elsewhere', 'kept');
  const viewer = await startViewer();
  await viewer.close();
  expect(await env.secrets.get(crashed[0]!)).toBeNull();
  expect(await env.secrets.get(OLDER_VERSIONS_ENTRY)).toBeNull();
  expect(await env.secrets.get('audit-anchor:elsewhere')).toBe('kept');
}, 30_000);

it("keeps the older versions' entry while another viewer runs (it may be an older one using it)", async () => {
  await signedInViewer(1);
  await env.secrets.set(OLDER_VERSIONS_ENTRY, 'in-use');
  const viewer = await startViewer();
  await viewer.close();
  expect(await env.secrets.get(OLDER_VERSIONS_ENTRY)).toBe('in-use');
}, 30_000);

it('deletes them all at once, not one after another', async () => {
  const crashed = await crashedViewer(3);
  await env.secrets.set(OLDER_VERSIONS_ENTRY, 'left-by-an-older-version');
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
  // The crashed viewer's three, and the older versions' entry of each of the policy's two EPRs (by name).
  expect(most).toBe(crashed.length + 2);
}, 30_000);

it('the viewer is ready (its window can show) while the clean-up is still deleting', async () => {
  const crashed = await crashedViewer(1);
  const { store, open, waiting } = gatedStore();
  const ready = await Promise.race([
    startViewer(store),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000)),
  ]);
  try {
    expect(ready, 'the viewer waited for the clean-up').toBeDefined();
    expect(waiting()).toBeGreaterThan(0);
  } finally {
    open();
    await ready?.close();
  }
  expect(await env.secrets.get(crashed[0]!)).toBeNull();
}, 30_000);

it('a sign-in during the clean-up stores its refresh token only after it, so the clean-up never deletes it', async () => {
  const crashed = await crashedViewer(1);
  const { store, open, waiting } = gatedStore();
  const audit = await createAuditService({
    keyVault: createSecretStoreKeyVault(env.secrets),
    dbPath: auditDatabasePath(env.dataDir),
  });
  try {
    const entries = new KeystoreEntryIndex(path.join(env.dataDir, 'keystore-entries'), audit.running);
    const cleaning = entries.forgetLeft(store);
    await expect.poll(waiting).toBe(1);
    let stored = false;
    const starting = SmartSession.start(
      {
        iss: ISSUER,
        clientId: 'wessex-care-record',
        tokenEndpoint: `${ISSUER}/token`,
        offlineAccess: true,
        secretStore: store,
        entries,
        now: Date.now,
      },
      { accessToken: 'access', expiresIn: 300, refreshToken: 'signed-in-now' },
    ).then((session) => {
      stored = true;
      return session;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stored).toBe(false);
    open();
    await cleaning;
    const session = await starting;
    expect(await env.secrets.get(session.keystoreAccount)).toBe('signed-in-now');
    expect(await env.secrets.get(crashed[0]!)).toBeNull();
    await session.end();
    expect(await env.secrets.get(session.keystoreAccount)).toBeNull();
  } finally {
    await audit.close();
  }
}, 30_000);
