// `wessex doctor`: can this machine run the viewer? Policy, sources, keystore, the offline store and the audit log.
import { randomBytes } from 'node:crypto';
import {
  auditKeyName,
  createAuditService,
  keystoreAnchor,
  recoveryAuditAction,
  recoveryDetail,
  verifyAuditLog,
} from './audit';
import { openOfflineCache } from './cache';
import type { RecoveryEvent } from './cache/encrypted-database';
import { createSecretStoreKeyVault } from './cache/key-vault';
import { createKeytarSecretStore, type SecretStore } from './keystore/secret-store';
import { describePolicyResult, type PolicyLoadResult } from './policy';
import { auditDatabasePath } from './paths';
import { dataFolderProblem } from './composition/data-folder';
import { FetchFailure, fetchTransport, SourceClient } from './http';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** It works now, but only after a recovery someone must know about (a store reset, a log set aside). */
  warning?: boolean;
  lines: string[];
}

export interface DoctorOptions {
  policy: PolicyLoadResult;
  dataDir: string;
  secretStore?: SecretStore;
  fetch?: typeof fetch;
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [
    { name: 'Machine policy', ok: options.policy.ok, lines: describePolicyResult(options.policy) },
  ];
  if (!options.policy.ok) return checks;
  checks.push(await checkSources(options.policy.policy, options.fetch));
  const secretStore = options.secretStore ?? createKeytarSecretStore();
  const keystore = await checkKeystore(secretStore);
  checks.push(keystore);
  if (keystore.ok) checks.push(await checkStores(options, secretStore));
  return checks;
}

async function checkSources(
  policy: Extract<PolicyLoadResult, { ok: true }>['policy'],
  fetchImpl: typeof fetch | undefined,
): Promise<DoctorCheck> {
  if (policy.sources.length === 0) {
    return {
      name: 'Record sources',
      ok: false,
      lines: [
        'No regional record sources are configured: the viewer shows a configuration problem.',
        '(A development checkout runs the built-in sandbox instead.)',
      ],
    };
  }
  const targets = [...policy.sources, ...(policy.recordLocator ? [policy.recordLocator] : [])];
  const lines = await Promise.all(
    targets.map(async (source) => {
      // The same client the record fetch uses: same size limits, redirect rule and failure words.
      const client = new SourceClient({
        name: source.name,
        baseUrl: source.fhirBase,
        deadlineMs: 5_000,
        ...(fetchImpl ? { transport: fetchTransport(fetchImpl) } : {}),
      });
      try {
        await client.getJson(client.url('metadata'));
        return { ok: true, line: `${source.name}: reachable` };
      } catch (error) {
        const reason = error instanceof FetchFailure ? error.message : 'could not be reached';
        return { ok: false, line: `${source.name} ${reason}` };
      } finally {
        await client.close();
      }
    }),
  );
  return {
    name: 'Record sources',
    ok: lines.every((l) => l.ok),
    lines: lines.length ? lines.map((l) => l.line) : ['No sources are configured.'],
  };
}

async function checkKeystore(store: SecretStore): Promise<DoctorCheck> {
  const account = `doctor-probe-${randomBytes(4).toString('hex')}`;
  try {
    await store.set(account, 'probe');
    const back = await store.get(account);
    await store.delete(account);
    return {
      name: 'OS keystore',
      ok: back === 'probe',
      lines: [back === 'probe' ? 'Available.' : 'Did not keep a secret.'],
    };
  } catch (error) {
    return {
      name: 'OS keystore',
      ok: false,
      lines: [error instanceof Error ? error.message : 'Not available.'],
    };
  }
}

/** "Audit log: … it was set aside as quarantine/audit-….db and a new one started." */
function recoveryLine(store: string, event: RecoveryEvent): string {
  const detail = recoveryDetail(store, event);
  const moved = event.quarantinedTo?.length ? ` Moved to: ${event.quarantinedTo.join(', ')}.` : '';
  return `Warning: ${detail}${moved} (${event.path})`;
}

/** Why a store could not be opened, in the words the viewer's start-up screen uses for the data folder. */
function storeProblem(dataDir: string, error: unknown): string {
  return (
    dataFolderProblem(dataDir, error)?.message ??
    (error instanceof Error ? error.message : 'Could not be opened.')
  );
}

async function checkStores(options: DoctorOptions, secretStore: SecretStore): Promise<DoctorCheck> {
  const keyVault = createSecretStoreKeyVault(secretStore);
  const lines: string[] = [];
  let recovered = false;
  try {
    // The audit log first, so that a reset of the offline store below is audited like any other.
    const dbPath = auditDatabasePath(options.dataDir);
    const anchorKeystore = keystoreAnchor(secretStore, auditKeyName(dbPath));
    const audit = await createAuditService({ keyVault, dbPath, anchorKeystore, startUpload: false });
    try {
      if (audit.database.recovered) {
        recovered = true;
        lines.push(recoveryLine('audit log', audit.database.recovered));
      }
      let cacheOk = true;
      try {
        const cache = await openOfflineCache({
          dataDir: options.dataDir,
          keyVault,
          // A check looks: it removes nothing (the app purges, and audits it, when it next opens the store).
          purgeExpired: false,
          onRecovery: (event) => {
            recovered = true;
            audit.trail.record(recoveryAuditAction('offline cache', event));
            lines.push(`${recoveryLine('offline cache', event)} It is rebuilt when online.`);
          },
        });
        lines.push(`Offline store: opens (${(await cache.list()).length} records).`);
        cache.close();
      } catch (error) {
        // The viewer still works online without it (as it does when it starts): say why, then check the audit log.
        cacheOk = false;
        lines.push(`Offline store: unavailable. ${storeProblem(options.dataDir, error)}`);
      }
      // As `audit verify` checks it: the local chain and the head the audit server acknowledged.
      const chain = await verifyAuditLog(audit.database.db, anchorKeystore);
      lines.push(
        chain.ok
          ? `Audit log: chain intact (${chain.count} events${chain.anchor ? `, anchored at #${chain.anchor.seq}` : ', not yet anchored'}).`
          : `Audit log: chain broken at event ${chain.firstBadSeq} (${chain.problem}).`,
      );
      if (chain.startedAfterLoss)
        lines.push(`Audit log: began after an earlier log was lost. ${chain.startedAfterLoss}`);
      return {
        name: 'Encrypted stores',
        ok: chain.ok && cacheOk,
        ...(recovered ? { warning: true } : {}),
        lines,
      };
    } finally {
      await audit.close();
    }
  } catch (error) {
    lines.push(storeProblem(options.dataDir, error));
    return { name: 'Encrypted stores', ok: false, lines };
  }
}
