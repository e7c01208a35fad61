// The EPR holds an NHS number that has not been traced against PDS (UK Core verification code 02). The
// regional sources know the number, so a viewer that looks it up without warning would show data.
import { RecordBuilder, gpOrganization } from './build';
import { CODES, DMD } from './codes';
import { makeIdentity } from './identity';
import type { SandboxPatient } from './types';

export function notTracedPatient(taken: Set<string>): SandboxPatient {
  const who = makeIdentity(
    {
      key: 'not-traced',
      given: ['Harry'],
      family: 'Barnes',
      prefix: 'Mr',
      gender: 'male',
      birthDate: '1983-12-30',
      gpOds: 'J84012',
      eprVerification: '02',
    },
    taken,
  );
  const dcr = new RecordBuilder('dcr-nt', who.ids.dcr);
  dcr.add(who.patient('dcr'));
  dcr.add(gpOrganization(who.gp));
  dcr.condition({ code: CODES.asthma, onset: '1995-09-09' });
  dcr.medicationStatement({
    code: DMD.salbutamolInhaler,
    start: '2012-01-01',
    dosage: 'Two puffs when required',
  });

  return {
    key: 'not-traced',
    nhsNumber: who.nhs,
    name: who.name,
    birthDate: who.birthDate,
    demonstrates: 'EPR NHS number verification status "Number present but not traced" (UK Core code 02)',
    epr: who.patient('epr'),
    dcr: dcr.resources,
    chie: [],
    locator: [],
    nhsVerification: '02',
    gpOds: who.gpOds,
  };
}
