// Reading who a Patient resource is: NHS number (UK Core and CareConnect STU3 shapes), verification status,
// banner demographics, and whether a regional copy agrees with the launching EPR.
import type { NhsNumberVerification, PatientSummary } from '../../../common/record';
import { isValidNhsNumber, NHS_NUMBER_SYSTEM, normaliseNhsNumber } from '../../../common/nhs-number';
import { asArray, isObject, objectsIn, type Json, referenceDisplay, str } from './fhir-read';
import { lookup } from '../../../common/json';

const NHS_SYSTEMS = new Set([
  NHS_NUMBER_SYSTEM,
  'http://fhir.nhs.net/Id/nhs-number',
  'urn:oid:2.16.840.1.113883.2.1.4.1',
]);

/** NHS Data Dictionary "NHS number status indicator" codes → what the banner says. */
const VERIFICATION_BY_CODE: Record<string, NhsNumberVerification> = {
  '01': 'verified',
  '02': 'unverified',
  '03': 'unverified',
  '04': 'not-traced',
  '05': 'unverified',
  '06': 'unverified',
  '07': 'unverified',
  '08': 'unverified',
};

function nhsIdentifier(patient: Json): Json | undefined {
  return objectsIn(patient.identifier).find((id) => NHS_SYSTEMS.has(str(id.system) ?? '') && str(id.value));
}

export function nhsNumberOf(patient: Json): string | undefined {
  const value = str(nhsIdentifier(patient)?.value);
  return value ? normaliseNhsNumber(value) : undefined;
}

export function verificationOf(patient: Json): { verification: NhsNumberVerification; display?: string } {
  const id = nhsIdentifier(patient);
  if (!id) return { verification: 'unknown' };
  if (!isValidNhsNumber(str(id.value) ?? '')) return { verification: 'invalid' };
  const ext = objectsIn(id.extension).find((e) => /NHSNumberVerificationStatus/i.test(str(e.url) ?? ''));
  const coding = isObject(ext?.valueCodeableConcept)
    ? objectsIn(ext.valueCodeableConcept.coding)[0]
    : undefined;
  const code = str(coding?.code);
  if (!code) return { verification: 'unknown' };
  return { verification: lookup(VERIFICATION_BY_CODE, code) ?? 'unknown', display: str(coding?.display) };
}

function currentName(patient: Json): Json | undefined {
  const names = objectsIn(patient.name);
  return names.find((n) => n.use === 'official') ?? names.find((n) => n.use === 'usual') ?? names[0];
}

export function familyName(patient: Json): string | undefined {
  return str(currentName(patient)?.family);
}

/** "SURNAME, Given Names (Title)" as NHS banners show it; the name text when it has no parts. */
export function bannerName(patient: Json): string {
  const name = currentName(patient);
  if (!name) return 'Name not recorded';
  const family = str(name.family);
  const given = asArray(name.given).map(str).filter(Boolean).join(' ');
  const prefix = asArray(name.prefix).map(str).filter(Boolean).join(' ');
  if (!family && !given) return str(name.text) ?? 'Name not recorded';
  const core = [family?.toUpperCase(), given].filter(Boolean).join(', ');
  return prefix ? `${core} (${prefix})` : core;
}

function formatAddress(patient: Json): string | undefined {
  const addresses = objectsIn(patient.address);
  const current =
    addresses.find(
      (a) => (a.use === 'home' || a.use === undefined) && !(isObject(a.period) && a.period.end),
    ) ?? addresses[0];
  if (!current) return undefined;
  const parts = [
    ...asArray(current.line).map(str),
    str(current.city),
    str(current.district),
    str(current.postalCode),
  ];
  const text = parts.filter(Boolean).join(', ');
  return text || str(current.text);
}

export function patientSummary(patient: Json): PatientSummary {
  const { verification, display } = verificationOf(patient);
  const summary: PatientSummary = { name: bannerName(patient), verification };
  const nhs = nhsNumberOf(patient);
  if (nhs) summary.nhsNumber = nhs;
  if (display) summary.verificationDisplay = display;
  const birthDate = str(patient.birthDate);
  if (birthDate) summary.birthDate = birthDate;
  const sex = str(patient.gender);
  if (sex) summary.sex = sex;
  const address = formatAddress(patient);
  if (address) summary.address = address;
  const gp = asArray(patient.generalPractitioner).map(referenceDisplay).find(Boolean);
  if (gp) summary.registeredGp = gp;
  const deceased = deceasedOf(patient);
  if (deceased) summary.deceased = deceased;
  return summary;
}

/** deceasedDateTime (the date part) or deceasedBoolean true; undefined when the source says nothing. */
function deceasedOf(patient: Json): { date?: string } | undefined {
  const when = str(patient.deceasedDateTime);
  if (when) return { date: when.slice(0, 10) };
  return patient.deceasedBoolean === true ? {} : undefined;
}
