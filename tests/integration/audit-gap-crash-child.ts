// Child process for the write-ahead audit crash test: opens the stores as the app does (which first resolves
// whatever a previous, killed run left open), then keeps viewing, saving and purging records until killed
// with SIGKILL; events go to a loopback audit endpoint as they are written.
// argv: <dataDir> <keystoreService> <seed> <auditEndpoint>
import { syntheticSnapshot } from '../../bench/lib/synthetic-snapshot';
import { openViewerStores } from '../../main/services/composition/stores';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { loadMachinePolicy } from '../../main/services/policy';
import { CRASH_PATIENTS } from './cache-support';

async function main(): Promise<void> {
  const [dataDir, service, seedText, auditEndpoint] = process.argv.slice(2) as [
    string,
    string,
    string,
    string,
  ];
  let seed = Number(seedText);
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const loaded = await loadMachinePolicy({});
  if (!loaded.ok) throw new Error('default policy');
  const stores = await openViewerStores({
    dataDir,
    policy: { ...loaded.policy, auditEndpoint },
    secretStore: createKeytarSecretStore(service),
  });
  if (!('audit' in stores) || !stores.cache) throw new Error('stores did not open');
  const { audit, cache } = stores;
  process.stdout.write('OPEN\n');
  for (;;) {
    const nhsNumber = CRASH_PATIENTS[Math.floor(next() * CRASH_PATIENTS.length)]!;
    const step = next();
    if (step < 0.4) {
      await cache.saveSnapshot(syntheticSnapshot({ nhsNumber, resources: 50 + Math.floor(next() * 400) }));
    } else if (step < 0.7) {
      await cache.delete(nhsNumber);
    } else {
      // A view: its event is written, then the record is "on screen" for a moment, then it ends.
      const view = audit.trail.begin({ kind: 'patient-read', nhsNumber, server: 'https://dcr.example/fhir' });
      await new Promise((resolve) => setTimeout(resolve, next() * 20));
      view.done();
    }
    process.stdout.write('STEP\n');
  }
}

void main();
