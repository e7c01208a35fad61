// Public sample data (../shared/fixtures) through the engine's reading, merging and pointer code: Synthea R4
// bundles, NRL pointers and the NHS England SCR IPS summary must flow through without errors.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SECTION_ORDER } from '../../common/record';
import { noTokens } from '../../main/services/auth/token-provider';
import { assembleRecord } from '../../main/services/record';
import { detectConflicts } from '../../main/services/record/conflicts';
import { RecordMerger } from '../../main/services/record/merge';
import { patientSummary } from '../../main/services/record/patient-identity';
import { toRecordPointer } from '../../main/services/record/pointers';
import { startFakeFhir, type FakeFhir } from './record-fake-fhir';

type Json = Record<string, unknown>;
const FIXTURES = path.resolve(__dirname, '../../../shared/fixtures');
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Json;
const bundleResources = (bundle: Json) =>
  ((bundle.entry as { resource?: Json }[] | undefined) ?? []).flatMap((e) =>
    e.resource ? [e.resource] : [],
  );
const syntheaFiles = readdirSync(path.join(FIXTURES, 'synthea')).filter((f) => f.endsWith('.json'));
const TEST_NHS = ['9434765919', '9434765870', '9434765838'];

const open: FakeFhir[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** Synthea patients are US-coded: give each an NHS number the way the sandbox does. */
function withNhsNumber(resources: Json[], nhs: string): Json[] {
  return resources
    .filter((r) => r.resourceType !== 'Claim' && r.resourceType !== 'ExplanationOfBenefit')
    .map((r) =>
      r.resourceType === 'Patient'
        ? {
            ...r,
            identifier: [
              ...((r.identifier as Json[]) ?? []),
              { system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhs },
            ],
          }
        : r,
    );
}

describe('Synthea R4 bundles', () => {
  it.each(syntheaFiles.map((f, i) => [f, i] as const))('%s merges into readable items', (file, index) => {
    const resources = withNhsNumber(
      bundleResources(readJson(path.join(FIXTURES, 'synthea', file))),
      TEST_NHS[index]!,
    );
    const merger = new RecordMerger();
    merger.add({ id: 'dcr', name: 'DCR', server: 'http://dcr' }, resources);
    // The same bundle from a second source: every entry de-duplicates onto the first.
    merger.add({ id: 'chie', name: 'CHIE', server: 'http://chie' }, resources);
    const items = merger.entries().map((e) => merger.toItem(e));
    const clinical = resources.filter(
      (r) => !['Patient', 'Organization', 'Practitioner'].includes(String(r.resourceType)),
    );
    expect(items.length).toBeGreaterThan(0);
    expect(items.length).toBeLessThanOrEqual(clinical.length);
    for (const item of items) {
      expect(item.display.trim()).not.toBe('');
      expect(SECTION_ORDER).toContain(item.section);
      expect(item.provenance.length).toBeGreaterThanOrEqual(1);
    }
    // Nothing is lost in the merge: every clinical resource is a copy on some item.
    const copies = merger.entries().reduce((n, e) => n + e.copies.length, 0);
    expect(copies).toBe(clinical.length * 2);
    expect(() => detectConflicts(merger.entries())).not.toThrow();
    const patient = resources.find((r) => r.resourceType === 'Patient')!;
    expect(patientSummary(patient)).toMatchObject({ nhsNumber: TEST_NHS[index], verification: 'unknown' });
  });

  it('a Synthea patient served over FHIR comes back whole through the engine', async () => {
    const resources = withNhsNumber(
      bundleResources(readJson(path.join(FIXTURES, 'synthea', syntheaFiles[0]!))),
      TEST_NHS[0]!,
    );
    const server = await startFakeFhir({ resources });
    open.push(server);
    const record = await assembleRecord({
      requestId: 'synthea',
      identity: { nhsNumber: TEST_NHS[0]!, mayQueryRegionalSources: true },
      sources: [{ id: 'dcr', name: 'DCR', fhirBase: server.base }],
      tokens: noTokens,
    });
    expect(record.sources[0]!.state).toBe('complete');
    expect(record.patient.nhsNumber).toBe(TEST_NHS[0]);
    expect(record.items.filter((i) => i.section === 'problems').length).toBeGreaterThan(0);
    expect(record.items.filter((i) => i.section === 'results').length).toBeGreaterThan(0);
  });
});

describe('NRL pointers', () => {
  const files = readdirSync(path.join(FIXTURES, 'nrl')).filter((f) => f.endsWith('.json'));
  it.each(files)('%s maps to a pointer with type, custodian and a holder', (file) => {
    const pointer = toRecordPointer(readJson(path.join(FIXTURES, 'nrl', file)), 'locator', 0);
    expect(pointer.type.code).toBe('736253002');
    expect(pointer.type.display).toBe('Mental health crisis plan');
    expect(pointer.custodian).toMatch(/^[A-Z0-9]+$/);
    expect(pointer.url).toMatch(/^(https|ssp):\/\//);
    // Its document's confidentiality, kept for governance: every sample is very restricted.
    expect(pointer.labels).toEqual([
      { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'V' },
    ]);
  });
});

describe('NHS England SCR IPS summary', () => {
  const ips = readJson(path.join(FIXTURES, 'ips', 'SCRSummary.json'));
  const resources = bundleResources(ips);

  it('reads its entries, and its NHS number (1234567890) is flagged invalid', () => {
    const merger = new RecordMerger();
    merger.add({ id: 'scr', name: 'SCR', server: 'http://scr' }, resources);
    const sections = new Set(merger.entries().map((e) => e.section));
    for (const s of [
      'allergies',
      'medications',
      'problems',
      'immunisations',
      'results',
      'procedures',
    ] as const) {
      expect(sections).toContain(s);
    }
    const patient = resources.find((r) => r.resourceType === 'Patient')!;
    expect(patientSummary(patient)).toMatchObject({ nhsNumber: '1234567890', verification: 'invalid' });
  });

  it('the engine refuses to search regional sources with that number and says why', async () => {
    const server = await startFakeFhir({ resources });
    open.push(server);
    const record = await assembleRecord({
      requestId: 'ips',
      identity: { nhsNumber: '1234567890', mayQueryRegionalSources: true },
      sources: [{ id: 'dcr', name: 'DCR', fhirBase: server.base }],
      tokens: noTokens,
    });
    expect(record.identityWarnings[0]).toMatchObject({ kind: 'invalid-nhs-number' });
    expect(record.sources[0]).toMatchObject({ state: 'not-reached' });
    expect(server.requests).toHaveLength(0);
  });

  it('a "no known allergy" entry from the IPS examples conflicts with an allergy from another source', () => {
    const nka = readJson(path.join(FIXTURES, 'ips', 'NoAllergyIntolerance.json'));
    const allergy = resources.find((r) => r.resourceType === 'AllergyIntolerance')!;
    const merger = new RecordMerger();
    merger.add({ id: 'scr', name: 'SCR', server: 'http://scr' }, [nka]);
    merger.add({ id: 'dcr', name: 'DCR', server: 'http://dcr' }, [allergy]);
    const { conflicts } = detectConflicts(merger.entries());
    expect(conflicts.map((c) => c.kind)).toEqual(['allergy-vs-no-known-allergies']);
  });
});
