import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assertLogsFreeOf,
  createAppLogger,
  findIdentifiersInLogs,
  identifierPattern,
  logDirectory,
  redactText,
  redactValue,
} from '../../main/services/logging';

// Shaped like the sandbox's synthetic patients (999-range NHS numbers) and a real SMART session's tokens.
const patient = {
  nhsNumber: '9990000018',
  given: 'Zoë',
  family: "O'Neill-Hartley",
  localId: 'dcr-pat-7781',
};
const jwt =
  'eyJhbGciOiJSUzM4NCIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJkci1ub3JhIiwiYXVkIjoiaHR0cHM6Ly9kY3IifQ.c2lnbmF0dXJlLWJ5dGVz';
const refreshToken = 'rt_8f2b7c0e9a4d4f1cb3e2aa71d6c5b9f0';
const authCode = 'SplxlOBeZQQYbYS6WxSbIA';

describe('redactText', () => {
  it('removes NHS numbers in every spelling clinicians and systems use', () => {
    for (const form of ['9990000018', '999 000 0018', '999-000-0018']) {
      expect(redactText(`patient ${form} opened`)).toBe('patient [NHS-NUMBER] opened');
    }
    expect(redactText('identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018&_count=50')).toBe(
      'identifier=https://fhir.nhs.uk/Id/nhs-number|[NHS-NUMBER]&_count=50',
    );
    expect(
      redactText('subject:identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9990000018'),
    ).not.toContain('9990000018');
  });

  it('leaves longer numbers (phone numbers, epoch milliseconds) and durations alone', () => {
    expect(redactText('call 01202123456 at 1718000000123, took 42 ms')).toBe(
      'call 01202123456 at 1718000000123, took 42 ms',
    );
  });

  it('removes bearer tokens, JWTs, refresh tokens and authorization codes', () => {
    expect(redactText(`Authorization: Bearer ${jwt}`)).toBe('Authorization: Bearer [TOKEN]');
    expect(redactText(`client_assertion=${jwt}&grant_type=client_credentials`)).not.toContain('eyJ');
    expect(redactText(`{"access_token":"abc.def","refresh_token":"${refreshToken}","expires_in":300}`)).toBe(
      '{"access_token":"[TOKEN]","refresh_token":"[TOKEN]","expires_in":300}',
    );
    expect(redactText(`grant_type=refresh_token&refresh_token=${refreshToken}&client_id=x`)).toBe(
      'grant_type=refresh_token&refresh_token=[TOKEN]&client_id=x',
    );
    expect(redactText(`refreshToken: '${refreshToken}'`)).toBe("refreshToken: '[TOKEN]'");
    expect(redactText(`uk.nhs.wessexcarerecords://callback?code=${authCode}&state=abc`)).toBe(
      'uk.nhs.wessexcarerecords://callback?code=[TOKEN]&state=abc',
    );
  });

  it('removes known names whole and word by word, case-insensitively, including accents and apostrophes', () => {
    const names = identifierPattern([`${patient.given} ${patient.family}`, patient.localId]);
    expect(redactText(`Opened ZOË O'NEILL-HARTLEY (${patient.localId})`, names)).toBe(
      'Opened [REDACTED] ([REDACTED])',
    );
    expect(redactText(`family name o'neill-hartley differs`, names)).toBe('family name [REDACTED] differs');
    // Whole words only: a different word that merely contains the name survives.
    expect(redactText('Zoëtrope settings', names)).toBe('Zoëtrope settings');
  });

  it('redacts inside objects, arrays and errors without changing the caller’s values', () => {
    const names = identifierPattern([patient.family]);
    const data = {
      patient: { nhs: patient.nhsNumber, family: patient.family, nested: [Number(patient.nhsNumber)] },
      headers: { authorization: `Bearer ${jwt}` },
    };
    const error = new Error(`fetch failed for ${patient.nhsNumber}`);
    const out = redactValue([data, error], names) as [typeof data, Error];
    expect(JSON.stringify(out[0])).not.toMatch(/9990000018|O'Neill|eyJ/);
    expect(out[1].message).toBe('fetch failed for [NHS-NUMBER]');
    expect(out[1].stack).not.toContain(patient.nhsNumber);
    expect(data.patient.nhs).toBe(patient.nhsNumber);
  });
});

describe('the app log', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'wessex-logs-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('holds a representative session’s events but none of its identifiers or tokens', async () => {
    const logDir = logDirectory(dataDir);
    const log = createAppLogger({ logDir, level: 'debug' });
    log.info(
      'launch received',
      `uk.nhs.wessexcarerecords://launch?iss=https://epr.example&launch=xyz&code=${authCode}`,
    );
    log.rememberIdentifiers([`${patient.given} ${patient.family}`, patient.localId]);
    log.info(`identified patient ${patient.nhsNumber} (${patient.given} ${patient.family}), verified`);
    log.debug(
      'GET https://dcr.example/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018',
      {
        headers: { Authorization: `Bearer ${jwt}` },
      },
    );
    log.info('token response', { access_token: jwt, refresh_token: refreshToken, expires_in: 300 });
    log.warn('CHIE timed out for', {
      id: patient.localId,
      name: [{ family: patient.family, given: [patient.given] }],
    });
    log.error(new Error(`merge conflict for 999 000 0018: ${patient.family} has two dates of birth`));
    log.info('fetched 42 resources from dcr in 310 ms');

    const text = await readFile(log.logFile, 'utf8');
    expect(text).toContain('fetched 42 resources from dcr in 310 ms');
    expect(text).toContain('[NHS-NUMBER]');
    expect(text.match(/^\[\d{4}-\d\d-\d\d [\d:.]+\] \[(info|debug|warn|error)\]/gm)).toHaveLength(7);
    const identifiers = [
      patient.nhsNumber,
      patient.given,
      patient.family,
      patient.localId,
      jwt,
      refreshToken,
      authCode,
    ];
    await expect(assertLogsFreeOf(identifiers, logDir)).resolves.toBeUndefined();
    // Only the user may read it.
    expect((await stat(log.logFile)).mode & 0o077).toBe(0);
  });

  it('keeps redacting after rotation, and the scan covers the rotated file', async () => {
    const logDir = logDirectory(dataDir);
    const log = createAppLogger({ logDir, maxSize: 2_000 });
    for (let i = 0; i < 60; i++)
      log.info(`request ${i} for ${patient.nhsNumber} with refresh_token=${refreshToken}`);
    expect((await readdir(logDir)).sort()).toEqual(['main.log', 'main.old.log']);
    await assertLogsFreeOf([patient.nhsNumber, refreshToken], logDir);
  });

  it('assertLogsFreeOf finds an identifier written by anything that bypassed the logger', async () => {
    const logDir = logDirectory(dataDir);
    createAppLogger({ logDir }).info('clean line');
    await writeFile(path.join(logDir, 'stray.log'), `oops 999-000-0018 and o'neill-hartley\n`);
    const leaks = await findIdentifiersInLogs([patient.nhsNumber, patient.family], logDir);
    expect(leaks.map((leak) => [path.basename(leak.file), leak.identifierIndex, leak.line])).toEqual([
      ['stray.log', 0, 1],
      ['stray.log', 1, 1],
    ]);
    await expect(assertLogsFreeOf([patient.nhsNumber], logDir)).rejects.toThrow(
      /identifier #0 at .*stray\.log:1/,
    );
  });

  it('treats a missing log directory as clean', async () => {
    await expect(assertLogsFreeOf([patient.nhsNumber], path.join(dataDir, 'never'))).resolves.toBeUndefined();
  });
});
