// Code systems and the concepts the synthetic patients use. SNOMED CT concepts (including dm+d, which is
// SNOMED-coded in UK Core) — see README.md for the list and which ones are sensitive.
import type { CodeableConcept, Coding } from '../../common/fhir';

export const SNOMED = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const NHS_NUMBER = 'https://fhir.nhs.uk/Id/nhs-number';
export const ODS_ORG = 'https://fhir.nhs.uk/Id/ods-organization-code';
export const SDS_USER = 'https://fhir.nhs.uk/Id/sds-user-id';
export const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
/** Business identifiers a GP system stamps on each record entry; shared entries carry the same one in DCR and CHIE. */
export const WESSEX_ENTRY_ID = 'https://fhir.wessex.example.nhs.uk/Id/gp-record-entry';

export const NHS_VERIFICATION_URL =
  'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus';
export const NHS_VERIFICATION_SYSTEM =
  'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland';
export const NHS_VERIFICATION_DISPLAY = {
  '01': 'Number present and verified',
  '02': 'Number present but not traced',
  '03': 'Trace required',
  '04': 'Trace attempted - No match or multiple match found',
  '05': 'Trace needs to be resolved - (NHS Number or patient detail conflict)',
  '06': 'Trace in progress',
  '07': 'Number not present and trace not required',
  '08': 'Trace postponed (baby under six weeks old)',
} as const;
export type NhsVerificationCode = keyof typeof NHS_VERIFICATION_DISPLAY;

export const PROFILE = {
  patient: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient',
  allergy: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-AllergyIntolerance',
  condition: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Condition',
  medicationStatement: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-MedicationStatement',
  medicationRequest: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-MedicationRequest',
  medicationDispense: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-MedicationDispense',
  observation: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Observation',
  diagnosticReport: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-DiagnosticReport',
  flag: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Flag',
  consent: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Consent',
  documentReference: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-DocumentReference',
  encounter: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Encounter',
  carePlan: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-CarePlan',
  careTeam: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-CareTeam',
  relatedPerson: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-RelatedPerson',
  episodeOfCare: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-EpisodeOfCare',
  procedure: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Procedure',
  immunization: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Immunization',
  organization: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Organization',
  practitioner: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Practitioner',
  binary: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Binary',
} as const;

export function sct(code: string, display: string): Coding {
  return { system: SNOMED, code, display };
}

export function concept(code: string, display: string): CodeableConcept {
  return { coding: [sct(code, display)], text: display };
}

