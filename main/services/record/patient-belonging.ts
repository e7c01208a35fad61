// Whether an entry a source sent is about the patient it was asked about. A server that does not support a
// search parameter may ignore it rather than refuse (Microsoft's FHIR server and lenient Firely or IBM servers
// do, with at most a warning in the Bundle): a `Flag?patient=…` search then answers with every patient's flags.
// Such entries are never shown; the answer they came in cannot be trusted to be complete either.
import { NHS_NUMBER_SYSTEM, normaliseNhsNumber } from '../../../common/nhs-number';
import { isObject, objectsIn, type Json, str } from './fhir-read';
import { nhsNumberOf } from './patient-identity';

/** The fields that name the patient an entry is about, across the resource types the engine reads. */
const PATIENT_FIELDS = ['subject', 'patient'] as const;

const PATIENT_REFERENCE = /(?:^|\/)Patient\/([^/?#]+)(?:\/_history\/[^/]+)?$/;

export interface PatientOnSource {
  nhsNumber: string;
  /**
   * The located Patient's id and the ids it links to (a record it replaced, or one it is the same person as).
   * Absent where no Patient was located (the record locator is searched by NHS number alone).
   */
  ids?: ReadonlySet<string>;
}

export function patientOnSource(patient: Json, nhsNumber: string): PatientOnSource {
  const ids = new Set<string>();
  const id = str(patient.id);
  if (id) ids.add(id);
  for (const link of objectsIn(patient.link)) {
    const other = isObject(link.other) ? str(link.other.reference) : undefined;
    const linked = other ? PATIENT_REFERENCE.exec(other)?.[1] : undefined;
    if (linked) ids.add(linked);
  }
  return { nhsNumber, ids };
}

/**
 * True when the entry names another patient: a reference to a Patient that is not this one, or an NHS number
 * that is not theirs. An entry naming nobody, or naming them in a way we cannot check (a contained or
 * `urn:uuid:` reference), is taken as theirs: it came in answer to a search for them.
 */
export function namesAnotherPatient(resource: Json, patient: PatientOnSource): boolean {
  if (resource.resourceType === 'Patient') {
    const nhs = nhsNumberOf(resource);
    return nhs !== undefined && nhs !== patient.nhsNumber;
  }
  for (const field of PATIENT_FIELDS) {
    for (const named of objectsIn(resource[field])) {
      const reference = str(named.reference);
      if (reference !== undefined) {
        const id = PATIENT_REFERENCE.exec(reference)?.[1];
        if (id !== undefined && patient.ids && !patient.ids.has(id)) return true;
        continue;
      }
      const identifier = isObject(named.identifier) ? named.identifier : undefined;
      const value = str(identifier?.value);
      if (
        value &&
        str(identifier?.system) === NHS_NUMBER_SYSTEM &&
        normaliseNhsNumber(value) !== patient.nhsNumber
      )
        return true;
    }
  }
  return false;
}
