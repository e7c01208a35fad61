// Finding a patient by name and date of birth through the real bridge on the built-in sandbox: a paramedic's
// direct sign-in searches DCR, CHIE and the EPR at once; matches join by NHS number; a directory that is down
// is named and the list does not claim to be complete; every search is a PatientQuery in the audit trail;
// hostile Patient resources are listed with why they cannot be opened, never crash the search.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Patient } from '../../common/fhir';
import type { PatientSearchResult } from '../../common/patient-search';
import { formatNhsNumber } from '../../common/nhs-number';
import { dispatchBridgeRequest } from '../../main/services/bridge/dispatch';
import { assertLogsFreeOf, logDirectory } from '../../main/services/logging';
import { startTestApp, type TestApp } from '../support/app';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
  await app.services.openSandboxSession({ role: 'paramedic', standalone: true });
}, 60_000);
afterAll(async () => app?.close());

async function invoke<T>(channel: string, args: unknown): Promise<T> {
  const outcome = await dispatchBridgeRequest(app.services.handlers, channel, args, {});
  if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code });
  return outcome.value as T;
}

const search = (args: Record<string, string>) => invoke<PatientSearchResult>('patient:search', args);
const sandbox = () => app.services.sandbox!;
const legg = () => sandbox().patient('cross-border');

/** The PatientQuery events the audit endpoint has received, as their decoded queries. */
function auditedQueries(): string[] {
  return sandbox()
    .servers.audit.events.filter((e) => e.type.code === 'rest' && e.action === 'E')
    .flatMap((e) => (e.entity ?? []).map((entity) => entity.query))
    .filter((q): q is string => q !== undefined)
    .map((q) => Buffer.from(q, 'base64').toString('utf8'));
}

