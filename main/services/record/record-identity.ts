// Who a record is for, as the launch (or the clinician) established it, and what regional matches are
// compared with.
import type { Patient } from '../../../common/fhir';
import type { IdentityConfirmation, NhsNumberVerification } from '../../../common/record';
import type { Json } from './fhir-read';
import { demographicsOf, type Demographics, type IdentityReference } from './identity-agreement';

export interface RecordIdentity {
  nhsNumber: string;
  /** False when the NHS number is not verified (or policy forbids) — regional sources are then not asked. */
  mayQueryRegionalSources: boolean;
  /** The launching EPR's Patient: the banner comes from it, and regional matches are checked against it. */
  eprPatient?: Patient;
  /** Demographics known outside the record when there is no EPR Patient resource. */
  demographics?: Demographics;
  verification?: NhsNumberVerification;
  /** The clinician confirmed an unverified NHS number against these demographics (audited). */
  confirmation?: IdentityConfirmation;
}

/** What every regional match is compared with, when something outside the sources says who the patient is. */
export function outsideReference(identity: RecordIdentity): IdentityReference | undefined {
  // What the clinician checked with the patient comes first: regional matches must agree with it.
  if (identity.confirmation) {
    return {
      demographics: {
        family: identity.confirmation.familyName,
        birthDate: identity.confirmation.birthDate,
      },
      label: 'the details you confirmed',
    };
  }
  if (identity.eprPatient) {
    return {
      demographics: demographicsOf(identity.eprPatient as unknown as Json),
      label: 'the clinical system',
    };
  }
  return identity.demographics
    ? { demographics: identity.demographics, label: 'the clinical system' }
    : undefined;
}
