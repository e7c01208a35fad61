// The sandbox patients issue 13 needs, as a client meets them on the real servers: two different people under
// one NHS number (DCR and CHIE disagree about who it is), and a patient who has died with entries still active.
// Also faults set at start-up (`startSandbox({ faults })`), as `--fault` sets them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CarePlan, Condition, MedicationRequest, Patient, Resource } from '../../common/fhir';
import { isValidNhsNumber } from '../../common/nhs-number';
import { parseFaultSpecs, startSandbox, type RunningSandbox } from '../../sandbox';
import { findPatientId, getJson, searchAll } from './sandbox-helpers';

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ requireAuth: false });
});
afterAll(async () => {
  await sandbox?.close();
});

async function patientOn(base: string, nhsNumber: string): Promise<Patient> {
  const id = await findPatientId(base, nhsNumber);
  if (!id) throw new Error(`${nhsNumber} is not on ${base}`);
  return (await getJson<Patient>(`${base}/Patient/${id}`)).body;
}

async function entries<T extends Resource>(base: string, patient: Patient, type: string): Promise<T[]> {
  return (await searchAll(`${base}/${type}?patient=Patient/${patient.id}`)).resources as T[];
}

const who = (p: Patient) => ({ family: p.name?.[0]?.family, gender: p.gender, birthDate: p.birthDate });
const displays = (rs: Resource[]) =>
  rs.map(
    (r) =>
      (r as Condition).code?.text ??
      (r as MedicationRequest).medicationCodeableConcept?.text ??
      r.resourceType,
  );

describe('two different people under one NHS number (mixed-identity)', () => {
  it('DCR holds a man born 1956, CHIE a woman born 1987, both under the same valid NHS number', async () => {
    const p = sandbox.patient('mixed-identity');
    expect(isValidNhsNumber(p.nhsNumber)).toBe(true);
    expect(sandbox.patients.filter((q) => q.nhsNumber === p.nhsNumber)).toHaveLength(1);
    const onDcr = await patientOn(sandbox.urls.dcr, p.nhsNumber);
    const onChie = await patientOn(sandbox.urls.chie, p.nhsNumber);
    expect(who(onDcr)).toEqual({ family: 'Hollis', gender: 'male', birthDate: '1956-03-22' });
    expect(who(onChie)).toEqual({ family: 'Dunn', gender: 'female', birthDate: '1987-10-29' });
    expect(onDcr.address).not.toEqual(onChie.address);
    // The EPR (and so every EHR launch) has the Dorset person.
    expect(who(p.epr)).toEqual(who(onDcr));
    expect(p.demonstrates).toMatch(/Two people under one NHS number/);
  });

  it('each holds entries that are plainly that person’s', async () => {
    const p = sandbox.patient('mixed-identity');
    const onDcr = await patientOn(sandbox.urls.dcr, p.nhsNumber);
    const onChie = await patientOn(sandbox.urls.chie, p.nhsNumber);
    const dcr = [
      ...(await entries(sandbox.urls.dcr, onDcr, 'AllergyIntolerance')),
      ...(await entries(sandbox.urls.dcr, onDcr, 'Condition')),
      ...(await entries(sandbox.urls.dcr, onDcr, 'MedicationRequest')),
    ];
    const chie = [
      ...(await entries(sandbox.urls.chie, onChie, 'AllergyIntolerance')),
      ...(await entries(sandbox.urls.chie, onChie, 'Condition')),
      ...(await entries(sandbox.urls.chie, onChie, 'MedicationStatement')),
    ];
    expect(displays(dcr)).toEqual(
      expect.arrayContaining([
        'Allergy to penicillin',
        'Benign prostatic hyperplasia',
        'Apixaban 5mg tablets',
      ]),
    );
    expect(displays(chie)).toEqual(
      expect.arrayContaining(['Latex allergy', 'Pregnant', 'Salbutamol 100micrograms/dose inhaler CFC free']),
    );
  });
});

describe('a patient who has died (deceased)', () => {
  it('has the date of death on the Patient in the EPR, DCR and CHIE', async () => {
    const p = sandbox.patient('deceased');
    const onDcr = await patientOn(sandbox.urls.dcr, p.nhsNumber);
    const onChie = await patientOn(sandbox.urls.chie, p.nhsNumber);
    for (const patient of [p.epr, onDcr, onChie]) {
      expect(patient.deceasedDateTime).toBe('2025-10-03T04:20:00+01:00');
    }
  });

  it('still has an active prescription, medication records and care plans', async () => {
    const p = sandbox.patient('deceased');
    const onDcr = await patientOn(sandbox.urls.dcr, p.nhsNumber);
    const onChie = await patientOn(sandbox.urls.chie, p.nhsNumber);
    const prescriptions = await entries<MedicationRequest>(sandbox.urls.dcr, onDcr, 'MedicationRequest');
    expect(prescriptions.filter((r) => r.status === 'active').length).toBeGreaterThan(0);
    for (const [base, patient] of [
      [sandbox.urls.dcr, onDcr],
      [sandbox.urls.chie, onChie],
    ] as const) {
      const statements = await entries<MedicationRequest>(base, patient, 'MedicationStatement');
      expect(
        statements.some((s) => s.status === 'active'),
        base,
      ).toBe(true);
      const plans = await entries<CarePlan>(base, patient, 'CarePlan');
      expect(
        plans.some((c) => c.status === 'active'),
        base,
      ).toBe(true);
    }
  });
});

describe('faults set at start-up', () => {
  it('are in place when startSandbox resolves: down refuses connections, others answer as told', async () => {
    const faulty = await startSandbox({
      requireAuth: false,
      faults: parseFaultSpecs(['chie=down', 'dcr=500', 'locator=slow:200']),
    });
    try {
      await expect(fetch(`${faulty.urls.chie}/metadata`)).rejects.toThrow();
      expect(faulty.servers.chie.currentFault).toBe('down');
      expect((await fetch(`${faulty.urls.dcr}/metadata`)).status).toBe(500);
      const started = Date.now();
      const pointers = `${faulty.urls.locator}/DocumentReference?subject:identifier=https://fhir.nhs.uk/Id/nhs-number|${faulty.patient('frail').nhsNumber}`;
      expect((await fetch(pointers)).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      // Cleared, CHIE listens again on the same address.
      await faulty.servers.chie.setFault(undefined);
      expect((await fetch(`${faulty.urls.chie}/metadata`)).status).toBe(200);
    } finally {
      await faulty.close();
    }
  });
});
