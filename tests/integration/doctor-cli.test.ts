// `wessex doctor` as a support engineer runs it: a store that had to be recovered works again, but the
// recovery is a warning (exit 2) naming the file that was moved, never a tick.
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { auditKeyName } from '../../main/services/audit';
import { cacheKeyName } from '../../main/services/cache';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { runWessex } from '../support/cli';

let dataDir: string;
let fhir: Server;
let policyFile: string;

const wessex = (...args: string[]) =>
  runWessex([...args, '--data-dir', dataDir], { env: { ...process.env, WESSEX_POLICY_FILE: policyFile } });

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wessex-doctor-'));
  // A reachable record source, so that the stores decide the outcome.
  fhir = createServer((_req, res) => {
    res.setHeader('content-type', 'application/fhir+json');
    res.end(JSON.stringify({ resourceType: 'CapabilityStatement', status: 'active', kind: 'instance' }));
  });
  await new Promise<void>((resolve) => fhir.listen(0, '127.0.0.1', resolve));
  const { port } = fhir.address() as AddressInfo;
  policyFile = path.join(dataDir, 'policy.json');
  fs.writeFileSync(
    policyFile,
    JSON.stringify({
      sources: [
        {
          id: 'dcr',
          name: 'Dorset Care Record',
          fhirBase: `http://127.0.0.1:${port}/fhir`,
          auth: {
            type: 'token-exchange',
            issuer: `http://127.0.0.1:${port}/auth`,
            clientId: 'wessex-viewer',
          },
        },
      ],
      auditEndpoint: `http://127.0.0.1:${port}/audit`,
    }),
  );
});
afterAll(async () => {
  await new Promise((resolve) => fhir?.close(resolve));
  const store = createKeytarSecretStore();
  await store.delete(`db-key:${cacheKeyName(dataDir)}`);
  await store.delete(auditKeyName(path.join(dataDir, 'audit.db')));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('passes a healthy machine, then warns (exit 2) about a damaged audit log and a lost cache key, naming the files', async () => {
  const healthy = await wessex('doctor');
  expect(healthy.stdout).toContain('✓ Encrypted stores');
  expect(healthy.code).toBe(0);

  // Someone damaged the audit log, and the offline store's key went from the keystore.
  const audit = path.join(dataDir, 'audit.db');
  const fd = fs.openSync(audit, 'r+');
  fs.writeSync(fd, Buffer.from('not an audit log'), 0, 16, 4096);
  fs.closeSync(fd);
  await createKeytarSecretStore().delete(`db-key:${cacheKeyName(dataDir)}`);

  const recovered = await wessex('doctor');
  expect(recovered.stdout).toContain('! Encrypted stores');
  expect(recovered.stdout).not.toContain('✓ Encrypted stores');
  expect(recovered.stdout).toMatch(/Warning: The audit log could not be read \(the file was damaged\)/);
  const quarantined = fs.readdirSync(path.join(dataDir, 'quarantine'));
  expect(quarantined).toHaveLength(1);
  expect(recovered.stdout).toContain(path.join(dataDir, 'quarantine', quarantined[0]!));
  expect(recovered.stdout).toMatch(/Warning: The offline cache could not be read \(its key was missing/);
  expect(recovered.stdout).toContain(path.join(dataDir, 'offline-cache.db'));
  expect(recovered.code).toBe(2);

  // Both recoveries are in the new audit log; the next check is clean again.
  const exported = await wessex('audit', 'export', '--format', 'csv');
  expect(exported.stdout).toMatch(/,database-recovery,/); // the audit log, set aside
  expect(exported.stdout).toMatch(/,key-loss,/); // the offline cache's key
  const again = await wessex('doctor');
  expect(again.stdout).toContain('✓ Encrypted stores');
  expect(again.code).toBe(0);
});
