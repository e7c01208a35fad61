// Child process for the kill -9 test: saves a small record (committed), or starts replacing it with a
// 20,000-item record and announces "MID-WRITE" from inside the transaction, then waits to be killed.
import { syntheticRecord } from '../../bench/lib/synthetic-record';
import { openOfflineCache } from '../../main/services/cache';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';

async function main(): Promise<void> {
  const [mode, dataDir, service] = process.argv.slice(2) as [string, string, string];
  const cache = await openOfflineCache({ dataDir, secretStore: createKeytarSecretStore(service) });

  if (mode === 'first') {
    await cache.saveRecord(syntheticRecord({ items: 10 }));
    cache.close();
    process.stdout.write('SAVED\n');
  } else {
    const record = syntheticRecord({ items: 20_000, name: 'Second VERSION' });
    const hook = record.items[15_000]!;
    const original = hook.resource;
    // JSON.stringify calls toJSON while the store is inserting rows inside its transaction.
    hook.resource = {
      toJSON() {
        process.stdout.write('MID-WRITE\n'); // synchronous on a pipe
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
        return original;
      },
    } as unknown as typeof original;
    await cache.saveRecord(record);
    process.stdout.write('UNEXPECTEDLY FINISHED\n');
  }
}

void main();
