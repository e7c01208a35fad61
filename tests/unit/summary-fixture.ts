// A hand-made merged record (as the record engine would produce it) for the summary view-model tests.
import type { Resource } from '../../common/fhir';
import {
  uniformCompleteness,
  type Provenance,
  type RecordItem,
  type SectionId,
  type WessexRecord,
} from '../../common/record';

const DCR: Omit<Provenance, 'resourceType' | 'resourceId'> = {
  sourceId: 'dcr',
  sourceName: 'Dorset Care Record',
  server: 'http://127.0.0.1:1/fhir',
};
const CHIE: Omit<Provenance, 'resourceType' | 'resourceId'> = {
  sourceId: 'chie',
  sourceName: 'CHIE',
  server: 'http://127.0.0.1:2/fhir',
};

let counter = 0;
export function item(
  section: SectionId,
  resource: Resource,
  extra: Partial<RecordItem> & { sources?: ('dcr' | 'chie')[] } = {},
): RecordItem {
  const { sources = ['dcr'], ...rest } = extra;
  counter += 1;
  return {
    key: `k${counter}`,
    section,
    resourceType: resource.resourceType,
    display: 'Unnamed',
    resource,
    provenance: sources.map((s) => ({
      ...(s === 'dcr' ? DCR : CHIE),
      resourceType: resource.resourceType,
      resourceId: resource.id ?? `r${counter}`,
    })),
    ...rest,
  };
}

function bp(date: string, sys: number, dia: number): RecordItem {
  return item(
    'results',
    {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure' }] },
      effectiveDateTime: date,
      component: [
        { code: { coding: [{ code: '8480-6' }] }, valueQuantity: { value: sys, unit: 'mmHg' } },
        { code: { coding: [{ code: '8462-4' }] }, valueQuantity: { value: dia, unit: 'mmHg' } },
      ],
    },
    { display: 'Blood pressure', date },
  );
}

function egfr(date: string, value: number): RecordItem {
  return item(
    'results',
    {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://snomed.info/sct', code: '1011481000000105', display: 'eGFR' }] },
      effectiveDateTime: date,
      valueQuantity: { value, unit: 'mL/min/1.73m2' },
      referenceRange: [{ low: { value: 60, unit: 'mL/min/1.73m2' } }],
    },
    { display: 'eGFR', date, code: { system: 'http://snomed.info/sct', code: '1011481000000105' } },
  );
}

