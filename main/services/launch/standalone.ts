// Standalone launch, second step: find the patient on the signed-in server by NHS number (+ date of birth).
// The reason for access is taken here and handed to the caller's hook (the audit records it) before the
// patient is returned, so no record can be fetched without one.
import type { Bundle, Patient } from '../../../common/fhir';
import { isValidNhsNumber, NHS_NUMBER_SYSTEM, normaliseNhsNumber } from '../../../common/nhs-number';
import { FetchFailure } from '../http';
import type { AuthorizedFetch } from './authorized-fetch';
import { LaunchError } from './errors';
import { toLaunchPatient, type LaunchPatient } from './launch-context';

export interface AccessReason {
  code: string;
  text?: string;
}

export interface PatientSearch {
  nhsNumber: string;
  /** YYYY-MM-DD */
  birthDate?: string;
  reason: AccessReason;
}

export async function findStandalonePatient(
  fhirBase: string,
  fetch: AuthorizedFetch,
  search: PatientSearch,
  onAccessReason?: (reason: AccessReason, patient: LaunchPatient) => Promise<void>,
): Promise<LaunchPatient> {
  const nhsNumber = normaliseNhsNumber(search.nhsNumber);
  if (!isValidNhsNumber(nhsNumber)) {
    throw new LaunchError(
      'patient-not-found',
      'That is not a valid NHS number (check the digits); nothing was searched.',
    );
  }
  if (search.birthDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(search.birthDate)) {
    throw new LaunchError('patient-not-found', 'Date of birth must be written as YYYY-MM-DD.');
  }
  if (!search.reason.code.trim())
    throw new LaunchError('patient-not-found', 'A reason for access is required.');
  const query = new URLSearchParams({ identifier: `${NHS_NUMBER_SYSTEM}|${nhsNumber}` });
  if (search.birthDate) query.set('birthdate', search.birthDate);
  const response = await fetch(`${fhirBase}/Patient?${query}`).catch((error: unknown) => {
    if (!(error instanceof FetchFailure)) throw error;
    throw new LaunchError('patient-not-found', `The patient search failed: the EPR ${error.message}.`, {
      cause: error,
    });
  });
  if (!response.ok) {
    await response.body?.cancel();
    throw new LaunchError('patient-not-found', `The patient search failed (HTTP ${response.status}).`);
  }
  const bundle = (await response.json().catch(() => undefined)) as Bundle | undefined;
  const patients = (bundle?.entry ?? [])
    .map((e) => e.resource)
    .filter((r): r is Patient => r?.resourceType === 'Patient');
  if (patients.length === 0) {
    throw new LaunchError(
      'patient-not-found',
      'No patient with that NHS number and date of birth was found.',
    );
  }
  if (patients.length > 1) {
    throw new LaunchError(
      'patient-not-found',
      'More than one patient matched; check the details with the patient.',
    );
  }
  const patient = toLaunchPatient(patients[0] as Patient);
  await onAccessReason?.(search.reason, patient);
  return patient;
}
