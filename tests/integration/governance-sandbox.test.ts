// Governance over the sandbox's own synthetic patients ("sensitive" and "dissent"), with the built-in code
// lists: what the sandbox marks sensitive or restricted never reaches the governed record.
import { describe, expect, it } from 'vitest';
import type { WessexRecord } from '../../common/record';
import { governForUser, governSnapshot, loadSensitiveCodes } from '../../main/services/governance';
import { buildRecord, type RecordSnapshot } from '../../main/services/record';
import type { Json } from '../../main/services/record/fhir-read';
import { generateSandboxPatients } from '../../sandbox/patients';
import { CODES } from '../../sandbox/patients/codes';

const { patients } = generateSandboxPatients();
const byKey = (key: string) => {
  const p = patients.find((x) => x.key === key);
  if (!p) throw new Error(`sandbox patient ${key} missing`);
  return p;
};

/** What DCR and CHIE hold for the patient, as the engine would have read it. */
function snapshotOf(key: string): RecordSnapshot {
  const p = byKey(key);
  const source = (id: string, resources: unknown[]) => ({
    status: {
      id,
      name: id.toUpperCase(),
      kind: 'regional' as const,
      baseUrl: `https://${id}.example/fhir`,
      state: 'complete' as const,
      resourceCount: resources.length,
      warnings: [],
    },
    resources: resources as Json[],
    pointers: [],
    identityWarnings: [],
  });
  return {
    nhsNumber: p.nhsNumber,
    sources: [source('dcr', p.dcr), source('chie', p.chie)],
    identityWarnings: [],
    assembledAt: new Date().toISOString(),
    withheld: { count: 0, reasons: [] },
    dissent: false,
  };
}

const options = {
  access: 'everything' as const,
  sensitive: loadSensitiveCodes(),
  breakGlassOverridesDissent: false,
};
const identity = (key: string) => ({ nhsNumber: byKey(key).nhsNumber, mayQueryRegionalSources: true });
const read = (key: string): WessexRecord =>
  governForUser(governSnapshot(snapshotOf(key), options), options, (visible) =>
    buildRecord(visible, { identity: identity(key) }),
  );
const ungoverned = (key: string): WessexRecord => buildRecord(snapshotOf(key), { identity: identity(key) });

describe('governance over the sandbox patients', () => {
  it('"sensitive": coded and labelled entries are withheld, ordinary ones stay, the count is right', () => {
    const record = ungoverned('sensitive');
    const governed = read('sensitive');
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
    expect(governed.withheld.count).toBeGreaterThanOrEqual(6);
  });

  it('"dissent": the patient-privacy Consent withholds the whole shared record', () => {
    const governed = read('dissent');
    expect(governed.dissent).toBe(true);
    expect(governed.items).toEqual([]);
    expect(JSON.stringify(governed)).not.toContain(CODES.asthma.code);
    expect(governed.withheld.reasons).toContain('The patient has declined to share their record.');
  });

  it('ordinary patients are untouched', () => {
    const record = ungoverned('frail');
    const governed = read('frail');
    expect(governed.dissent).toBe(false);
    expect(governed.items).toHaveLength(record.items.length);
  });
});
