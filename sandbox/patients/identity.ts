// One synthetic person as each system knows them: the EPR, DCR and CHIE hold the same NHS number under
// their own local Patient ids (clients must locate by NHS number, never assume ids match).
import type { Patient } from '../../common/fhir';
import { ukCorePatient } from './build';
import type { NhsVerificationCode } from './codes';
import { homeAddress, practice, type GpPractice } from './places';
import { Prng, testNhsNumber } from './prng';

export interface IdentitySpec {
  key: string;
  given: string[];
  family: string;
  prefix?: string;
  gender: Patient['gender'];
  birthDate: string;
  gpOds: string;
  /** Verification status as the EPR holds it; regional sources hold '01' unless told otherwise. */
  eprVerification?: NhsVerificationCode;
  /** Date of death, held by every system. */
  deceased?: string;
  /** Another person's NHS number, wrongly given to this one too (default: a number of their own). */
  sharesNhsNumber?: string;
}

export interface Identity extends IdentitySpec {
  nhs: string;
  gp: GpPractice;
  rng: Prng;
  ids: { epr: string; dcr: string; chie: string };
  name: string;
  patient(source: 'epr' | 'dcr' | 'chie', verification?: NhsVerificationCode): Patient;
}

export function makeIdentity(spec: IdentitySpec, taken: Set<string>): Identity {
  const rng = new Prng(`patient:${spec.key}`);
  const nhs = spec.sharesNhsNumber ?? testNhsNumber(spec.key, taken);
  const gp = practice(spec.gpOds);
  const address = homeAddress(rng, gp);
  const phone = `01${rng.int(202, 983)} ${rng.int(100000, 999999)}`;
  const ids = {
    epr: `epr-${rng.hex(8)}`,
    dcr: `dcr-${rng.hex(10)}`,
    chie: `${rng.int(1_000_000, 9_999_999)}`,
  };
  return {
    ...spec,
    nhs,
    gp,
    rng,
    ids,
    name: `${spec.given.join(' ')} ${spec.family}`,
    patient(source, verification) {
      return ukCorePatient({
        id: ids[source],
        nhs,
        verification: verification ?? (source === 'epr' ? (spec.eprVerification ?? '01') : '01'),
        given: spec.given,
        family: spec.family,
        prefix: spec.prefix,
        gender: spec.gender,
        birthDate: spec.birthDate,
        deceased: spec.deceased,
        address,
        gp,
        phone,
      });
    },
  };
}
