// Sensitive-coded entries (sexual health, HIV, fertility, termination, gender identity) and confidentiality
// labels R/V, mixed with ordinary entries so governance must filter rather than hide the whole record.
import { RecordBuilder, gpOrganization } from './build';
import { BASE_PLACEHOLDER, binary, tinyPdf } from './documents';
import { locatorPointer } from './pointer';
import { CODES, DMD } from './codes';
import { makeIdentity } from './identity';
import type { SandboxPatient } from './types';

export function sensitivePatient(taken: Set<string>): SandboxPatient {
  const who = makeIdentity(
    {
      key: 'sensitive',
      given: ['Olivia', 'Grace'],
      family: 'Toms',
      prefix: 'Miss',
      gender: 'female',
      birthDate: '1990-02-08',
      gpOds: 'J82150',
    },
    taken,
  );
  const dcr = new RecordBuilder('dcr-se', who.ids.dcr);
  const chie = new RecordBuilder('chie-se', who.ids.chie);
  dcr.add(who.patient('dcr'));
  chie.add(who.patient('chie'));
  chie.add(gpOrganization(who.gp));

  // Ordinary entries that must stay visible.
  chie.condition({ code: CODES.asthma, onset: '2001-04-11' });
  chie.allergy({ code: CODES.latexAllergy, recorded: '2014-06-20', reaction: CODES.rash });
  chie.medicationStatement({
    code: DMD.salbutamolInhaler,
    start: '2010-01-05',
    dosage: 'Two puffs when required',
  });

  // Sensitive by code (no label).
  chie.condition({ code: CODES.chlamydia, onset: '2019-03-02', clinicalStatus: 'resolved' });
  chie.medicationStatement({
    code: DMD.doxycycline100,
    start: '2019-03-02',
    end: '2019-03-09',
    status: 'completed',
    dosage: 'One capsule twice a day for 7 days',
  });
  chie.procedure({ code: CODES.gumClinicReferral, date: '2019-02-27' });
  chie.procedure({ code: CODES.ivf, date: '2023-10-16' });
  chie.condition({ code: CODES.genderDysphoria, onset: '2016-05-05', clinicalStatus: 'inactive' });
  // Sensitive by code and labelled.
  chie.condition({ code: CODES.hiv, onset: '2021-11-30', security: 'R' });
  chie.medicationStatement({
    code: DMD.emtricitabineTenofovir,
    start: '2021-12-01',
    dosage: 'One tablet once a day',
    security: 'R',
  });
  dcr.procedure({ code: CODES.termination, date: '2012-08-14', security: 'V' });
  // Labelled only: an ordinary code marked very restricted by the recording clinician.
  dcr.condition({
    code: CODES.osteoarthritis,
    onset: '2022-01-20',
    security: 'V',
    note: 'Recorded at patient request as restricted',
  });
  dcr.condition({ code: CODES.fallsRisk, onset: '2024-04-02' });
  // Labelled in `securityLabel` only (a document's labels, as NRL pointers carry them): a letter in DCR and a
  // crisis plan held in CHIE that the record locator lists.
  const letterPdf = binary(
    'sensitive-psychology-letter',
    'application/pdf',
    tinyPdf('Clinical psychology letter - Olivia Toms', [
      `NHS number ${who.nhs}`,
      'Seen at her request; details restricted at the patient’s wish.',
    ]),
    who.ids.dcr,
  );
  dcr.add(letterPdf);
  dcr.document({
    type: CODES.clinicLetter,
    date: '2023-02-14',
    description: 'Clinical psychology letter',
    url: `${BASE_PLACEHOLDER.dcr}/Binary/${letterPdf.id}`,
    contentType: 'application/pdf',
    author: 'Dorset HealthCare University NHS Foundation Trust',
    documentSecurity: 'V',
  });
  const crisisPdf = binary(
    'sensitive-crisis-plan',
    'application/pdf',
    tinyPdf('Mental health crisis plan - Olivia Toms', [`NHS number ${who.nhs}`, 'Restricted.']),
    who.ids.chie,
  );
  chie.add(crisisPdf);
  const locator = [
    locatorPointer({
      id: 'ptr-sensitive-crisis-plan',
      nhs: who.nhs,
      type: CODES.crisisPlan,
      custodianOds: 'RDY',
      custodianName: 'Dorset HealthCare University NHS Foundation Trust',
      url: `${BASE_PLACEHOLDER.chie}/Binary/${crisisPdf.id}`,
      contentType: 'application/pdf',
      date: '2024-09-03',
      description: 'Mental health crisis plan',
      security: 'V',
    }),
  ];

  return {
    key: 'sensitive',
    nhsNumber: who.nhs,
    name: who.name,
    birthDate: who.birthDate,
    demonstrates:
      'Sensitive-coded entries (HIV, sexual health, IVF, termination, gender dysphoria) and R/V confidentiality labels next to ordinary entries, including a DCR letter and a record-locator crisis plan labelled "very restricted" in securityLabel',
    epr: who.patient('epr'),
    dcr: dcr.resources,
    chie: chie.resources,
    locator,
    nhsVerification: '01',
    gpOds: who.gpOds,
  };
}
