// Whether an entry a source sent is about the patient it was asked about. A server that does not support a
// search parameter may ignore it rather than refuse (Microsoft's FHIR server and lenient Firely or IBM servers
// do, with at most a warning in the Bundle): a `Flag?patient=…` search then answers with every patient's flags.
// Such entries are never shown; the answer they came in cannot be trusted to be complete either.
import { NHS_NUMBER_SYSTEM, normaliseNhsNumber } from '../../../common/nhs-number';
import { isObject, objectsIn, type Json, str } from './fhir-read';
import { nhsNumberOf } from './patient-identity';

const PATIENT_REFERENCE = /(?:^|\/)Patient\/([^/?#]+)(?:\/_history\/[^/]+)?$/;

export interface PatientOnSource {
  nhsNumber: string;
  /**
   * The located Patient's id and the ids it links to (a record it replaced, or one it is the same person as).
   * Absent where no Patient was located (the record locator is searched by NHS number alone).
   */
  ids?: ReadonlySet<string>;
  /** `Patient/<id>` for each of `ids`: how nearly every entry names them, checked without a pattern. */
  references?: ReadonlySet<string>;
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
  return { nhsNumber, ids, references: new Set([...ids].map((i) => `Patient/${i}`)) };
}

/**
 * True when the entry names another patient in `subject` or `patient` (the fields that say whom an entry is
 * about, across the types the engine reads): a reference to a Patient that is not this one, or an NHS number
 * that is not theirs. An entry naming nobody, or naming them in a way we cannot check (a contained or
 * `urn:uuid:` reference), is taken as theirs: it came in answer to a search for them.
 */
export function namesAnotherPatient(resource: Json, patient: PatientOnSource): boolean {
  if (resource.resourceType === 'Patient') {
    const nhs = nhsNumberOf(resource);
    return nhs !== undefined && nhs !== patient.nhsNumber;
  }
  return namesOther(resource.subject, patient) || namesOther(resource.patient, patient);
}

function namesOther(named: unknown, patient: PatientOnSource): boolean {
  if (Array.isArray(named)) return named.some((n) => namesOther(n, patient));
  if (!isObject(named)) return false;
  if (typeof named.reference === 'string' && patient.references?.has(named.reference)) return false;
  const reference = str(named.reference);
  if (reference !== undefined) {
    const id = PATIENT_REFERENCE.exec(reference)?.[1];
    return id !== undefined && patient.ids !== undefined && !patient.ids.has(id);
  }
  const identifier = isObject(named.identifier) ? named.identifier : undefined;
  const value = str(identifier?.value);
  return (
    value !== undefined &&
    str(identifier?.system) === NHS_NUMBER_SYSTEM &&
    normaliseNhsNumber(value) !== patient.nhsNumber
  );
}