export const CODES = {
  // Allergies
  noKnownAllergy: sct('716186003', 'No known allergy'),
  penicillinAllergy: sct('91936005', 'Allergy to penicillin'),
  latexAllergy: sct('300916003', 'Latex allergy'),
  rash: sct('271807003', 'Eruption of skin'),
  anaphylaxis: sct('39579001', 'Anaphylaxis'),
  // Problems
  hypertension: sct('38341003', 'Hypertensive disorder'),
  diabetesType2: sct('44054006', 'Diabetes mellitus type 2'),
  asthma: sct('195967001', 'Asthma'),
  copd: sct('13645005', 'Chronic obstructive lung disease'),
  atrialFibrillation: sct('49436004', 'Atrial fibrillation'),
  heartFailure: sct('84114007', 'Heart failure'),
  dementia: sct('52448006', 'Dementia'),
  ckd3: sct('433144002', 'Chronic kidney disease stage 3'),
  fallsRisk: sct('129839007', 'At risk for falls'),
  osteoarthritis: sct('396275006', 'Osteoarthritis'),
  prostaticHyperplasia: sct('266569009', 'Benign prostatic hyperplasia'),
  pregnant: sct('77386006', 'Pregnant'),
  // Sensitive (see README.md): withheld or restricted by governance
  hiv: sct('86406008', 'Human immunodeficiency virus infection'),
  chlamydia: sct('105629000', 'Chlamydial infection'),
  gumClinicReferral: sct('183694003', 'Referral to genitourinary clinic'),
  ivf: sct('52637005', 'In vitro fertilization'),
  termination: sct('386639001', 'Termination of pregnancy'),
  genderDysphoria: sct('93461009', 'Gender dysphoria'),
  // Resuscitation and advance care
  dnacpr: sct('304253006', 'Not for resuscitation'),
  forResuscitation: sct('304252001', 'For resuscitation'),
  cpr: sct('89666000', 'Cardiopulmonary resuscitation'),
  respect: sct(
    '1382601000000107',
    'ReSPECT (Recommended Summary Plan for Emergency Care and Treatment) form',
  ),
  eolCarePlan: sct('736373009', 'End of life care plan'),
  eolCoordinationSummary: sct('861421000000109', 'End of life care coordination summary'),
  crisisPlan: sct('736253002', 'Mental health crisis plan'),
  emergencyHealthCarePlan: sct('887701000000100', 'Emergency health care plan'),
  // Alerts
  safeguardingAdult: sct('225915006', 'Vulnerable adult'),
  riskToStaff: sct('225920008', 'At risk of violence'),
  hardOfHearing: sct('15188001', 'Hearing loss'),
  knownToSocialCare: sct('1095991000000102', 'Known to social services'),
  // Observations
  bloodPressure: sct('75367002', 'Blood pressure'),
  systolic: sct('163030003', 'Systolic blood pressure'),
  diastolic: sct('163031004', 'Diastolic blood pressure'),
  hba1c: sct(
    '999791000000106',
    'Haemoglobin A1c level - International Federation of Clinical Chemistry and Laboratory Medicine standardised',
  ),
  egfr: sct(
    '1011481000000105',
    'eGFR (estimated glomerular filtration rate) using creatinine Chronic Kidney Disease Epidemiology Collaboration equation per 1.73 square metres',
  ),
  news2: sct('1104051000000101', 'Royal College of Physicians National Early Warning Score 2 (NEWS2)'),
  heartRate: sct('364075005', 'Heart rate'),
  oxygenSaturation: sct('103228002', 'Haemoglobin saturation with oxygen'),
  bodyWeight: sct('27113001', 'Body weight'),
  // Encounters and documents
  gpConsultation: sct('185317003', 'Telephone encounter'),
  edAttendance: sct('4525004', 'Emergency department patient visit'),
  inpatientStay: sct('32485007', 'Hospital admission'),
  dischargeSummary: sct('373942005', 'Discharge summary'),
  clinicLetter: sct('371531000', 'Report of clinical encounter'),
  consultationReport: sct('371530004', 'Clinical consultation report'),
  fluVaccination: sct('1037311000000106', 'Influenza vaccine'),
  // Categories
  carePlanCategory: sct('734163000', 'Care plan'),
} as const;

/** dm+d VMP concepts (SNOMED CT-coded) for the medicines the patients take. */
export const DMD = {
  amlodipine5: sct('319283006', 'Amlodipine 5mg tablets'),
  metformin500: sct('325278007', 'Metformin 500mg tablets'),
  atorvastatin20: sct('320000009', 'Atorvastatin 20mg tablets'),
  ramipril5: sct('318902006', 'Ramipril 5mg capsules'),
  apixaban5: sct('703907002', 'Apixaban 5mg tablets'),
  furosemide40: sct('317972000', 'Furosemide 40mg tablets'),
  paracetamol500: sct('322236009', 'Paracetamol 500mg tablets'),
  amoxicillin500: sct('323509004', 'Amoxicillin 500mg capsules'),
  salbutamolInhaler: sct('320176004', 'Salbutamol 100micrograms/dose inhaler CFC free'),
  donepezil5: sct('408060005', 'Donepezil 5mg tablets'),
  morphineOral: sct('322697006', 'Morphine sulfate 10mg/5ml oral solution'),
  midazolamInjection: sct('321207009', 'Midazolam 10mg/2ml solution for injection ampoules'),
  emtricitabineTenofovir: sct('775386002', 'Emtricitabine 200mg / Tenofovir disoproxil 245mg tablets'),
  doxycycline100: sct('324667002', 'Doxycycline 100mg capsules'),
} as const;
