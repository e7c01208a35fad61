// The cache and prefetch commands as a user runs them: the built `wessex` against the built-in sandbox,
// a temp data dir and the real keyring.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cacheKeyName } from '../../main/services/cache';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { describeSandbox } from '../../sandbox';
import { runWessex } from '../support/cli';

let dataDir: string;

const wessex = (...args: string[]) =>
  runWessex([...args, '--data-dir', dataDir], {
    env: { ...process.env, WESSEX_POLICY_FILE: path.join(dataDir, 'no-policy.json') },
  });

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wessex-cache-cli-'));
});
afterAll(async () => {
  await createKeytarSecretStore().delete(`db-key:${cacheKeyName(dataDir)}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('prefetches a CSV caseload with a progress line, lists, purges and rekeys the offline records', async () => {
  const patients = describeSandbox();
  const frail = patients.find((p) => p.key === 'frail')!;
  const legg = patients.find((p) => p.key === 'cross-border')!;
  const csv = path.join(dataDir, 'caseload.csv');
  fs.writeFileSync(csv, `NHS number,Name\n${frail.nhsNumber},x\n943 476 5918,typo\n${legg.nhsNumber}\n`);

  const prefetch = await wessex('prefetch', '--file', csv, '--pin');
  expect(prefetch.stderr).toContain('line 3: 943 476 5918 is not a valid NHS number');
  expect(prefetch.stdout).toMatch(/Prefetching 2\/2 … ✓ \d{3} \d{3} \d{4}/);
  expect(prefetch.stdout).toContain('2 of 2 record(s) saved for offline use (caseload).');
  expect(prefetch.code).toBe(2); // a caseload line could not be used

  const list = await wessex('cache', 'list');
  expect(list.stdout).toContain(frail.nhsNumber.replace(/(\d{3})(\d{3})(\d{4})/, '$1 $2 $3'));
  expect(list.stdout.match(/pinned/g)).toHaveLength(2);

  expect((await wessex('cache', 'purge')).stderr).toContain(
    'Choose exactly one of --nhs <number>, --all or --expired.',
  );
  expect((await wessex('cache', 'purge', '--nhs', frail.nhsNumber)).stdout).toContain(
    'Deleted the offline record',
  );
  expect((await wessex('cache', 'rekey')).stdout).toContain('encrypted under a new key');
  const search = await wessex('cache', 'search', legg.name.split(' ').at(-1)!.toLowerCase());
  expect(search.stdout).toContain(legg.birthDate);
  expect((await wessex('cache', 'purge', '--all')).stdout).toContain('Deleted 1 offline record(s).');
  expect((await wessex('cache', 'list')).stdout).toContain('No offline records on this computer.');
});
