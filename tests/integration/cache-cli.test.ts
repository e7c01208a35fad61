// The cache and prefetch commands as a user runs them: the built `wessex` against the built-in sandbox,
// a temp data dir and the real keyring.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { auditKeyName } from '../../main/services/audit';
import { cacheKeyName } from '../../main/services/cache';
import type { AuditEvent, Bundle } from '../../common/fhir';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { describeSandbox } from '../../sandbox';
import { runWessex } from '../support/cli';

let dataDir: string;

const wessex = (...args: string[]) =>
  runWessex([...args, '--data-dir', dataDir], {
    env: { ...process.env, WESSEX_POLICY_FILE: path.join(dataDir, 'no-policy.json') },
  });
/** As a community nurse: every command that reads or changes records says who is asking. */
const asNurse = (...args: string[]) => wessex(...args, '--role', 'nurse');

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wessex-cache-cli-'));
});
afterAll(async () => {
  await createKeytarSecretStore().delete(`db-key:${cacheKeyName(dataDir)}`);
  await createKeytarSecretStore().delete(auditKeyName(path.join(dataDir, 'audit.db')));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('prefetches a CSV caseload with a progress line, lists, purges and rekeys the offline records', async () => {
  const patients = describeSandbox();
  const frail = patients.find((p) => p.key === 'frail')!;
  const legg = patients.find((p) => p.key === 'cross-border')!;
  const csv = path.join(dataDir, 'caseload.csv');
  fs.writeFileSync(csv, `NHS number,Name\n${frail.nhsNumber},x\n943 476 5918,typo\n${legg.nhsNumber}\n`);

  const prefetch = await asNurse('prefetch', '--file', csv, '--pin');
  expect(prefetch.stderr).toContain('line 3: 943 476 5918 is not a valid NHS number');
  expect(prefetch.stdout).toMatch(/Prefetching 2\/2 … ✓ \d{3} \d{3} \d{4}/);
  expect(prefetch.stdout).toContain('2 of 2 record(s) saved for offline use (caseload).');
  expect(prefetch.code).toBe(2); // a caseload line could not be used

  const list = await asNurse('cache', 'list');
  expect(list.stdout).toContain(frail.nhsNumber.replace(/(\d{3})(\d{3})(\d{4})/, '$1 $2 $3'));
  expect(list.stdout.match(/pinned/g)).toHaveLength(2);

  expect((await asNurse('cache', 'purge')).stderr).toContain(
    'Choose exactly one of --nhs <number>, --all or --expired.',
  );
  expect((await asNurse('cache', 'purge', '--nhs', frail.nhsNumber)).stdout).toContain(
    'Deleted the offline record',
  );
  expect((await asNurse('cache', 'rekey')).stdout).toContain('encrypted under a new key');
  const search = await asNurse('cache', 'search', legg.name.split(' ').at(-1)!.toLowerCase());
  expect(search.stdout).toContain(legg.birthDate);
  expect((await asNurse('cache', 'purge', '--all')).stdout).toContain('Deleted 1 offline record(s).');
  expect((await asNurse('cache', 'list')).stdout).toContain('No offline records on this computer.');
});

it('audits the command line as the app: the OS user and role, a prefetch and a cache write per patient', async () => {
  const verify = await wessex('audit', 'verify');
  expect(verify.code).toBe(0);
  expect(verify.stdout).toMatch(/Audit chain intact: \d+ events/);
  const exported = await wessex('audit', 'export', '--format', 'bundle');
  const events = (JSON.parse(exported.stdout) as Bundle).entry!.map((e) => e.resource as AuditEvent);
  const codes = (e: AuditEvent) => (e.subtype ?? []).map((c) => c.code);
  const about = (e: AuditEvent) => e.entity?.[0]?.what?.identifier?.value;
  const patients = describeSandbox().filter((p) => p.key === 'frail' || p.key === 'cross-border');
  for (const patient of patients) {
    const mine = events.filter((e) => about(e) === patient.nhsNumber);
    expect(
      mine.filter((e) => codes(e).includes('prefetch')),
      patient.key,
    ).toHaveLength(1);
    expect(
      mine.filter((e) => codes(e).includes('cache-write')),
      patient.key,
    ).toHaveLength(1);
  }
  // The frail patient's ReSPECT form, kept for offline use, is audited as such.
  const frail = patients.find((p) => p.key === 'frail')!;
  expect(
    events.filter((e) => codes(e).includes('cache-document') && about(e) === frail.nhsNumber).length,
  ).toBeGreaterThan(0);
  // Every command signed in and out.
  const signIns = events.filter((e) => codes(e).includes('110122'));
  expect(signIns.length).toBeGreaterThanOrEqual(6);
  expect(events.filter((e) => codes(e).includes('110123'))).toHaveLength(signIns.length);
  // A prefetch reads the regional sources: the nurse signed in at the (sandbox) EPR, and is audited by name.
  for (const event of events.filter((e) => codes(e).includes('prefetch'))) {
    const user = event.agent?.find((a) => a.requestor);
    expect(user?.who?.display).toBe('Priya Shah');
    expect(JSON.stringify(user?.role)).toContain('nurse');
  }
  // Commands on this computer's offline store alone act as the operating-system user with their role.
  const rotation = events.find((e) => codes(e).includes('key-rotation'))!;
  expect(rotation.agent?.find((a) => a.requestor)?.who?.display).toMatch(/ on .+ \(command line\)$/);
  // Offline list, search, each deletion and the key rotation are there too.
  expect(events.some((e) => codes(e).includes('cache-purge'))).toBe(true);
  expect(events.filter((e) => codes(e).includes('key-rotation'))).toHaveLength(1);
  expect(events.filter((e) => codes(e).includes('search-type')).length).toBeGreaterThanOrEqual(3);
});
