// Starts the real app services on the built-in sandbox for a test: a private data folder and a private
// keystore service name (the keyring is shared by every test file in the run).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createAppServices,
  type AppServices,
  type AppServicesOptions,
} from '../../main/services/app-services';
import { createKeytarSecretStore, type SecretStore } from '../../main/services/keystore/secret-store';
import { loadMachinePolicy } from '../../main/services/policy';

export interface TestApp {
  services: AppServices;
  dataDir: string;
  secretStore: SecretStore;
  close(): Promise<void>;
}

export async function startTestApp(overrides: Partial<AppServicesOptions> = {}): Promise<TestApp> {
  const dataDir = overrides.dataDir ?? (await mkdtemp(join(tmpdir(), 'wessex-app-')));
  const secretStore =
    overrides.secretStore ??
    createKeytarSecretStore(`uk.nhs.wessexcarerecords.test-${randomBytes(6).toString('hex')}`);
  const services = await createAppServices({
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
