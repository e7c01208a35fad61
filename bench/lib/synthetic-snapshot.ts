// Synthetic per-source snapshots (main/services/record/snapshot.ts) of realistic shape and size — what the
// offline cache stores — for cache tests and the cache benchmark when no sandbox patient is at hand. Two
// regional sources (DCR, CHIE) taking entries in turn; the first entries fill the urgent-care sections, the
// rest are results, each an hour older than the one before. Synthetic people only; test NHS numbers (999 range).
import type { SectionId, SourceStatus } from '../../common/record';
import type { Json } from '../../main/services/record/fhir-read';
import type { RecordSnapshot, SourceSnapshot } from '../../main/services/record/snapshot';

export interface SyntheticSnapshotOptions {
  nhsNumber?: string;
  /** The Patient's family name (the banner shows it upper-case first: "WINTERBOURNE, Margaret"). */
  family?: string;
  given?: string;
  birthDate?: string;
  gender?: 'male' | 'female';
  /** Total clinical resources over both sources; the first seven are urgent-care entries, the rest results. */
  resources?: number;
  /** ISO instant the sources answered (and the snapshot was assembled). */
  assembledAt?: string;
}

export const SYNTHETIC_SOURCES = [
  { id: 'dcr', name: 'DCR', baseUrl: 'http://127.0.0.1:1/dcr' },
  { id: 'chie', name: 'CHIE', baseUrl: 'http://127.0.0.1:1/chie' },
] as const;

export type SyntheticSourceId = (typeof SYNTHETIC_SOURCES)[number]['id'];

const SNOMED = 'http://snomed.info/sct';

/** The urgent-care entries, in position order (positions 0–6). */
export const SYNTHETIC_URGENT: readonly {
  section: SectionId;
  resourceType: string;
  display: string;
  code: string;
}[] = [
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

/** One synthetic entry: which source holds it, the section it fills, what it says, and the FHIR resource. */
export interface SyntheticEntry {
  sourceId: SyntheticSourceId;
  section: SectionId;
  resourceType: string;
  display: string;
  code: string;
  date: string;
  resource: Json;
}

function concept(code: string, display: string): Json {
  return { coding: [{ system: SNOMED, code, display }], text: display };
}

/** The entry at `index`: sources alternate (even DCR, odd CHIE); dates go back an hour per position. */
export function syntheticEntry(index: number, nhsNumber: string): SyntheticEntry {
  const sourceId: SyntheticSourceId = index % 2 === 0 ? 'dcr' : 'chie';
  const urgent = SYNTHETIC_URGENT[index];
  const section = urgent?.section ?? 'results';
  const resourceType = urgent?.resourceType ?? 'Observation';
  const display = urgent?.display ?? `Serum potassium level ${index}`;
  const code = urgent?.code ?? '1000651000000109';
  const date = new Date(Date.UTC(2024, 0, 1) - index * 3_600_000).toISOString();
  const id = `${resourceType.toLowerCase()}-${index}`;
  const common: Json = {
    resourceType,
    id,
    meta: { lastUpdated: date },
    identifier: [
      { system: `https://fhir.example.nhs.uk/${sourceId}/Id/entry`, value: `E${index}-${nhsNumber}` },
    ],
    subject: {
      reference: `Patient/${sourceId}-${nhsNumber}`,
      identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhsNumber },
    },
  };
  const byType: Record<string, Json> = {
    DocumentReference: {
      status: 'current',
      type: concept(code, display),
      date,
      description: display,
      content: [
        {
          attachment: {
            contentType: 'application/pdf',
            url: `http://127.0.0.1:1/${sourceId}/Binary/respect-${index}`,
            title: display,
          },
        },
      ],
    },
    Flag: { status: 'active', code: concept(code, display), period: { start: date } },
    AllergyIntolerance: {
      clinicalStatus: { coding: [{ code: 'active' }] },
      verificationStatus: { coding: [{ code: 'confirmed' }] },
      code: concept(code, display),
      recordedDate: date,
    },
    MedicationStatement: {
      status: 'active',
      medicationCodeableConcept: concept(code, display),
      effectiveDateTime: date,
    },
    Condition: {
      clinicalStatus: { coding: [{ code: 'active' }] },
      code: concept(code, display),
      onsetDateTime: date,
    },
    Observation: {
      meta: {
        lastUpdated: date,
        profile: ['https://fhir.hl7.org.uk/StructureDefinition/UKCore-Observation-Lab'],
      },
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
      code: concept(code, display),
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
        {
          low: { value: 3.5, unit: 'mmol/L' },
          high: { value: 5.3, unit: 'mmol/L' },
          text: '3.5 - 5.3 mmol/L',
        },
      ],
    },
  };
  return {
    sourceId,
    section,
    resourceType,
    display,
    code,
    date,
    resource: { ...common, ...byType[resourceType] },
  };
}

/** A source's Patient for this synthetic person (UK Core NHS number, verified). */
export function syntheticPatient(
  sourceId: string,
  options: Pick<SyntheticSnapshotOptions, 'nhsNumber' | 'family' | 'given' | 'birthDate' | 'gender'> = {},
): Json {
  const nhsNumber = options.nhsNumber ?? '9434765919';
  return {
    resourceType: 'Patient',
    id: `${sourceId}-${nhsNumber}`,
    identifier: [
      {
        system: 'https://fhir.nhs.uk/Id/nhs-number',
        value: nhsNumber,
        extension: [
          {
            url: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus',
            valueCodeableConcept: { coding: [{ code: '01', display: 'Number present and verified' }] },
          },
        ],
      },
    ],
    name: [
      { use: 'official', family: options.family ?? 'Winterbourne', given: [options.given ?? 'Margaret'] },
    ],
    gender: options.gender ?? 'female',
    birthDate: options.birthDate ?? '1941-03-12',
    address: [{ use: 'home', line: ['1 Harbour View'], city: 'Weymouth', postalCode: 'DT4 8AA' }],
    generalPractitioner: [{ display: 'Wyke Regis Surgery' }],
  };
}

export function syntheticSourceStatus(
  source: (typeof SYNTHETIC_SOURCES)[number],
  at: string,
  resourceCount: number,
): SourceStatus {
  return {
    id: source.id,
    name: source.name,
    kind: 'regional',
    baseUrl: source.baseUrl,
    state: 'complete',
    fetchedAt: at,
    resourceCount,
    warnings: [],
  };
}

/** A two-source snapshot: each source's Patient and its share of `resources` entries. */
export function syntheticSnapshot(options: SyntheticSnapshotOptions = {}): RecordSnapshot {
  const nhsNumber = options.nhsNumber ?? '9434765919';
  const at = options.assembledAt ?? '2024-06-01T08:14:00.000Z';
  const entries = Array.from({ length: options.resources ?? 20 }, (_, i) => syntheticEntry(i, nhsNumber));
  const sources: SourceSnapshot[] = SYNTHETIC_SOURCES.map((source) => {
    const resources = entries.filter((e) => e.sourceId === source.id).map((e) => e.resource);
    return {
      status: syntheticSourceStatus(source, at, resources.length),
      patient: syntheticPatient(source.id, { ...options, nhsNumber }),
      resources,
      pointers: [],
      identityWarnings: [],
    };
  });
  return {
    nhsNumber,
    sources,
    identityWarnings: [],
    assembledAt: at,
    withheld: { count: 0, reasons: [] },
    dissent: false,
  };
}

/** How many resources the snapshot holds, over every source. */
export function resourceCount(snapshot: RecordSnapshot): number {
  return snapshot.sources.reduce((n, s) => n + s.resources.length, 0);
}
