// Registered in Ringwood (Hampshire) but treated in Dorset too: both DCR and CHIE hold overlapping records,
// some entries with the same business identifier, some matching only by code and date, and real conflicts.
import type { Consent } from '../../common/fhir';
import { RecordBuilder, daysAgo, gpOrganization, meta } from './build';
import { CODES, DMD, PROFILE } from './codes';
import { BASE_PLACEHOLDER, binary, simpleHtml } from './documents';
import { makeIdentity } from './identity';
import type { SandboxPatient } from './types';

export function crossBorderPatient(taken: Set<string>): SandboxPatient {
  const who = makeIdentity(
    {
      key: 'cross-border',
      given: ['David', 'John'],
      family: 'Legg',
      prefix: 'Mr',
      gender: 'male',
      birthDate: '1951-04-17',
      gpOds: 'J82642',
    },
    taken,
  );
  const dcr = new RecordBuilder('dcr-cb', who.ids.dcr);
  const chie = new RecordBuilder('chie-cb', who.ids.chie);
  dcr.add(who.patient('dcr'));
  chie.add(who.patient('chie'));
  dcr.add(gpOrganization(who.gp));
  chie.add(gpOrganization(who.gp));

  // Conflict: "no known allergies" in Dorset (recorded at a Poole ED attendance) vs penicillin allergy in CHIE.
  dcr.allergy({ code: CODES.noKnownAllergy, recorded: '2024-02-10' });
  chie.allergy({
    code: CODES.penicillinAllergy,
    recorded: '2019-06-03',
    reaction: CODES.rash,
    criticality: 'high',
    identifier: 'J82642-ALG-0001',
  });

  // Same business identifier in both sources.
  for (const b of [dcr, chie]) {
    b.condition({ code: CODES.hypertension, onset: '2012-03-14', identifier: 'J82642-PRB-0101' });
    b.medicationStatement({
      code: DMD.amlodipine5,
      start: '2012-03-14',
      dosage: 'One tablet once a day',
      identifier: 'J82642-MED-0201',
    });
    b.medicationRequest({
      code: DMD.amlodipine5,
      authored: '2012-03-14',
      dosage: 'One tablet once a day',
      repeat: true,
      lastIssued: '2025-09-02',
      identifier: 'J82642-RX-0201',
    });
  }
  // Same clinical fact, no shared identifier: matches only by code + date.
  dcr.condition({ code: CODES.diabetesType2, onset: '2016-09-21' });
  chie.condition({ code: CODES.diabetesType2, onset: '2016-09-21' });
  dcr.condition({ code: CODES.osteoarthritis, onset: '2020-01-08' });
  chie.condition({ code: CODES.ckd3, onset: '2025-07-30' });

  // Conflict: metformin active in DCR, stopped in CHIE after an eGFR drop.
  dcr.medicationStatement({ code: DMD.metformin500, start: '2016-10-01', dosage: 'One tablet twice a day' });
  chie.medicationStatement({
    code: DMD.metformin500,
    start: '2016-10-01',
    end: '2025-08-12',
    status: 'stopped',
    reason: 'Stopped on discharge: eGFR 28',
    dosage: 'One tablet twice a day',
  });
  dcr.medicationStatement({ code: DMD.atorvastatin20, start: '2016-10-01', dosage: 'One tablet at night' });

  // Resuscitation status differs: older "for resuscitation" in DCR, newer DNACPR in CHIE.
  dcr.observation({
    code: CODES.forResuscitation,
    date: '2023-05-04',
    category: 'survey',
    valueCode: CODES.forResuscitation,
  });
  chie.flag({
    code: CODES.dnacpr,
    start: '2025-08-12',
    category: { code: 'clinical', display: 'Clinical' },
    text: 'DNACPR decision made during admission (Queen Alexandra Hospital)',
  });
  chie.add<Consent>({
    resourceType: 'Consent',
    id: chie.nextId('consent'),
    meta: meta({ profile: PROFILE.consent, date: '2025-08-12' }),
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'adr' }] },
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentcategorycodes', code: 'dnr' }] },
    ],
    patient: chie.patientRef,
    dateTime: '2025-08-12',
    provision: { type: 'deny', code: [{ coding: [CODES.cpr], text: CODES.cpr.display }] },
  });

  // Vitals and labs in both, some on the same day.
  for (const [b, date, sys, dia] of [
    [dcr, '2025-03-11', 148, 88],
    [dcr, '2025-06-19', 142, 84],
    [chie, '2025-06-19', 142, 84],
    [chie, '2025-08-10', 131, 72],
  ] as const) {
    b.observation({
      code: CODES.bloodPressure,
      date,
      components: [
        { code: CODES.systolic, value: sys, unit: 'mm[Hg]', ucum: 'mm[Hg]' },
        { code: CODES.diastolic, value: dia, unit: 'mm[Hg]', ucum: 'mm[Hg]' },
      ],
    });
  }
  chie.observation({
    code: CODES.egfr,
    date: '2025-08-10',
    value: 28,
    unit: 'mL/min/{1.73_m2}',
    category: 'laboratory',
  });
  dcr.observation({
    code: CODES.hba1c,
    date: '2025-03-11',
    value: 58,
    unit: 'mmol/mol',
    category: 'laboratory',
  });
  chie.observation({ code: CODES.news2, date: '2025-08-10', value: 3, unit: '{score}', category: 'survey' });
  // The August admission, with its discharge letter linked to it (DocumentReference.context.encounter).
  const admission = chie.encounter({
    code: CODES.inpatientStay,
    start: '2025-08-09',
    end: '2025-08-12',
    cls: 'IMP',
    serviceProvider: 'Portsmouth Hospitals University NHS Trust',
    location: 'Queen Alexandra Hospital, ward E3',
    ward: true,
    reason: { system: 'http://snomed.info/sct', code: '14669001', display: 'Acute kidney injury' },
    dischargeDisposition: 'Home',
  });
  const letter = binary(
    'cross-border-discharge-letter-html',
    'text/html',
    simpleHtml('Discharge summary', [
      'Admitted 9 August 2025 with an acute kidney injury (eGFR 28). Metformin stopped.',
      'Discharged home on 12 August 2025. DNACPR decision made during this admission.',
    ]),
    who.ids.chie,
  );
  chie.add(letter);
  chie.document({
    type: CODES.dischargeSummary,
    date: '2025-08-12',
    description: 'Discharge summary: acute kidney injury',
    url: `${BASE_PLACEHOLDER.chie}/Binary/${letter.id}`,
    contentType: 'text/html',
    author: 'Queen Alexandra Hospital',
    encounter: admission,
  });
  dcr.encounter({
    code: CODES.edAttendance,
    start: '2024-02-10',
    cls: 'EMER',
    serviceProvider: 'University Hospitals Dorset NHS Foundation Trust',
  });
  // Lately, whenever the sandbox starts: seen in ED twelve days ago, and in hospital now (admitted three days ago).
  dcr.encounter({
    code: CODES.edAttendance,
    start: daysAgo(12),
    cls: 'EMER',
    serviceProvider: 'University Hospitals Dorset NHS Foundation Trust',
    location: 'Royal Bournemouth Hospital emergency department',
  });
  chie.encounter({
    code: CODES.inpatientStay,
    start: daysAgo(3),
    cls: 'IMP',
    inProgress: true,
    serviceProvider: 'Portsmouth Hospitals University NHS Trust',
    location: 'Queen Alexandra Hospital, ward D5',
    ward: true,
    reason: { system: 'http://snomed.info/sct', code: '233604007', display: 'Pneumonia' },
  });

  return {
    key: 'cross-border',
    nhsNumber: who.nhs,
    name: who.name,
    birthDate: who.birthDate,
    demonstrates:
      'Cross-border (registered in Ringwood): overlapping DCR and CHIE entries, "no known allergies" vs penicillin allergy, metformin active vs stopped, resuscitation status differs',
    epr: who.patient('epr'),
    dcr: dcr.resources,
    chie: chie.resources,
    locator: [],
    nhsVerification: '01',
    gpOds: who.gpOds,
  };
}
