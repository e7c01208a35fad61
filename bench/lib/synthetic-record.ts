// Synthetic merged Wessex records (common/record.ts) of realistic shape and size, for cache tests and the
// cache benchmark when no sandbox patient is at hand. Synthetic people only; test NHS numbers (999 range).
import type { RecordItem, SectionId, SourceStatus, WessexRecord } from '../../common/record';

export interface SyntheticRecordOptions {
  nhsNumber?: string;
  name?: string;
  birthDate?: string;
  /** Total items; the first few are urgent-care items, the rest observations (results). */
  items?: number;
  assembledAt?: string;
}

function sources(at: string): SourceStatus[] {
  return [
    {
      id: 'dcr',
      name: 'DCR',
      kind: 'regional',
      baseUrl: 'http://127.0.0.1:1/dcr',
      state: 'complete',
      fetchedAt: at,
      resourceCount: 0,
      warnings: [],
    },
    {
      id: 'chie',
      name: 'CHIE',
      kind: 'regional',
      baseUrl: 'http://127.0.0.1:1/chie',
      state: 'complete',
      fetchedAt: at,
      resourceCount: 0,
      warnings: [],
    },
  ];
}

const URGENT: { section: SectionId; resourceType: string; display: string; code: string }[] = [
  {
    section: 'advanceCare',
    resourceType: 'DocumentReference',
    display: 'ReSPECT form',
    code: '1382601000000107',
  },
  {
    section: 'alerts',
    resourceType: 'Flag',
    display: 'Risk to staff: aggressive dog at property',
    code: '225915006',
  },
  {
    section: 'allergies',
    resourceType: 'AllergyIntolerance',
    display: 'Penicillin allergy',
    code: '91936005',
  },
  {
    section: 'medications',
    resourceType: 'MedicationStatement',
    display: 'Ramipril 5mg capsules',
    code: '318900002',
  },
  {
    section: 'medications',
    resourceType: 'MedicationStatement',
    display: 'Metformin 500mg tablets',
    code: '325278007',
  },
  { section: 'problems', resourceType: 'Condition', display: 'Type 2 diabetes mellitus', code: '44054006' },
  { section: 'problems', resourceType: 'Condition', display: 'Heart failure', code: '84114007' },
];

function item(index: number, nhsNumber: string): RecordItem {
  const sourceId = index % 2 === 0 ? 'dcr' : 'chie';
  const urgent = URGENT[index];
  const section = urgent?.section ?? 'results';
  const resourceType = urgent?.resourceType ?? 'Observation';
  const display = urgent?.display ?? `Serum potassium level ${index}`;
  const code = urgent?.code ?? '1000651000000109';
  const date = new Date(Date.UTC(2024, 0, 1) - index * 3_600_000).toISOString();
  const id = `${resourceType.toLowerCase()}-${index}`;
  const resource = {
    resourceType,
    id,
    meta: {
      lastUpdated: date,
      profile: ['https://fhir.hl7.org.uk/StructureDefinition/UKCore-Observation-Lab'],
    },
    identifier: [
      { system: 'https://fhir.dorsetcarerecord.nhs.uk/Id/result', value: `R${index}-${nhsNumber}` },
    ],
    status: 'final',
    category: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/observation-category',
            code: 'laboratory',
            display: 'Laboratory',
          },
        ],
      },
    ],
    code: { coding: [{ system: 'http://snomed.info/sct', code, display }], text: display },
    subject: {
      reference: `Patient/p-${nhsNumber}`,
      identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhsNumber },
    },
    effectiveDateTime: date,
    issued: date,
    performer: [{ display: 'Dorset County Hospital Pathology' }],
    valueQuantity: {
      value: 3.5 + (index % 20) / 10,
      unit: 'mmol/L',
      system: 'http://unitsofmeasure.org',
      code: 'mmol/L',
    },
    referenceRange: [
      { low: { value: 3.5, unit: 'mmol/L' }, high: { value: 5.3, unit: 'mmol/L' }, text: '3.5 - 5.3 mmol/L' },
    ],
  };
  return {
    key: `${resourceType}|${code}|${date}|${index}`,
    section,
    resourceType,
    display,
    date,
    status: 'final',
    code: { system: 'http://snomed.info/sct', code, display },
    resource: resource as RecordItem['resource'],
    provenance: [
      {
        sourceId,
        sourceName: sourceId === 'dcr' ? 'DCR' : 'CHIE',
        server: `http://127.0.0.1:1/${sourceId}`,
        resourceType,
        resourceId: id,
        lastUpdated: date,
      },
    ],
  };
}

export function syntheticRecord(options: SyntheticRecordOptions = {}): WessexRecord {
  const nhsNumber = options.nhsNumber ?? '9434765919';
  const at = options.assembledAt ?? '2024-06-01T08:14:00.000Z';
  const items = Array.from({ length: options.items ?? 20 }, (_, i) => item(i, nhsNumber));
  const srcs = sources(at);
  for (const s of srcs) s.resourceCount = items.filter((i) => i.provenance[0]?.sourceId === s.id).length;
  return {
    patient: {
      name: options.name ?? 'Margaret WINTERBOURNE',
      nhsNumber,
      verification: 'verified',
      birthDate: options.birthDate ?? '1941-03-12',
      sex: 'female',
      address: '1 Harbour View, Weymouth, DT4 8AA',
      registeredGp: 'Wyke Regis Surgery',
    },
    sources: srcs,
    items,
    conflicts: [],
    identityWarnings: [],
    pointers: [],
    withheld: { count: 0, reasons: [] },
    dissent: false,
    assembledAt: at,
    ungrantedScopes: [],
  };
}
