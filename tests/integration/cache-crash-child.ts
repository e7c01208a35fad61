// Child process for the cache's multi-process tests:
//   first      saves a small snapshot (committed) and prints "SAVED";
//   second     starts replacing it with a 20,000-resource snapshot, announces "MID-WRITE" from inside the
//              transaction, then waits to be killed;
//   alternate  replaces the snapshot again and again with one of two versions (ALPHA 300 resources, BETA 500),
//              printing "SAVED <n>" after each and "DONE" at the end, while another process reads.
import { syntheticSnapshot } from '../../bench/lib/synthetic-snapshot';
import { openOfflineCache } from '../../main/services/cache';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { ALTERNATE_SAVES, ALTERNATE_VERSIONS } from './cache-support';

async function main(): Promise<void> {
  const [mode, dataDir, service] = process.argv.slice(2) as [string, string, string];
  const cache = await openOfflineCache({ dataDir, secretStore: createKeytarSecretStore(service) });

  if (mode === 'first') {
    await cache.saveSnapshot(syntheticSnapshot({ resources: 10 }));
    cache.close();
    process.stdout.write('SAVED\n');
  } else if (mode === 'alternate') {
    for (let n = 0; n < ALTERNATE_SAVES; n++) {
      const version = ALTERNATE_VERSIONS[n % 2]!;
      await cache.saveSnapshot(syntheticSnapshot({ family: version.family, resources: version.resources }));
      process.stdout.write(`SAVED ${n}\n`);
    }
    cache.close();
    process.stdout.write('DONE\n');
  } else {
    const snapshot = syntheticSnapshot({ resources: 20_000, family: 'Version', given: 'Second' });
    // Sources are written in order (DCR's 10,000 rows, then CHIE's): this is about the 15,000th row.
    const chie = snapshot.sources[1]!.resources;
    const original = chie[5_000]!;
    // JSON.stringify calls toJSON while the store is inserting rows inside its transaction.
    chie[5_000] = {
      ...original,
      toJSON() {
        process.stdout.write('MID-WRITE\n'); // synchronous on a pipe
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
        return original;
      },
    };
    await cache.saveSnapshot(snapshot);
    process.stdout.write('UNEXPECTEDLY FINISHED\n');
  }
}

void main();
