// Audit service entry point for the composition root and the CLI.
import path from 'node:path';
import type { EncryptedDatabase } from '../cache/encrypted-database';
import type { KeyVault } from '../cache/key-vault';
import { auditDatabasePath, defaultDataDir } from '../paths';
import { ChainAnchorTable, type AnchorKeystore } from './anchor';
import { openAuditDatabase, recoveryAuditAction } from './audit-database';
import { AuditLog } from './audit-log';
import { AuditTrail, defaultAuditContext } from './audit-trail';
import type { AuditContext } from './balp';
import { RunningViewers } from './running-viewers';
import { AuditUploader, type AuditUploaderOptions } from './uploader';

export {
  AuditLog,
  verifyChain,
  type AuditRow,
  type ChainVerification,
  type SqliteDatabase,
} from './audit-log';
export { AuditTrail, defaultAuditContext, followsEvent, INCOMPLETE, type AuditIntent } from './audit-trail';
export { AuditUploader, type UploadRun } from './uploader';
export {
  ChainAnchorTable,
  keystoreAnchor,
  verifyAnchored,
  type AcknowledgedHead,
  type AnchorKeystore,
  type AnchoredVerification,
} from './anchor';
export { auditTokenSource, auditUploadOptions, type AudienceToken } from './audit-token';
export { verifyAuditLog, compareWithServer, sameOrigin, type ServerComparison } from './verify';
export {
  buildAuditEvent,
  type AuditAction,
  type AuditContext,
  type AuditUser,
  type PurposeOfUse,
} from './balp';
export { auditBundle, auditCsv } from './audit-export';
export {
  openAuditDatabase,
  openAuditDatabaseForInspection,
  recoveryAuditAction,
  recoveryDetail,
  startedAfterLostLog,
  AuditDatabaseUnavailableError,
  auditKeyName,
} from './audit-database';

/** How far the audit server had acknowledged the log that was set aside (from the keystore copy), in words. */
async function lostLogAnchor(
  keystore: AnchorKeystore | undefined,
  newChainId: string | undefined,
): Promise<string | undefined> {
  const head = await keystore?.get().catch(() => undefined);
  if (!head || head === 'unreadable' || head.chainId === newChainId) return undefined;
  return (
    `The audit server ${head.endpoint} had acknowledged events 1–${head.seq} of the earlier log ` +
    `(chain ${head.chainId}); any events after #${head.seq} were not sent and are lost with it.`
  );
}

export interface AuditService {
  trail: AuditTrail;
  log: AuditLog;
  /** Present when policy names an audit endpoint. */
  uploader?: AuditUploader;
  database: EncryptedDatabase;
  /** Which viewer processes on this computer are running now (this one included). */
  running: RunningViewers;
  close(): Promise<void>;
}

export interface CreateAuditServiceOptions {
  keyVault: KeyVault;
  /** Defaults to paths.auditDatabasePath(defaultDataDir()). */
  dbPath?: string;
  /** policy.auditEndpoint */
  endpoint?: string;
  /** Bearer token for the audit endpoint (undefined: sent without one, which only the sandbox may accept). */
  getToken?: () => Promise<string | undefined>;
  /** The keystore copy of the head the audit server acknowledged (see anchor.ts). */
  anchorKeystore?: AnchorKeystore;
  context?: AuditContext;
  uploader?: Partial<Omit<AuditUploaderOptions, 'log' | 'endpoint'>>;
  /** Start background upload immediately (default true when there is an endpoint). */
  startUpload?: boolean;
  clock?: () => Date;
}

/** Opens audit.db (recovering from key loss or damage, and auditing that) and starts uploading. */
export async function createAuditService(options: CreateAuditServiceOptions): Promise<AuditService> {
  const dbPath = options.dbPath ?? auditDatabasePath(defaultDataDir());
  const database = await openAuditDatabase({
    path: dbPath,
    keyVault: options.keyVault,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const running = new RunningViewers(path.join(path.dirname(dbPath), 'running'));
  running.claim();
  const log = new AuditLog(database.db, running);
  const uploader = options.endpoint
    ? new AuditUploader({
        ...options.uploader,
        log,
        endpoint: options.endpoint,
        anchors: new ChainAnchorTable(database.db),
        ...(options.getToken ? { getToken: options.getToken } : {}),
        ...(options.anchorKeystore ? { anchorKeystore: options.anchorKeystore } : {}),
      })
    : undefined;
  const trail = new AuditTrail(log, options.context ?? defaultAuditContext(), uploader, options.clock);
  if (database.recovered) {
    const lost = await lostLogAnchor(options.anchorKeystore, new ChainAnchorTable(database.db).chainId());
    trail.record(recoveryAuditAction('audit log', database.recovered, lost));
  }
  if (uploader && options.startUpload !== false) uploader.start();
  return {
    trail,
    log,
    database,
    running,
    ...(uploader ? { uploader } : {}),
    async close() {
      await uploader?.stop();
      database.close();
      running.release();
    },
  };
}
