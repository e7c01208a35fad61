// Two different people under one NHS number (a registration error that happens in real systems): the Dorset
// Care Record holds a man born 1956, CHIE a woman born 1987 with the same number. Each has entries that are
// plainly theirs, so a viewer that merges the two records shows a record that belongs to nobody.
import { RecordBuilder, gpOrganization } from './build';
import { CODES, DMD } from './codes';
import { makeIdentity } from './identity';
import type { SandboxPatient } from './types';

export function mixedIdentityPatient(taken: Set<string>): SandboxPatient {
  // Person A: the EPR's patient and the Dorset Care Record's.
  const him = makeIdentity(
    {
      key: 'mixed-identity',
      given: ['Peter', 'Alan'],
      family: 'Hollis',
      prefix: 'Mr',
      gender: 'male',
      birthDate: '1956-03-22',
      gpOds: 'J81033',
    },
    taken,
  );
  // Person B: someone else whom CHIE holds under the same NHS number.
  const her = makeIdentity(
    {
      key: 'mixed-identity-chie',
      given: ['Chloe', 'Marie'],
      family: 'Dunn',
      prefix: 'Ms',
      gender: 'female',
      birthDate: '1987-10-29',
      gpOds: 'J82077',
      sharesNhsNumber: him.nhs,
    },
    taken,
  );
  const dcr = new RecordBuilder('dcr-mi', him.ids.dcr);
  const chie = new RecordBuilder('chie-mi', her.ids.chie);
  dcr.add(him.patient('dcr'));
  dcr.add(gpOrganization(him.gp));
  chie.add(her.patient('chie'));
  chie.add(gpOrganization(her.gp));

  dcr.allergy({
    code: CODES.penicillinAllergy,
    recorded: '1998-05-12',
    reaction: CODES.anaphylaxis,
    criticality: 'high',
  });
  dcr.condition({ code: CODES.atrialFibrillation, onset: '2019-11-04' });
  dcr.condition({ code: CODES.prostaticHyperplasia, onset: '2021-06-15' });
  dcr.medicationRequest({
    code: DMD.apixaban5,
    authored: '2019-11-04',
    dosage: 'One tablet twice a day',
    repeat: true,
    lastIssued: '2025-09-08',
  });

  chie.allergy({ code: CODES.latexAllergy, recorded: '2012-02-27', reaction: CODES.rash });
  chie.condition({ code: CODES.asthma, onset: '1995-08-01' });
  chie.condition({ code: CODES.pregnant, onset: '2025-07-14' });
  chie.medicationStatement({
    code: DMD.salbutamolInhaler,
    start: '2010-04-19',
    dosage: 'Two puffs when required',
  });

  return {
    key: 'mixed-identity',
    nhsNumber: him.nhs,
    name: him.name,
    birthDate: him.birthDate,
    demonstrates: `Two people under one NHS number: DCR holds ${him.name} (male, born 1956; apixaban, penicillin anaphylaxis), CHIE holds ${her.name} (female, born 1987; pregnant, asthma, latex allergy); never merge them`,
    epr: him.patient('epr'),
    dcr: dcr.resources,
    chie: chie.resources,
    locator: [],
    nhsVerification: '01',
    gpOds: him.gpOds,
  };
}