export function frailRecord(): WessexRecord {
  const items: RecordItem[] = [
    item(
      'advanceCare',
      { resourceType: 'Consent', status: 'active', scope: { text: 'DNACPR' }, category: [] },
      {
        display: 'DNACPR decision',
        date: '2024-01-10',
        code: { code: '304253006' },
        sources: ['dcr', 'chie'],
      },
    ),
    item(
      'advanceCare',
      { resourceType: 'DocumentReference', status: 'current', content: [] },
      { display: 'ReSPECT form', date: '2023-11-02', code: { code: '1382601000000107' } },
    ),
    item(
      'alerts',
      { resourceType: 'Flag', status: 'active', code: { text: 'Aggressive dog at property' }, subject: {} },
      { display: 'Aggressive dog at property', status: 'active' },
    ),
    item(
      'alerts',
      {
        resourceType: 'Flag',
        status: 'active',
        category: [{ text: 'Safeguarding' }],
        code: { text: 'Adult safeguarding concern' },
        subject: {},
      },
      { display: 'Adult safeguarding concern', status: 'active', sources: ['chie'] },
    ),
    item(
      'allergies',
      {
        resourceType: 'AllergyIntolerance',
        patient: {},
        criticality: 'high',
        reaction: [{ manifestation: [{ text: 'Anaphylaxis' }], severity: 'severe' }],
      },
      { display: 'Penicillin', sources: ['dcr'] },
    ),
    item(
      'allergies',
      {
        resourceType: 'AllergyIntolerance',
        patient: {},
        code: { coding: [{ system: 'http://snomed.info/sct', code: '716186003' }] },
      },
      { display: 'No known allergy', sources: ['chie'] },
    ),
    item(
      'medications',
      {
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        subject: {},
        courseOfTherapyType: { coding: [{ code: 'continuous' }] },
        dosageInstruction: [{ text: 'One tablet each morning' }],
        extension: [
          {
            url: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-MedicationRepeatInformation',
            extension: [{ url: 'dateLastIssued', valueDateTime: '2024-05-01' }],
          },
        ],
      },
      { display: 'Ramipril 5mg capsules', date: '2023-01-01', sources: ['dcr', 'chie'] },
    ),
    item(
      'medications',
      {
        resourceType: 'MedicationRequest',
        status: 'completed',
        intent: 'order',
        subject: {},
        courseOfTherapyType: { coding: [{ code: 'acute' }] },
        authoredOn: '2022-02-02',
      },
      { display: 'Amoxicillin 500mg capsules', date: '2022-02-02' },
    ),
    item(
      'medications',
      {
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        subject: {},
        courseOfTherapyType: { coding: [{ code: 'acute' }] },
        authoredOn: '2024-06-01',
      },
      { display: 'Trimethoprim 200mg tablets', date: '2024-06-01', sources: ['chie'] },
    ),
    item(
      'problems',
      {
        resourceType: 'Condition',
        subject: {},
        clinicalStatus: { coding: [{ code: 'active' }] },
      },
      { display: 'Heart failure', date: '2019-04-04' },
    ),
    item(
      'problems',
      { resourceType: 'Condition', subject: {}, clinicalStatus: { coding: [{ code: 'resolved' }] } },
      { display: 'Fractured wrist', date: '2010-04-04' },
    ),
    item(
      'contacts',
      {
        resourceType: 'RelatedPerson',
        patient: {},
        relationship: [{ text: 'Next of kin: daughter' }],
        telecom: [{ value: '01202 000000' }],
      },
      { display: 'Susan Example' },
    ),
    item(
      'contacts',
      { resourceType: 'EpisodeOfCare', status: 'active', patient: {}, type: [{ text: 'Adult social care' }] },
      { display: 'Adult social care: Dorset Council', sources: ['chie'] },
    ),
    bp('2024-01-01', 150, 95),
    bp('2024-03-01', 138, 85),
    bp('2024-05-01', 128, 80),
    egfr('2024-01-05', 48),
    egfr('2024-04-05', 52),
    item(
      'results',
      {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'Potassium' },
        valueQuantity: { value: 6.1, unit: 'mmol/L' },
        referenceRange: [{ low: { value: 3.5 }, high: { value: 5.3, unit: 'mmol/L' } }],
        interpretation: [{ coding: [{ code: 'H' }] }],
        effectiveDateTime: '2024-05-10',
      },
      { display: 'Potassium', date: '2024-05-10' },
    ),
  ];
  return {
    patient: {
      name: 'Edith WINTERBOURNE',
      nhsNumber: '9990000018',
      verification: 'verified',
      birthDate: '1936-07-20',
      sex: 'female',
      address: '1 Quay Road, Christchurch, BH23 1AA',
      registeredGp: 'Highcliffe Medical Centre',
    },
    sources: [
      {
        id: 'dcr',
        name: 'Dorset Care Record',
        kind: 'regional',
        baseUrl: 'http://127.0.0.1:1/fhir',
        state: 'complete',
        fetchedAt: '2024-06-10T10:00:00Z',
        resourceCount: 14,
        warnings: [],
      },
      {
        id: 'chie',
        name: 'CHIE',
        kind: 'regional',
        baseUrl: 'http://127.0.0.1:2/fhir',
        state: 'failed',
        message: 'CHIE did not answer (server error 500).',
        resourceCount: 0,
        warnings: [],
      },
    ],
    items,
    conflicts: [],
    identityWarnings: [],
    pointers: [
      {
        id: 'eol-1',
        type: { code: '736373009', display: 'End of life care plan' },
        custodian: 'Forest Holme Hospice',
        date: '2024-02-02',
        retrieval: 'not-configured',
        sourceId: 'locator',
      },
    ],
    withheld: { count: 0, reasons: [] },
    dissent: false,
    assembledAt: '2024-06-10T10:00:05Z',
    ungrantedScopes: [],
    completeness: uniformCompleteness({ state: 'complete', gaps: [] }),
    heldApart: [],
  };
}
