// The launched patient's NHS number: from the identifier with system https://fhir.nhs.uk/Id/nhs-number, its
// verification status from the UK Core extension or the CareConnect STU3 / GP Connect variants, and the
// modulus-11 check. Only a valid, verified number may be used to query other servers without asking.
import type { Patient } from '../../../common/fhir';
import {
  formatNhsNumber,
  isValidNhsNumber,
  NHS_NUMBER_SYSTEM,
  normaliseNhsNumber,
} from '../../../common/nhs-number';
import type { NhsNumberVerification } from '../../../common/record';
import { lookup } from '../../../common/json';

export const VERIFICATION_EXTENSIONS = {
  'uk-core': 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus',
  'care-connect':
    'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-NHSNumberVerificationStatus-1',
  'gp-connect':
    'https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-NHSNumberVerificationStatus-1',
} as const;
export type VerificationProfile = keyof typeof VERIFICATION_EXTENSIONS;

/** NHS Data Dictionary "NHS number status indicator code" (same codes in all three code systems). */
const STATUS_TEXT: Record<string, string> = {
  '01': 'Number present and verified',
  '02': 'Number present but not traced',
  '03': 'Trace required',
  '04': 'Trace attempted - No match or multiple match found',
  '05': 'Trace needs to be resolved - (NHS number or patient detail conflict)',
  '06': 'Trace in progress',
  '07': 'Number not present and trace not required',
  '08': 'Trace postponed (baby under six weeks old)',
};

export interface NhsIdentity {
  nhsNumber?: string;
  /** "943 476 5919" */
  formatted?: string;
  valid: boolean;
  verification: NhsNumberVerification;
  verificationCode?: string;
  verificationDisplay?: string;
  verificationProfile?: VerificationProfile;
  /** The engine may use this number to query regional servers without asking the user first. */
  safeToQueryOtherServers: boolean;
  /** Plain-words warning for the banner when the number is not safe to use. */
  warning?: string;
}

export function nhsIdentityOf(patient: Patient): NhsIdentity {
  const identifier = (patient.identifier ?? []).find((i) => i.system === NHS_NUMBER_SYSTEM && i.value);
  if (!identifier?.value) {
    return {
      valid: false,
      verification: 'unknown',
      safeToQueryOtherServers: false,
      warning: 'The EPR did not send an NHS number for this patient; other records were not searched.',
    };
  }
  const nhsNumber = normaliseNhsNumber(identifier.value);
  const valid = isValidNhsNumber(nhsNumber);
  const base = { nhsNumber, formatted: formatNhsNumber(nhsNumber), valid };
  if (!valid) {
    return {
      ...base,
      verification: 'invalid',
      safeToQueryOtherServers: false,
      warning:
        'The NHS number from the EPR fails the NHS number check digit; other records were not searched.',
    };
  }
  let profile: VerificationProfile | undefined;
  let coding: { code?: string; display?: string } | undefined;
  for (const extension of identifier.extension ?? []) {
    const match = (Object.keys(VERIFICATION_EXTENSIONS) as VerificationProfile[]).find(
      (p) => VERIFICATION_EXTENSIONS[p] === extension.url,
    );
    if (!match) continue;
    profile = match;
    coding = extension.valueCodeableConcept?.coding?.find((c) => c.code);
    break;
  }
  const code = coding?.code;
  const verification: NhsNumberVerification =
    code === '01' ? 'verified' : code === '04' ? 'not-traced' : code ? 'unverified' : 'unknown';
  const verificationDisplay = coding?.display ?? (code ? lookup(STATUS_TEXT, code) : undefined);
  const safe = verification === 'verified';
  return {
    ...base,
    verification,
    verificationCode: code,
    verificationDisplay,
    verificationProfile: profile,
    safeToQueryOtherServers: safe,
    warning: safe
      ? undefined
      : `The NHS number is not verified (${verificationDisplay ?? 'no verification status recorded'}); ` +
        'confirm the patient before searching other records.',
  };
}
