// Shared set-up for the offline-cache tests: a temp data dir and a real keytar keystore service of its own.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { createKeytarSecretStore, type SecretStore } from '../../main/services/keystore/secret-store';
import { createSecretStoreKeyVault, type KeyVault } from '../../main/services/cache/key-vault';
import { keystoreEntries } from '../support/keystore-listing';

/** The multi-process test's writer: how many saves, alternating between these two versions of one patient. */
export const ALTERNATE_SAVES = 50;
export const ALTERNATE_VERSIONS = [
  { family: 'Alpha', resources: 300 },
  { family: 'Beta', resources: 500 },
] as const;

export interface CacheTestEnv {
  dataDir: string;
  service: string;
  secrets: SecretStore;
  vault: KeyVault;
  cleanup(): Promise<void>;
}

export function cacheTestEnv(): CacheTestEnv {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wessex-cache-'));
  const service = `uk.nhs.wessexcarerecords.test.${randomUUID()}`;
  const secrets = createKeytarSecretStore(service);
  return {
    dataDir,
    service,
    secrets,
    vault: createSecretStoreKeyVault(secrets),
    async cleanup() {
      const keytar = await import('keytar');
      for (const { account } of await keystoreEntries(service)) await keytar.deletePassword(service, account);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** True when the bytes contain the text as UTF-8 (or as UTF-16LE, in case a page holds wide text). */
export function bytesContain(bytes: Buffer, text: string): boolean {
  return bytes.includes(Buffer.from(text, 'utf8')) || bytes.includes(Buffer.from(text, 'utf16le'));
}

export function flipBytes(file: string, at: number, count = 16): void {
  const bytes = fs.readFileSync(file);
  for (let i = at; i < Math.min(at + count, bytes.length); i++) bytes[i] = bytes[i]! ^ 0xff;
  fs.writeFileSync(file, bytes);
}

/** The patients the write-ahead audit crash test keeps saving, viewing and deleting. */
export const CRASH_PATIENTS = ['9434765919', '9994625845', '9990004264'] as const;
