// Child process for the first-open race: for each fresh data folder in turn, opens the offline store and the
// audit log (each creating its key on first open), saves this child's patient and appends one audit event,
// then prints "DONE". Two of these run at once over the same folders.
// argv: <keystoreService> <nhsNumber> <dataDir>...
import path from 'node:path';
import { syntheticSnapshot } from '../../bench/lib/synthetic-snapshot';
import { AuditLog, AuditTrail, openAuditDatabase } from '../../main/services/audit';
import { openOfflineCache } from '../../main/services/cache';
import { createSecretStoreKeyVault } from '../../main/services/cache/key-vault';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';

async function main(): Promise<void> {
  const [service, nhsNumber, ...dataDirs] = process.argv.slice(2) as [string, string, ...string[]];
  const secretStore = createKeytarSecretStore(service);
  for (const dataDir of dataDirs) {
    const cache = await openOfflineCache({ dataDir, secretStore });
    await cache.saveSnapshot(syntheticSnapshot({ nhsNumber, resources: 5 }));
    cache.close();
    const audit = await openAuditDatabase({
      path: path.join(dataDir, 'audit.db'),
      keyVault: createSecretStoreKeyVault(secretStore),
    });
    new AuditTrail(new AuditLog(audit.db)).record({ kind: 'print', nhsNumber, format: 'pdf' });
    audit.close();
  }
  process.stdout.write('DONE\n');
}

void main();
