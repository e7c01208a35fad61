// Child process for the left-refresh-tokens test: a viewer process that has signed in `count` times with
// offline access at `iss` — its running marker claimed as a viewer's is (the audit service), each sign-in's
// refresh token stored through SmartSession and noted in the data folder's keystore-entries index, as in the
// app — then prints the sign-ins' keystore entry names and stays running until killed.
// argv: <dataDir> <keystoreService> <iss> <count>
import path from 'node:path';
import { createAuditService } from '../../main/services/audit';
import { createSecretStoreKeyVault } from '../../main/services/cache/key-vault';
import { KeystoreEntryIndex } from '../../main/services/keystore/entry-index';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { SmartSession } from '../../main/services/launch';
import { auditDatabasePath } from '../../main/services/paths';

async function main(): Promise<void> {
  const [dataDir, service, iss, count] = process.argv.slice(2) as [string, string, string, string];
  const secretStore = createKeytarSecretStore(service);
  const audit = await createAuditService({
    keyVault: createSecretStoreKeyVault(secretStore),
    dbPath: auditDatabasePath(dataDir),
  });
  const entries = new KeystoreEntryIndex(path.join(dataDir, 'keystore-entries'), audit.running);
  const accounts: string[] = [];
  for (let i = 0; i < Number(count); i++) {
    const session = await SmartSession.start(
      {
        iss,
        clientId: 'wessex-care-record',
        tokenEndpoint: `${iss}/token`,
        offlineAccess: true,
        secretStore,
        entries,
        now: Date.now,
      },
      { accessToken: 'access', expiresIn: 300, refreshToken: `refresh-${i}-${process.pid}` },
    );
    accounts.push(session.keystoreAccount);
  }
  process.stdout.write(`${JSON.stringify(accounts)}\n`);
  setInterval(() => undefined, 60_000);
}

void main();
