// The three public Synthea R4 bundles (US-coded), made Wessex-shaped: Claim/ExplanationOfBenefit dropped,
// urn:uuid references resolved, a 999-range NHS number and a Wessex address and GP injected.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Patient, Resource } from '../../common/fhir';
import { gpOrganization, gpReference, nhsNumberIdentifier } from './build';
import { PROFILE } from './codes';
import { GP_PRACTICES, homeAddress } from './places';
import { Prng, testNhsNumber } from './prng';
import type { SandboxPatient } from './types';

const DROPPED = new Set(['Claim', 'ExplanationOfBenefit']);
const US_IDENTIFIER_SYSTEMS = [
  'http://hl7.org/fhir/sid/us-ssn',
  'urn:oid:2.16.840.1.113883.4.3.25',
  'http://standardhealthrecord.org/fhir/StructureDefinition/passportNumber',
];
const PLACEMENT: ('dcr' | 'chie' | 'both')[] = ['dcr', 'chie', 'both'];

function rewriteReferences(value: unknown, refs: Map<string, string>): void {
  if (Array.isArray(value)) {
    for (const v of value) rewriteReferences(v, refs);
  } else if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'reference' && typeof v === 'string' && refs.has(v)) obj[k] = refs.get(v);
      else rewriteReferences(v, refs);
    }
  }
}

function cleanName(s: string): string {
  return s.replace(/\d+/g, '');
}

export interface SyntheaResult {
  patients: SandboxPatient[];
  notes: string[];
}

export function loadSyntheaPatients(fixturesDir: string | undefined, taken: Set<string>): SyntheaResult {
  const dir = fixturesDir ? join(fixturesDir, 'synthea') : undefined;
  let files: string[] = [];
  try {
    files = dir
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.json'))
          .sort()
      : [];
  } catch {
    files = [];
  }
  if (!dir || files.length === 0) {
    return {
      patients: [],
      notes: ['Synthea fixtures not found (../shared/fixtures/synthea): Synthea patients skipped'],
    };
  }
  const patients: SandboxPatient[] = [];
  const notes: string[] = [];
  files.forEach((file, index) => {
    const key = `synthea-${index + 1}`;
    try {
      const bundle = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Bundle;
      patients.push(fromBundle(bundle, key, index, taken));
    } catch (error) {
      notes.push(
        `Synthea fixture ${file} skipped: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  });
  return { patients, notes };
}

function fromBundle(bundle: Bundle, key: string, index: number, taken: Set<string>): SandboxPatient {
  const refs = new Map<string, string>();
  const resources: Resource[] = [];
  for (const entry of bundle.entry ?? []) {
    const r = entry.resource;
    if (!r || DROPPED.has(r.resourceType)) continue;
    if (!r.id) r.id = entry.fullUrl?.replace(/^urn:uuid:/, '') ?? `${key}-${resources.length}`;
    if (entry.fullUrl) refs.set(entry.fullUrl, `${r.resourceType}/${r.id}`);
    resources.push(r);
  }
  for (const r of resources) rewriteReferences(r, refs);

  const patient = resources.find((r): r is Patient => r.resourceType === 'Patient');
  if (!patient?.id) throw new Error('bundle has no Patient');
  const nhs = testNhsNumber(key, taken);
  const rng = new Prng(`patient:${key}`);
  const gp = GP_PRACTICES[(index * 3 + 1) % GP_PRACTICES.length] ?? GP_PRACTICES[0]!;
  patient.meta = { ...patient.meta, profile: [PROFILE.patient] };
  patient.identifier = [
    nhsNumberIdentifier(nhs, '01'),
    ...(patient.identifier ?? []).filter((i) => !US_IDENTIFIER_SYSTEMS.includes(i.system ?? '')),
  ];
  patient.extension = (patient.extension ?? []).filter((e) => !e.url.includes('us-core'));
  patient.address = [homeAddress(rng, gp)];
  patient.generalPractitioner = [gpReference(gp)];
  for (const n of patient.name ?? []) {
    n.given = n.given?.map(cleanName);
    if (n.family) n.family = cleanName(n.family);
    n.prefix = n.prefix?.map(cleanName);
  }
  resources.push(gpOrganization(gp));
  const official = patient.name?.[0];
  const name = [...(official?.given ?? []), official?.family ?? ''].join(' ').trim();

  const placement = PLACEMENT[index % PLACEMENT.length] ?? 'both';
  const epr: Patient = structuredClone(patient);
  return {
    key,
    nhsNumber: nhs,
    name,
    birthDate: patient.birthDate ?? '',
    demonstrates: `Synthea R4 record (US-coded, ${resources.length} resources) with an injected NHS number, held by ${
      placement === 'both' ? 'DCR and CHIE' : placement.toUpperCase()
    }`,
    epr,
    dcr: placement !== 'chie' ? resources : [],
    chie: placement !== 'dcr' ? resources : [],
    locator: [],
    nhsVerification: '01',
    gpOds: gp.ods,
  };
}
