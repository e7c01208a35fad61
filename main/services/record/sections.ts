// Which section of the urgent-care view an entry belongs to.
import type { SectionId } from '../../../common/record';
import { ADVANCE_CARE_CODES, ADVANCE_CARE_TEXT } from './clinical-codes';
import { asArray, conceptDisplay, hasCodeIn, type Json, mainConcept, str } from './fhir-read';
import { lookup } from '../../../common/json';

const BY_TYPE: Record<string, SectionId> = {
  Flag: 'alerts',
  AllergyIntolerance: 'allergies',
  MedicationStatement: 'medications',
  MedicationRequest: 'medications',
  MedicationAdministration: 'medications',
  MedicationDispense: 'medications',
  Condition: 'problems',
  RelatedPerson: 'contacts',
  CareTeam: 'contacts',
  EpisodeOfCare: 'contacts',
  Observation: 'results',
  DiagnosticReport: 'results',
  Encounter: 'encounters',
  DocumentReference: 'documents',
  Composition: 'documents',
  Immunization: 'immunisations',
  CarePlan: 'carePlans',
  Procedure: 'procedures',
  Appointment: 'appointments',
  Consent: 'advanceCare',
};

/** Locator pointers are documents, and advance care plans (ReSPECT, crisis plans) among them. */
export const LOCATOR_SECTIONS: readonly SectionId[] = ['advanceCare', 'documents'];

/**
 * The sections an entry is shown in: its own, and the documents list for a document that is an advance care
 * plan (the list shows those too).
 */
export function sectionsShowing(resourceType: string, section: SectionId): readonly SectionId[] {
  return section === 'advanceCare' && (resourceType === 'DocumentReference' || resourceType === 'Composition')
    ? LOCATOR_SECTIONS
    : [section];
}

/** Resource types that support other entries (banner, medication names) and are not entries themselves. */
export const SUPPORTING_TYPES = new Set([
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Medication',
  'Provenance',
  'OperationOutcome',
  'Bundle',
]);

/** Types whose entries can carry an advance care decision (a DNACPR flag, a ReSPECT document, an EoL plan). */
const ADVANCE_CARE_CAPABLE = new Set([
  'Flag',
  'DocumentReference',
  'Composition',
  'CarePlan',
  'Condition',
  'Observation',
]);

function isAdvanceCare(resource: Json, main: unknown): boolean {
  if (
    hasCodeIn(main, ADVANCE_CARE_CODES) ||
    asArray(resource.category).some((c) => hasCodeIn(c, ADVANCE_CARE_CODES)) ||
    hasCodeIn(resource.code, ADVANCE_CARE_CODES)
  )
    return true;
  const text = conceptDisplay(main) ?? str(resource.title) ?? str(resource.description);
  return text !== undefined && ADVANCE_CARE_TEXT.test(text);
}

/** Worked out once per resource with its other facts: see resource-facts.ts. */
export function classifySection(resource: Json, concept: unknown = mainConcept(resource)): SectionId {
  const type = str(resource.resourceType) ?? '';
  if (type === 'Consent') return 'advanceCare';
  if (ADVANCE_CARE_CAPABLE.has(type) && isAdvanceCare(resource, concept)) return 'advanceCare';
  return lookup(BY_TYPE, type) ?? 'other';
}

/** Resource types asked for first: together they fill every critical section. */
export const CRITICAL_TYPES = [
  'Flag',
  'Consent',
  'AllergyIntolerance',
  'MedicationStatement',
  'MedicationRequest',
  // Dispensings are issues of the medicines above: "last issued" is not known until they have been read.
  'MedicationDispense',
  'Condition',
  'CarePlan',
] as const;

/**
 * Types that also fill urgent-care sections (hospital administrations, documents as Compositions) but that most
 * regional servers do not hold: asked for with the urgent-care types only where the server lists them, or where
 * its list is not to be trusted (a refused $everything), so other servers are not sent a search they refuse on
 * every open.
 */
export const CRITICAL_TYPES_IF_LISTED = ['Composition', 'MedicationAdministration'] as const;

/**
 * Financial resource types (US-style claims and coverage, as Synthea and HAPI servers hold): not part of a
 * clinical record. Left out wherever a server sends them unasked, and said so.
 */
export const BILLING_TYPES = new Set([
  'Account',
  'ChargeItem',
  'Claim',
  'ClaimResponse',
  'Coverage',
  'CoverageEligibilityRequest',
  'CoverageEligibilityResponse',
  'EnrollmentRequest',
  'EnrollmentResponse',
  'ExplanationOfBenefit',
  'Invoice',
  'PaymentNotice',
  'PaymentReconciliation',
]);

export const OTHER_TYPES = [
  'Observation',
  'DiagnosticReport',
  'Encounter',
  'Procedure',
  'Immunization',
  'DocumentReference',
  'CareTeam',
  'RelatedPerson',
  'EpisodeOfCare',
  'Appointment',
  'List',
] as const;

/** The advance care searches made up front (advance-care-reads.ts), by their labels. */
export const ADVANCE_CARE_DOCUMENTS = 'advance care documents';
export const ADVANCE_CARE_OBSERVATIONS = 'advance care observations';

/** Advance care document types, searched for in the critical phase before the full document list. */
export const ADVANCE_CARE_DOCUMENT_TYPES = [
  '1382601000000107',
  '736373009',
  '861421000000109',
  '736253002',
  '887701000000100',
];

export function allTypes(): string[] {
  return [...CRITICAL_TYPES, ...OTHER_TYPES];
}

/**
 * The sections a resource type can fill: its own, plus the advance care section for types that can carry an
 * advance care decision. A source that could not read a type leaves exactly these sections incomplete.
 */
export function sectionsHoldingType(type: string): SectionId[] {
  if (type === ADVANCE_CARE_DOCUMENTS || type === ADVANCE_CARE_OBSERVATIONS) return ['advanceCare'];
  if (SUPPORTING_TYPES.has(type)) return [];
  const own = lookup(BY_TYPE, type) ?? 'other';
  return ADVANCE_CARE_CAPABLE.has(type) && own !== 'advanceCare' ? [own, 'advanceCare'] : [own];
}
