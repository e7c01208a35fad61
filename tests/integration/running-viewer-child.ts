// Child process for the running-viewers test: opens the audit log as the app does, begins an action (a record
// view) and stays busy with it until killed. argv: <dataDir> <keystoreService>
import { createAuditService } from '../../main/services/audit';
import { createSecretStoreKeyVault } from '../../main/services/cache/key-vault';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { auditDatabasePath } from '../../main/services/paths';

async function main(): Promise<void> {
  const [dataDir, service] = process.argv.slice(2) as [string, string];
  const audit = await createAuditService({
    keyVault: createSecretStoreKeyVault(createKeytarSecretStore(service)),
    dbPath: auditDatabasePath(dataDir),
  });
  audit.trail.begin({ kind: 'patient-read', nhsNumber: '9990001234', server: 'https://dcr.example/fhir' });
  process.stdout.write('VIEWING\n');
  setInterval(() => undefined, 60_000);
}

void main();
