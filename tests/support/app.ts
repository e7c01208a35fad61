// Starts the real viewer (on the built-in sandbox) for a test: a private data folder and a private keystore
// service name (the keyring is shared by every test file in the run).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createSandboxViewer,
  type SandboxViewer,
  type SandboxViewerOptions,
} from '../../main/dev/sandbox-viewer';
import { createKeytarSecretStore, type SecretStore } from '../../main/services/keystore/secret-store';
import { loadMachinePolicy } from '../../main/services/policy';

export interface TestApp {
  services: SandboxViewer;
  dataDir: string;
  secretStore: SecretStore;
  close(): Promise<void>;
}

export async function startTestApp(overrides: Partial<SandboxViewerOptions> = {}): Promise<TestApp> {
  const dataDir = overrides.dataDir ?? (await mkdtemp(join(tmpdir(), 'wessex-app-')));
  const secretStore =
    overrides.secretStore ??
    createKeytarSecretStore(`uk.nhs.wessexcarerecords.test-${randomBytes(6).toString('hex')}`);
  const services = await createSandboxViewer({
    dataDir,
    secretStore,
    policy: overrides.policy ?? (await loadMachinePolicy({})),
    sandboxLaunch: false,
    ...overrides,
  });
  return {
    services,
    dataDir,
    secretStore,
    async close() {
      await services.close();
      if (!overrides.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
