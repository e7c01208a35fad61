// Opening the offline cache at start-up: the encrypted file, the key from the keystore, migrations, and the
// start-up purge of expired records.
import { cacheDatabasePath } from '../paths';
import type { SecretStore } from '../keystore/secret-store';
import { openEncryptedDatabase, type RecoveryEvent } from './encrypted-database';
import { createSecretStoreKeyVault, databaseKeyName, type KeyVault } from './key-vault';
import { cacheMigrations } from './migrations';
import {
  OfflineCache,
  type CachePurge,
  type CacheWriteAhead,
  type CheckpointTiming,
  type RetentionPolicy,
} from './offline-cache';
import { retentionFromPolicy } from './retention';

/**
 * The cache key's keystore name. It names the data directory (by hash) so that two data directories for the
 * same OS user (the CLI's --data-dir, tests) never try each other's keys.
 */
export function cacheKeyName(dataDir: string): string {
  return databaseKeyName('offline-cache', dataDir);
}

export interface OpenOfflineCacheOptions {
  dataDir: string;
  /** The key vault, or the secret store to build one over (keytar in the app). */
  keyVault?: KeyVault;
  secretStore?: SecretStore;
  retention?: Partial<RetentionPolicy>;
  clock?: () => Date;
  onRecovery?: (event: RecoveryEvent) => void;
  /** Every purge, from the start-up one on (the composition audits them). */
  onPurged?: (purge: CachePurge) => void;
  /** The audit log's write-ahead for each change to the saved records (the composition passes the trail's). */
  writeAhead?: CacheWriteAhead;
  /** Purge what is past its retention once open (default true; `doctor` only looks). */
  purgeExpired?: boolean;
  /** Authenticate every page at open; default true. */
  verifyOnOpen?: boolean;
  /** When saves are copied from the write-ahead log into the database file (tests shorten it). */
  checkpoint?: CheckpointTiming;
}

export async function openOfflineCache(options: OpenOfflineCacheOptions): Promise<OfflineCache> {
  const keyVault =
    options.keyVault ?? (options.secretStore ? createSecretStoreKeyVault(options.secretStore) : undefined);
  if (!keyVault) throw new Error('openOfflineCache needs a key vault or a secret store.');
  const database = await openEncryptedDatabase({
    path: cacheDatabasePath(options.dataDir),
    keyVault,
    keyName: cacheKeyName(options.dataDir),
    migrations: cacheMigrations,
    clock: options.clock,
    onRecovery: options.onRecovery,
    // Cached records can always be fetched again; a file nobody can read is just patient data at rest.
    unreadable: 'delete',
    verifyOnOpen: options.verifyOnOpen,
    // A save's commit is not waited on to reach the disk (it cost a 20,000-resource save 50–120 ms more on the
    // main process): a power cut may lose the last saves, which the sources still hold; the audit log keeps
    // flushing every commit.
    synchronous: 'normal',
    // No commit copies the log into the file (a 20,000-resource save's copy is a fifth of a second on the main
    // process): the store's deferred checkpoint does, once changes pause (deferred-checkpoint.ts), on a worker
    // thread (checkpoint-worker.ts).
    checkpointOnCommit: false,
  });
  const cache = new OfflineCache(
    database,
    retentionFromPolicy(options.retention),
    options.clock,
    options.onPurged,
    options.writeAhead,
    options.checkpoint,
  );
  if (options.purgeExpired !== false) await cache.purgeExpired();
  return cache;
}

export { OfflineCache, OFFLINE_CACHE_RESET_NOTICE } from './offline-cache';
export type {
  CachedRecordMeta,
  CacheChange,
  CachePurge,
  CacheWriteAhead,
  RetentionPolicy,
  SaveOptions,
} from './offline-cache';
export { openEncryptedDatabase, EncryptedDatabase, unreadableReason } from './encrypted-database';
export type {
  Migration,
  RecoveryEvent,
  RecoveryReason,
  OpenEncryptedDatabaseOptions,
} from './encrypted-database';
export { createSecretStoreKeyVault } from './key-vault';
export type { KeyVault } from './key-vault';
export { startRetentionTimer, retentionFromPolicy } from './retention';
