import type { DocumentReference, Patient, Resource } from '../../common/fhir';

/** A synthetic Wessex patient as the sandbox seeds it into each server. */
export interface SandboxPatient {
  /**
   * Short stable key, e.g. "cross-border", "frail", "dissent", "sensitive", "not-traced", "mixed-identity",
   * "deceased", "large", "synthea-1".
   */
  key: string;
  nhsNumber: string;
  name: string;
  birthDate: string;
  /** What this patient demonstrates, in a sentence (printed by `wessex sandbox`). */
  demonstrates: string;
  /** Demographics as the launching EPR holds them (Patient with an id). */
  epr: Patient;
  /** Resources held by the Dorset Care Record (including its own Patient). */
  dcr: Resource[];
  /** Resources held by CHIE (including its own Patient). */
  chie: Resource[];
  /** Record-locator pointers (NRL-style DocumentReference). */
  locator: DocumentReference[];
  /** UK Core NHS number verification status code as the EPR holds it ('01' verified, '02' not traced, ...). */
  nhsVerification?: string;
  /** True when the patient has dissented from sharing (Consent deny, scope patient-privacy, in the regional sources). */
  dissent?: boolean;
  /** ODS code of the registered GP practice. */
  gpOds?: string;
}
