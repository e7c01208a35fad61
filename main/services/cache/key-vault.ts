// Database keys live only in the OS keystore. The vault is the small seam between "a named 256-bit key" and
// where it is kept (keytar today; Electron safeStorage could stand behind the same interface later).
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import type { SecretStore } from '../keystore/secret-store';

/**
 * A database key's keystore name: the store's kind plus a hash of where it lives, so that two data folders
 * for the same OS user (the CLI's --data-dir, tests, a moved profile) never use each other's keys.
 */
export function databaseKeyName(kind: string, location: string): string {
  return `${kind}:${createHash('sha256').update(path.resolve(location)).digest('hex').slice(0, 16)}`;
}

export interface KeyVault {
  /** The key as 64 lowercase hex characters, or null when there is none (or what is stored is not a key). */
  get(name: string): Promise<string | null>;
  /** Generates a fresh random 256-bit key, stores it under `name` (replacing any) and returns it. */
  create(name: string): Promise<string>;
  /** Stores an existing key under `name` (used to promote a key during rekey). */
  put(name: string, key: string): Promise<void>;
  /** Resolves true when a key was deleted. */
  delete(name: string): Promise<boolean>;
}

const KEY_PATTERN = /^[0-9a-f]{64}$/;

export function isRawKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

export function generateRawKey(): string {
  return randomBytes(32).toString('hex');
}

/** Keys are stored as keystore accounts "db-key:<name>" under the product's keystore service. */
export function createSecretStoreKeyVault(store: SecretStore): KeyVault {
  const account = (name: string): string => `db-key:${name}`;
  return {
    async get(name) {
      const value = await store.get(account(name));
      return value !== null && isRawKey(value) ? value : null;
    },
    async create(name) {
      const key = generateRawKey();
      await store.set(account(name), key);
      return key;
    },
    async put(name, key) {
      if (!isRawKey(key)) throw new Error('A database key must be 256 bits written as 64 hex characters.');
      await store.set(account(name), key);
    },
    delete: (name) => store.delete(account(name)),
  };
}
