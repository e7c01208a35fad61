// What the viewer keeps on this computer, opened at start-up: the sensitive-code list, the audit log (without
// which no record may be shown), the encrypted offline store (optional: without a keystore the viewer still
// works online) and the user's preferences. Each recovery becomes a notice the user sees once.
import { auditUploadOptions, createAuditService, recoveryAuditAction, type AuditService } from '../audit';
import type { UserTokens } from '../auth/user-tokens';
import { openOfflineCache, OFFLINE_CACHE_RESET_NOTICE, startRetentionTimer } from '../cache';
import type { OfflineCache } from '../cache/offline-cache';
import { createSecretStoreKeyVault } from '../cache/key-vault';
import { loadSensitiveCodes, SensitiveCodeListError, type SensitiveCodes } from '../governance';
import { KeystoreUnavailableError, type SecretStore } from '../keystore/secret-store';
import { auditDatabasePath } from '../paths';
import { checkDataFolder, dataFolderProblem } from './data-folder';
import type { PolicyProblem } from '../policy';
import type { EffectivePolicy } from '../policy';
import { openPreferences, type OpenKeyValueFile, type PreferencesStore } from '../preferences';

export interface ViewerStores {
  sensitive: SensitiveCodes;
  audit: AuditService;
  cache?: OfflineCache;
  preferences: PreferencesStore;
  /** Plain-words notices the user must see once. */
  notices: string[];
  close(): Promise<void>;
}

export interface OpenStoresOptions {
  dataDir: string;
  policy: EffectivePolicy;
  secretStore: SecretStore;
  preferencesFile?: OpenKeyValueFile;
  /** The signed-in user's tokens: the audit upload uses the one for the audit endpoint. */
  userTokens?: UserTokens;
  clock?: () => Date;
}

function expiredNotice(count: number): string {
  return count === 1
    ? '1 offline record had reached the end of its retention period and was deleted.'
    : `${count} offline records had reached the end of their retention period and were deleted.`;
}

/** The stores, or the one problem that means the viewer must not start (shown instead of a record). */
export async function openViewerStores(options: OpenStoresOptions): Promise<ViewerStores | PolicyProblem> {
  const { policy } = options;
  let sensitive: SensitiveCodes;
  try {
    sensitive = loadSensitiveCodes(policy.sensitiveCodeListPath);
  } catch (error) {
    if (!(error instanceof SensitiveCodeListError)) throw error;
    return { key: 'sensitiveCodeListPath', message: error.message };
  }
  const folderProblem = checkDataFolder(options.dataDir);
  if (folderProblem) return folderProblem;
  const keyVault = createSecretStoreKeyVault(options.secretStore);
  const clock = options.clock ? { clock: options.clock } : {};
  let audit: AuditService;
  try {
    const dbPath = auditDatabasePath(options.dataDir);
    audit = await createAuditService({
      keyVault,
      dbPath,
      ...auditUploadOptions(policy, options.secretStore, dbPath, options.userTokens),
      ...clock,
    });
  } catch (error) {
    // Without an audit log no record may be shown: say why instead of failing to start.
    if (error instanceof KeystoreUnavailableError) return { key: 'OS keystore', message: error.message };
    const problem = dataFolderProblem(options.dataDir, error);
    if (problem) return problem;
    throw error;
  }
  const notices: string[] = [];
  if (audit.database.recovered)
    notices.push('The local audit log could not be opened; it was set aside and a new one started.');

  let cache: OfflineCache | undefined;
  let stopRetention = (): void => undefined;
  let opening = true; // the start-up purge is the user's to hear about; later ones are the audit's
  try {
    cache = await openOfflineCache({
      dataDir: options.dataDir,
      keyVault,
      retention: { retentionHours: policy.retentionHours, pinnedRetentionHours: policy.pinnedRetentionHours },
      ...clock,
      onRecovery: (event) => {
        notices.push(OFFLINE_CACHE_RESET_NOTICE);
        audit.trail.record(recoveryAuditAction('offline cache', event));
      },
      // Every write and purge, from the start-up purge on, whoever asked for it: audited before it commits.
      writeAhead: (change) => audit.trail.begin(change),
      onPurged: ({ trigger, count }) => {
        if (opening && trigger === 'retention') notices.push(expiredNotice(count));
      },
    });
    opening = false;
    stopRetention = startRetentionTimer(cache);
  } catch (error) {
    const problem = dataFolderProblem(options.dataDir, error);
    if (!(error instanceof KeystoreUnavailableError) && !problem) throw error;
    notices.push(
      `Offline records are unavailable on this computer: ${problem?.message ?? (error as Error).message}`,
    );
  }

  // Actions a previous run began and never ended (it crashed or lost power): each gets its outcome now.
  audit.trail.recoverIncomplete((eventId) => cache?.finishedChange(eventId) ?? false);
  cache?.forgetMarksExcept(new Set(audit.log.openActions().map((o) => o.event.id)));

  const preferences = await openPreferences(options.dataDir, options.preferencesFile);
  if (preferences.recovered) notices.push('Your display preferences could not be read and were reset.');

  return {
    sensitive,
    audit,
    ...(cache ? { cache } : {}),
    preferences: preferences.store,
    notices,
    async close() {
      stopRetention();
      await cache?.settled();
      cache?.close();
      await audit.close();
    },
  };
}
