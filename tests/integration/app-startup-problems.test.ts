// What stops the viewer from working safely is shown as a clear problem screen, never a crash and never a
// record without its audit trail.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSandboxViewer, type SandboxViewer } from '../../main/dev/sandbox-viewer';
import { dispatchBridgeRequest } from '../../main/services/bridge/dispatch';
import { KeystoreUnavailableError, type SecretStore } from '../../main/services/keystore/secret-store';
import { loadMachinePolicy } from '../../main/services/policy';
import type { AppState } from '../../preload/contract';

let services: SandboxViewer | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await services?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  services = undefined;
});

const lockedKeystore: SecretStore = {
  get: async () => {
    throw new KeystoreUnavailableError(new Error('no Secret Service on the session bus'));
  },
  set: async () => {
    throw new KeystoreUnavailableError(new Error('no Secret Service on the session bus'));
  },
  delete: async () => {
    throw new KeystoreUnavailableError(new Error('no Secret Service on the session bus'));
  },
};

async function state(): Promise<AppState> {
  const outcome = await dispatchBridgeRequest(services!.handlers, 'app:get-state', {});
  if (!outcome.ok) throw new Error(outcome.error.message);
  return outcome.value as AppState;
}

describe('start-up problems', () => {
  it('with no OS keystore: a problem screen naming it, and no record can be opened', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'wessex-nokeystore-'));
    services = await createSandboxViewer({
      dataDir,
      secretStore: lockedKeystore,
      policy: await loadMachinePolicy({}),
      sandboxLaunch: false,
    });
    const problems = await state();
    expect(problems.policy).toMatchObject({
      ok: false,
      problems: [{ key: 'OS keystore', message: expect.stringMatching(/keystore is not available/) }],
    });
    const open = await dispatchBridgeRequest(services.handlers, 'record:open', {
      nhsNumber: '9994625845',
      requestId: 'r1',
    });
    expect(open).toMatchObject({ ok: false, error: { code: 'configuration' } });
  });

  it('with an unreadable sensitive code list: a problem screen naming the policy key', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'wessex-badcodes-'));
    const loaded = await loadMachinePolicy({});
    if (!loaded.ok) throw new Error('default policy should load');
    services = await createSandboxViewer({
      dataDir,
      policy: {
        ...loaded,
        policy: { ...loaded.policy, sensitiveCodeListPath: join(dataDir, 'missing.json') },
      },
      sandboxLaunch: false,
    });
    const problems = await state();
    expect(problems.policy).toMatchObject({ ok: false, problems: [{ key: 'sensitiveCodeListPath' }] });
  });
});