describe('patient search by name and date of birth', () => {
  it('finds the cross-border patient once, held by DCR, CHIE and the EPR, with what is needed to choose', async () => {
    const result = await search({ family: 'legg', birthDate: '1951-04-17' });
    expect(result.complete).toBe(true);
    expect(result.tooMany).toBe(false);
    expect(result.directories.map((d) => [d.name, d.state, d.matches])).toEqual([
      ['Dorset Care Record', 'answered', 1],
      ['CHIE', 'answered', 1],
      ['Your clinical system (EPR)', 'answered', 1],
    ]);
    expect(result.matches).toHaveLength(1);
    expect(result.matches[0]).toMatchObject({
      nhsNumber: legg().nhsNumber,
      name: 'LEGG, David John (Mr)',
      birthDate: '1951-04-17',
      sex: 'male',
      registeredGp: 'Ringwood Health Centre',
      heldBy: ['Dorset Care Record', 'CHIE', 'Your clinical system (EPR)'],
      disagreements: [],
    });
    expect(result.matches[0]!.address).toMatch(/BH24 7UW$/);
    expect(result.matches[0]!.cannotOpen).toBeUndefined();

    // The given name and postcode narrow it; a different given name finds nobody.
    const narrowed = await search({
      family: 'Legg',
      given: 'dav',
      birthDate: '1951-04-17',
      postcode: 'bh24',
    });
    expect(narrowed.matches.map((m) => m.nhsNumber)).toEqual([legg().nhsNumber]);
    const nobody = await search({ family: 'Legg', given: 'Susan', birthDate: '1951-04-17' });
    expect(nobody).toMatchObject({ matches: [], complete: true, tooMany: false });

    // Uploaded in the order they were written, each once.
    await expect
      .poll(auditedQueries, { timeout: 10_000 })
      .toEqual(
        expect.arrayContaining([
          'Patient?family=legg&birthdate=eq1951-04-17',
          'Patient?family=Legg&given=dav&birthdate=eq1951-04-17&address-postalcode=bh24',
        ]),
      );
  });

  it('matches names from their start, not anywhere in them, and the date of birth exactly', async () => {
    expect((await search({ family: 'egg', birthDate: '1951-04-17' })).matches).toEqual([]);
    expect((await search({ family: 'Legg', birthDate: '1951-04-18' })).matches).toEqual([]);
    expect((await search({ family: 'LÉGG', birthDate: '1951-04-17' })).matches).toHaveLength(1);
  });

  it('names a directory that is down, and the list does not claim to be complete (still audited)', async () => {
    await sandbox().servers.dcr.setFault('down');
    let result: PatientSearchResult;
    try {
      result = await search({ family: 'Legg', birthDate: '1951-04-17' });
    } finally {
      await sandbox().servers.dcr.setFault(undefined);
    }
    expect(result.complete).toBe(false);
    const dcr = result.directories.find((d) => d.id === 'dcr');
    expect(dcr).toMatchObject({ state: 'failed', matches: 0 });
    expect(dcr?.message).toBe('Dorset Care Record could not be reached: the server refused the connection');
    expect(result.matches.map((m) => m.heldBy)).toEqual([['CHIE', 'Your clinical system (EPR)']]);
    // The first search of exactly this, audited once.
    const thisSearch = 'Patient?family=Legg&birthdate=eq1951-04-17';
    await expect
      .poll(() => auditedQueries().filter((q) => q === thisSearch).length, { timeout: 10_000 })
      .toBe(1);
  });

  it('lists hostile or incomplete Patients with why they cannot be opened, and keeps the real match', async () => {
    const hostile: Patient[] = [
      {
        resourceType: 'Patient',
        id: 'hostile-bidi',
        identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '1234567890' }],
        name: [
          { family: `Legg\u202E<img src=x onerror=alert(1)>${'W'.repeat(5000)}`, given: ['\u202Eevil'] },
        ],
        birthDate: '1951-04-17',
      },
      {
        resourceType: 'Patient',
        id: 'hostile-bare',
        name: [{ family: 'Leggett' }],
        birthDate: '1951-04-17',
        address: [{ line: ['x'.repeat(10_000)], postalCode: 'BH24 1ZZ' }],
      },
    ];
    for (const p of hostile) await sandbox().servers.dcr.updateResource(p);
    let result: PatientSearchResult;
    try {
      result = await search({ family: 'Legg', birthDate: '1951-04-17' });
    } finally {
      for (const p of hostile) await sandbox().servers.dcr.deleteResource('Patient', p.id!);
    }
    expect(result.complete).toBe(true);
    expect(result.matches).toHaveLength(3);
    const openable = result.matches.filter((m) => m.nhsNumber);
    expect(openable.map((m) => m.nhsNumber)).toEqual([legg().nhsNumber]);
    const refused = result.matches.filter((m) => !m.nhsNumber);
    expect(refused.map((m) => m.cannotOpen).sort()).toEqual([
      'Dorset Care Record holds no NHS number for this person, so their record cannot be opened here',
      'The NHS number Dorset Care Record holds for this person fails the check digit, so their record cannot be opened here',
    ]);
    // Long server strings are cut to what a clinician needs to choose.
    for (const m of refused) {
      expect(m.name.length).toBeLessThanOrEqual(201);
      expect(m.address?.length ?? 0).toBeLessThanOrEqual(201);
    }
  });

  it('says when the patient has died', async () => {
    const result = await search({ family: 'Pitt', birthDate: '1939-08-14' });
    expect(result.matches).toHaveLength(1);
    expect(result.matches[0]).toMatchObject({
      nhsNumber: sandbox().patient('deceased').nhsNumber,
      deceased: { date: '2025-10-03' },
    });
  });

  it('lists at most 50 and asks for the postcode or given name when more match', async () => {
    const many: Patient[] = Array.from({ length: 60 }, (_, i) => ({
      resourceType: 'Patient',
      id: `many-${i}`,
      name: [{ family: 'Smithson', given: [`Person${i}`] }],
      birthDate: '1970-01-01',
    }));
    for (const p of many) await sandbox().servers.chie.updateResource(p);
    let result: PatientSearchResult;
    try {
      result = await search({ family: 'Smithson', birthDate: '1970-01-01' });
    } finally {
      for (const p of many) await sandbox().servers.chie.deleteResource('Patient', p.id!);
    }
    expect(result.tooMany).toBe(true);
    expect(result.matches).toHaveLength(50);
    expect(result.directories.find((d) => d.id === 'chie')?.state).toBe('answered');
  });

  it('refuses what is not a name or a real date before asking anyone', async () => {
    const before = sandbox().servers.dcr.requests.length;
    await expect(search({ family: 'Legg', birthDate: '1951-02-30' })).rejects.toMatchObject({
      code: 'invalid-argument',
    });
    await expect(search({ family: '<script>', birthDate: '1951-04-17' })).rejects.toMatchObject({
      code: 'invalid-argument',
    });
    await expect(
      search({ family: 'Legg', birthDate: '1951-04-17', postcode: '?&_id=1' }),
    ).rejects.toMatchObject({ code: 'invalid-argument' });
    expect(sandbox().servers.dcr.requests.length).toBe(before);
  });

  it('from an EPR launch for one patient, names the EPR as not searched and still searches the regional records', async () => {
    await app.services.openSandboxSession({ role: 'general-practitioner' });
    const before = sandbox().epr!.requestLog.length;
    const result = await search({ family: 'Eldridge', birthDate: '1936-11-02' });
    expect(result.complete).toBe(true);
    expect(result.directories.map((d) => [d.name, d.state])).toEqual([
      ['Dorset Care Record', 'answered'],
      ['CHIE', 'answered'],
      ['Your clinical system (EPR)', 'not-searched'],
    ]);
    expect(result.directories[2]!.message).toBe('your sign-in from it covers only the patient it opened');
    expect(result.matches.map((m) => m.nhsNumber)).toEqual([sandbox().patient('frail').nhsNumber]);
    // The EPR token (patient-level) was never used to search.
    expect(
      sandbox()
        .epr!.requestLog.slice(before)
        .filter((r) => r.path.endsWith('/Patient')),
    ).toEqual([]);
  });

  it('comes before the reason for access, which is asked for the patient chosen, not for the search', async () => {
    await app.services.openSandboxSession({ role: 'paramedic', standalone: true });
    const found = await search({ family: 'Legg', birthDate: '1951-04-17' });
    const nhsNumber = found.matches[0]!.nhsNumber!;
    await expect(invoke('record:open', { nhsNumber, requestId: 'no-reason' })).rejects.toMatchObject({
      code: 'not-permitted',
      message: expect.stringContaining(formatNhsNumber(nhsNumber)),
    });
    await invoke('access:declare-reason', { reasonCode: 'emergency-care', breakGlass: false, nhsNumber });
    await expect(invoke('record:open', { nhsNumber, requestId: 'with-reason' })).resolves.toMatchObject({
      patient: { nhsNumber },
    });
  });

  it('leaves no name, date of birth or NHS number searched for in the logs', async () => {
    const searched = ['Legg', 'legg', 'LEGG', 'Eldridge', '1951-04-17', '1936-11-02'];
    const numbers = [legg(), sandbox().patient('frail')].flatMap((p) => [
      p.nhsNumber,
      formatNhsNumber(p.nhsNumber),
    ]);
    await assertLogsFreeOf([...searched, ...numbers], logDirectory(app.dataDir));
  });
});
