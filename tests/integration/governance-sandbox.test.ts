// Governance over the sandbox's own synthetic patients ("sensitive" and "dissent"), with the built-in code
// lists: what the sandbox marks sensitive or restricted never reaches the governed record.
import { describe, expect, it } from 'vitest';
import type { Resource } from '../../common/fhir';
import type { RecordItem, WessexRecord } from '../../common/record';
import { governRecord, loadSensitiveCodes } from '../../main/services/governance';
import { generateSandboxPatients } from '../../sandbox/patients';
import { CODES } from '../../sandbox/patients/codes';

const { patients } = generateSandboxPatients();
const byKey = (key: string) => {
  const p = patients.find((x) => x.key === key);
  if (!p) throw new Error(`sandbox patient ${key} missing`);
  return p;
};

/** A minimal stand-in for the engine's merge: one item per clinical resource from both regional sources. */
function recordOf(key: string): WessexRecord {
  const p = byKey(key);
  const clinical = (source: string, resources: Resource[]): RecordItem[] =>
    resources
      .filter((r) => !['Patient', 'Organization', 'Practitioner'].includes(r.resourceType))
      .map((r) => ({
        key: `${source}-${r.resourceType}-${r.id}`,
        section: r.resourceType === 'Consent' ? 'advanceCare' : 'problems',
        resourceType: r.resourceType,
        display: r.resourceType,
        resource: r,
        provenance: [
          {
            sourceId: source,
            sourceName: source,
            server: 'x',
            resourceType: r.resourceType,
            resourceId: r.id ?? '',
          },
        ],
      }));
  return {
    patient: { name: p.name, nhsNumber: p.nhsNumber, verification: 'verified' },
    sources: [],
    items: [...clinical('dcr', p.dcr), ...clinical('chie', p.chie)],
    conflicts: [],
    identityWarnings: [],
    pointers: [],
    withheld: { count: 0, reasons: [] },
    dissent: false,
    assembledAt: new Date().toISOString(),
    ungrantedScopes: [],
  };
}

const options = {
  access: 'everything' as const,
  sensitive: loadSensitiveCodes(),
  breakGlassOverridesDissent: false,
};

describe('governance over the sandbox patients', () => {
  it('"sensitive": coded and labelled entries are withheld, ordinary ones stay, the count is right', () => {
    const record = recordOf('sensitive');
    const governed = governRecord(record, options);
    const json = JSON.stringify(governed);
    for (const c of [
      CODES.hiv,
      CODES.chlamydia,
      CODES.gumClinicReferral,
      CODES.ivf,
      CODES.termination,
      CODES.genderDysphoria,
      CODES.osteoarthritis,
    ]) {
      expect(json, c.display).not.toContain(`"${c.code}"`);
      expect(json, c.display).not.toContain(c.display);
    }
    expect(json).not.toContain('Tenofovir');
    for (const c of [CODES.asthma, CODES.latexAllergy, CODES.fallsRisk])
      expect(json).toContain(`"${c.code}"`);
    expect(json).toContain('Salbutamol');
    expect(governed.withheld.count).toBe(record.items.length - governed.items.length);
    expect(governed.withheld.count).toBe(8);
  });

  it('"dissent": the patient-privacy Consent withholds the whole shared record', () => {
    const record = recordOf('dissent');
    const governed = governRecord(record, options);
    expect(governed.dissent).toBe(true);
    expect(governed.items).toEqual([]);
    expect(JSON.stringify(governed)).not.toContain(CODES.asthma.code);
    expect(governed.withheld.reasons).toContain('The patient has declined to share their record.');
  });

  it('ordinary patients are untouched', () => {
    const record = recordOf('frail');
    const governed = governRecord(record, options);
    expect(governed.dissent).toBe(false);
    expect(governed.items).toHaveLength(record.items.length);
  });
});
