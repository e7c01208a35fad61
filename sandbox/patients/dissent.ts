// Has dissented from sharing: both regional sources hold a patient-privacy Consent with provision "deny".
// The viewer must not show (or cache) their regional data; the data is there so a leak would be visible.
import type { Consent } from '../../common/fhir';
import { RecordBuilder, gpOrganization, meta } from './build';
import { CODES, DMD, LOINC, PROFILE } from './codes';
import { makeIdentity } from './identity';
import type { SandboxPatient } from './types';

function dissentConsent(b: RecordBuilder, date: string, recordName: string): Consent {
  return b.add<Consent>({
    resourceType: 'Consent',
    id: b.nextId('consent'),
    meta: meta({ profile: PROFILE.consent, date }),
    status: 'active',
    scope: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/consentscope',
          code: 'patient-privacy',
          display: 'Privacy Consent',
        },
      ],
    },
    category: [{ coding: [{ system: LOINC, code: '59284-0', display: 'Patient Consent' }] }],
    patient: b.patientRef,
    dateTime: date,
    policyRule: { text: `Patient has dissented from sharing their ${recordName} record` },
    provision: { type: 'deny', period: { start: date } },
  });
}

export function dissentPatient(taken: Set<string>): SandboxPatient {
  const who = makeIdentity(
    {
      key: 'dissent',
      given: ['Susan'],
      family: 'Pike',
      prefix: 'Ms',
      gender: 'female',
      birthDate: '1968-07-23',
      gpOds: 'J81058',
    },
    taken,
  );
  const dcr = new RecordBuilder('dcr-ds', who.ids.dcr);
  const chie = new RecordBuilder('chie-ds', who.ids.chie);
  dcr.add(who.patient('dcr'));
  chie.add(who.patient('chie'));
  dcr.add(gpOrganization(who.gp));
  dissentConsent(dcr, '2023-01-16', 'Dorset Care Record');
  dissentConsent(chie, '2023-01-16', 'CHIE');
  dcr.condition({ code: CODES.asthma, onset: '1990-05-01' });
  dcr.medicationStatement({
    code: DMD.salbutamolInhaler,
    start: '2015-03-02',
    dosage: 'Two puffs when required',
  });
  chie.allergy({
    code: CODES.penicillinAllergy,
    recorded: '2008-09-09',
    reaction: CODES.anaphylaxis,
    criticality: 'high',
  });

  return {
    key: 'dissent',
    nhsNumber: who.nhs,
    name: who.name,
    birthDate: who.birthDate,
    demonstrates:
      'Has dissented from sharing: patient-privacy Consent (deny) in DCR and CHIE; regional data must be withheld',
    epr: who.patient('epr'),
    dcr: dcr.resources,
    chie: chie.resources,
    locator: [],
    nhsVerification: '01',
    dissent: true,
    gpOds: who.gpOds,
  };
}
