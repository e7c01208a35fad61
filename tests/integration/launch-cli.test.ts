// `wessex launch` runs the app's launch code path headlessly and prints user, patient and scopes.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { WESSEX_CLI } from '../support/cli';

const run = promisify(execFile);
const cli = (...args: string[]) =>
  run(process.execPath, [WESSEX_CLI, 'launch', ...args], { timeout: 60_000 });

describe('wessex launch', () => {
  it('completes an EHR launch against the sandbox and prints user, patient (3 3 4) and scopes', async () => {
    const { stdout } = await cli('--sandbox', '--user', 'gp');
    expect(stdout).toMatch(/Signed in \(EHR launch\) at http:\/\/127\.0\.0\.1:\d+\/fhir/);
    expect(stdout).toMatch(
      /User: +Dr Amelia Hart — General practitioner \[general-practitioner\], Ringwood Medical Centre/,
    );
    expect(stdout).toMatch(/NHS no\.: +\d{3} \d{3} \d{4} — verified/);
    expect(stdout).toMatch(/Granted scopes: +launch openid fhirUser patient\/\*\.rs offline_access/);
    expect(stdout).toMatch(/Not granted: +none/);
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
