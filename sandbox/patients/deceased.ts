// Died in hospital in October 2025: every system holds the date of death (Patient.deceasedDateTime), but the GP
// repeat prescription, medication records and care plans still say "active", as they often do for weeks after.
// The viewer must say "Died <date>" and mark those entries.
import { RecordBuilder, gpOrganization } from './build';
import { CODES, DMD } from './codes';
import { makeIdentity } from './identity';
import type { SandboxPatient } from './types';

export const DATE_OF_DEATH = '2025-10-03T04:20:00+01:00';

export function deceasedPatient(taken: Set<string>): SandboxPatient {
  const who = makeIdentity(
    {
      key: 'deceased',
      given: ['Ronald', 'Arthur'],
      family: 'Pitt',
      prefix: 'Mr',
      gender: 'male',
      birthDate: '1939-08-14',
      gpOds: 'J81017',
      deceased: DATE_OF_DEATH,
    },
    taken,
  );
  const dcr = new RecordBuilder('dcr-dc', who.ids.dcr);
  const chie = new RecordBuilder('chie-dc', who.ids.chie);
  dcr.add(who.patient('dcr'));
  chie.add(who.patient('chie'));
  dcr.add(gpOrganization(who.gp));
  chie.add(gpOrganization(who.gp));

  dcr.allergy({ code: CODES.noKnownAllergy, recorded: '2018-03-02' });
  dcr.condition({ code: CODES.heartFailure, onset: '2020-02-17' });
  dcr.condition({ code: CODES.copd, onset: '2011-10-05' });
  dcr.medicationRequest({
    code: DMD.furosemide40,
    authored: '2020-02-17',
    dosage: 'One tablet each morning',
    repeat: true,
    lastIssued: '2025-09-22',
  });
  dcr.medicationStatement({ code: DMD.ramipril5, start: '2020-02-17', dosage: 'One capsule once a day' });
  dcr.carePlan({
    category: CODES.carePlanCategory,
    title: 'Heart failure care plan',
    start: '2024-11-12',
    description: 'Daily weights; community heart failure nurse review monthly.',
  });

  chie.medicationStatement({
    code: DMD.furosemide40,
    start: '2020-02-17',
    dosage: 'One tablet each morning',
  });
  chie.carePlan({
    category: CODES.carePlanCategory,
    title: 'Discharge plan: heart failure',
    start: '2025-09-29',
    description: 'Planned discharge home with twice-daily care visits.',
  });
  chie.encounter({
    code: CODES.inpatientStay,
    start: '2025-09-28',
    end: '2025-10-03',
    cls: 'IMP',
    serviceProvider: 'University Hospitals Dorset NHS Foundation Trust',
  });

  return {
    key: 'deceased',
    nhsNumber: who.nhs,
    name: who.name,
    birthDate: who.birthDate,
    demonstrates:
      'Died 3 October 2025 (deceasedDateTime in the EPR, DCR and CHIE); furosemide and ramipril and two care plans still "active"',
    epr: who.patient('epr'),
    dcr: dcr.resources,
    chie: chie.resources,
    locator: [],
    nhsVerification: '01',
    gpOds: who.gpOds,
  };
}
