// `wessex launch` runs the app's launch code path headlessly and prints user, patient and scopes.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEvent, Bundle } from '../../common/fhir';
import { auditKeyName } from '../../main/services/audit';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { runWessex, WESSEX_CLI } from '../support/cli';

const run = promisify(execFile);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wessex-launch-cli-'));
const env = { ...process.env, WESSEX_DATA_DIR: dataDir };
const cli = (...args: string[]) =>
  run(process.execPath, [WESSEX_CLI, 'launch', ...args], { timeout: 60_000, env });
afterAll(async () => {
  await createKeytarSecretStore().delete(auditKeyName(path.join(dataDir, 'audit.db')));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('wessex launch', () => {
  it('completes an EHR launch against the sandbox and prints user, patient (3 3 4) and scopes', async () => {
    const { stdout } = await cli('--sandbox', '--user', 'gp');
    expect(stdout).toMatch(/Signed in \(EHR launch\) at http:\/\/127\.0\.0\.1:\d+\/fhir/);
    expect(stdout).toMatch(
      /User: +Dr Amelia Hart — General practitioner \[general-practitioner\], Ringwood Medical Centre/,
    );
    expect(stdout).toMatch(/NHS no\.: +\d{3} \d{3} \d{4} — verified/);
    // No offline_access: the command line's sign-in ends with the command (policy offlineAccessRoles).
    expect(stdout).toMatch(/Granted scopes: +launch openid fhirUser patient\/\*\.rs\n/);
    expect(stdout).toMatch(/Not granted: +none/);
    // The EPR patient it printed was read by a signed-in user, in the audit log like any app access.
    const exported = await runWessex(['audit', 'export', '--data-dir', dataDir]);
    const events = (JSON.parse(exported.stdout) as Bundle).entry!.map((e) => e.resource as AuditEvent);
    const nhsNumber = /NHS no\.: +(\d{3}) (\d{3}) (\d{4})/.exec(stdout)!.slice(1).join('');
    expect(events.map((e) => e.subtype?.[0]?.code)).toEqual(['110122', 'read', '110123']);
    expect(events[1]?.entity?.[0]?.what?.identifier?.value).toBe(nhsNumber);
    expect(events[1]?.agent?.find((a) => a.requestor)?.who?.display).toBe('Dr Amelia Hart');
  });

  it('prints the unverified-NHS-number warning as JSON too', async () => {
    const { stdout } = await cli('--sandbox', '--patient', 'not-traced', '--user', 'nurse', '--json');
    const result = JSON.parse(stdout) as {
      user: { roleCode: string };
      patient: { safeToQueryOtherServers: boolean; warning: string };
    };
    expect(result.user.roleCode).toBe('nurse');
    expect(result.patient.safeToQueryOtherServers).toBe(false);
    expect(result.patient.warning).toMatch(/not verified/);
  });

  it('refuses a launch from an issuer that is not allowed, naming it', async () => {
    const error = (await cli(
      'uk.nhs.wessexcarerecords://launch?iss=http%3A%2F%2F127.0.0.1%3A9%2Ffhir&launch=x',
      '--headless',
    ).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(error.code).toBe(1);
    expect(error.stderr).toMatch(
      /launched by "http:\/\/127\.0\.0\.1:9\/fhir", which is not an EPR server this machine trusts/,
    );
  });
});
