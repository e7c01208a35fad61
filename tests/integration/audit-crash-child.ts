// Child process for the crash tests: appends one audit event, then stops at a chosen point and waits to be
// killed with SIGKILL. argv: <mode: after-append|after-put> <dbPath> <keystoreService> <endpoint>
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { createSecretStoreKeyVault } from '../../main/services/cache/key-vault';
import { AuditLog, AuditTrail, AuditUploader, openAuditDatabase } from '../../main/services/audit';

const never = new Promise<never>(() => {
  setInterval(() => undefined, 60_000);
});

async function main(): Promise<void> {
  const [mode, dbPath, service, endpoint] = process.argv.slice(2) as [string, string, string, string];
  const keyVault = createSecretStoreKeyVault(createKeytarSecretStore(service));
  const database = await openAuditDatabase({ path: dbPath, keyVault });
  const log = new AuditLog(database.db);
  const event = new AuditTrail(log).record({ kind: 'print', nhsNumber: '9990001234', format: 'pdf' });
  if (mode === 'after-append') {
    process.stdout.write(`APPENDED ${event.id}\n`);
    await never;
  }
  const uploader = new AuditUploader({
    log,
    endpoint,
    // The server has the event, but the child dies before it can mark it uploaded.
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      process.stdout.write(`PUT-DONE ${event.id} ${response.status}\n`);
      return never;
    },
  });
  await uploader.flush();
}

void main();
