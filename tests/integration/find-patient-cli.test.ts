// `wessex find-patient` as a support engineer or a script runs it, on the built-in sandbox: the matches on
// stdout, a directory that did not answer named on stderr and in the exit code, bad input refused.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PatientSearchResult } from '../../common/patient-search';
import { auditKeyName } from '../../main/services/audit';
import { cacheKeyName } from '../../main/services/cache';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { runWessex } from '../support/cli';

const dataDirs: string[] = [];
afterAll(async () => {
  const keys = createKeytarSecretStore();
  for (const dir of dataDirs) {
    await keys.delete(`db-key:${cacheKeyName(dir)}`);
    await keys.delete(auditKeyName(path.join(dir, 'audit.db')));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function findPatient(args: string[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wessex-find-patient-'));
  dataDirs.push(dir);
  return runWessex(['find-patient', '--sandbox', ...args, '--role', 'paramedic', '--data-dir', dir]);
}

describe('wessex find-patient', () => {
  it('prints the match with its NHS number and address, and exits 0 when every directory answered', async () => {
    const result = await findPatient(['--family', 'legg', '--dob', '1951-04-17', '--json']);
    expect(result.code).toBe(0);
    const found = JSON.parse(result.stdout) as PatientSearchResult;
    expect(found.complete).toBe(true);
    expect(found.matches).toHaveLength(1);
    expect(found.matches[0]).toMatchObject({
      nhsNumber: '9994625845',
      // Signed in at the (sandbox) EPR, the command line searches its directory too, as the app does.
      heldBy: ['Dorset Care Record', 'CHIE', 'Your clinical system (EPR)'],
    });
    expect(found.matches[0]!.address).toMatch(/BH24 7UW$/);
  });

  it('names a directory that is down and exits 2', async () => {
    const result = await findPatient(['--family', 'Legg', '--dob', '1951-04-17', '--fault', 'chie=down']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('LEGG, David John (Mr)  born 17 April 1951  male  NHS 999 462 5845');
    expect(result.stdout).toContain('held by Dorset Care Record');
    expect(result.stdout).toContain(
      '✗ CHIE — failed: CHIE could not be reached: the server refused the connection',
    );
    expect(result.stderr).toMatch(
      /Not every directory answered.*CHIE could not be reached: the server refused the connection/,
    );
  });

  it('refuses a date of birth that is not a real date, and exits 1', async () => {
    const result = await findPatient(['--family', 'Legg', '--dob', '1951-02-30']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('date of birth must be a real date written YYYY-MM-DD');
    expect(result.stdout).toBe('');
  });
});
