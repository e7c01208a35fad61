// Governance as every read applies it: patient-level (dissent, sensitive codes, confidentiality labels, codes
// the patient asked not to share) on the sources' snapshot, then user-level (dissent unless break-glass may
// override it, the user's role) on the merged record.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CRITICAL_SECTIONS, type RecordPointer, type WessexRecord } from '../../common/record';
import type { Consent } from '../../common/fhir';
import {
  applyRoleAccess,
  governForUser,
  governSnapshot,
  loadSensitiveCodes,
  resolveRoleAccess,
  SensitiveCodeListError,
  type GovernOptions,
} from '../../main/services/governance';
import { machinePolicySchema } from '../../main/services/policy/schema';
import { buildRecord, urgentCareEvents, type RecordSnapshot } from '../../main/services/record';
import type { Json } from '../../main/services/record/fhir-read';

const SCT = 'http://snomed.info/sct';
const sensitive = loadSensitiveCodes();
const policy = machinePolicySchema.parse({});
const NHS = '9990001234';
const identity = { nhsNumber: NHS, mayQueryRegionalSources: true };

const condition = (id: string, code: string, display: string, extra: Json = {}): Json => ({
  resourceType: 'Condition',
  id,
  subject: { reference: 'Patient/p' },
  code: { coding: [{ system: SCT, code, display }] },
  ...extra,
});

function resources(): Json[] {
  return [
    {
      resourceType: 'Patient',
      id: 'p',
      name: [{ family: 'Patient', given: ['Test'] }],
      identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: NHS }],
    },
    {
      resourceType: 'AllergyIntolerance',
      id: 'a1',
      patient: { reference: 'Patient/p' },
      code: { coding: [{ system: SCT, code: '91936005', display: 'Allergy to penicillin' }] },
    },
    condition('c1', '195967001', 'Asthma'),
    condition('c2', '86406008', 'Human immunodeficiency virus infection'),
    // Sensitive only through its reason code: a medication for an STI.
    {
      resourceType: 'MedicationStatement',
      id: 'm1',
      status: 'active',
      subject: { reference: 'Patient/p' },
      medicationCodeableConcept: { text: 'Doxycycline 100mg capsules' },
      reasonCode: [{ coding: [{ system: SCT, code: '105629000', display: 'Chlamydial infection' }] }],
    },
    // Sensitive only inside a contained resource.
    {
      resourceType: 'Encounter',
      id: 'e1',
      status: 'finished',
      class: { code: 'AMB' },
      contained: [
        {
          resourceType: 'Procedure',
          id: 'p1',
          status: 'completed',
          subject: { reference: 'Patient/p' },
          code: { coding: [{ system: SCT, code: '386639001', display: 'Termination of pregnancy' }] },
        },
      ],
    },
    // Restricted by a confidentiality label, with an innocent code.
    {
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] },
      code: { coding: [{ system: SCT, code: '27113001', display: 'Body weight' }] },
    },
    {
      resourceType: 'Observation',
      id: 'o2',
      status: 'final',
      meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'N' }] },
      code: { coding: [{ system: SCT, code: '75367002', display: 'Blood pressure' }] },
    },
    // Innocent code, but its reason is the withheld HIV condition: the link would reveal it.
    {
      resourceType: 'MedicationStatement',
      id: 'm2',
      status: 'active',
      subject: { reference: 'Patient/p' },
      medicationCodeableConcept: { text: 'Emtricitabine 200mg / Tenofovir 245mg tablets' },
      reasonReference: [{ reference: 'https://dcr.example/fhir/Condition/c2' }],
    },
    { resourceType: 'Immunization', id: 'i1', status: 'completed', vaccineCode: { text: 'Influenza' } },
    { resourceType: 'DocumentReference', id: 'd1', status: 'current', content: [] },
  ];
}

const pointers = (): RecordPointer[] => [
  {
    id: 'ptr-respect',
    type: { system: SCT, code: '1382601000000107', display: 'ReSPECT form' },
    retrieval: 'not-attempted',
    sourceId: 'nrl',
  },
  {
    id: 'ptr-ivf',
    type: { system: SCT, code: '52637005', display: 'In vitro fertilization' },
    retrieval: 'not-attempted',
    sourceId: 'nrl',
  },
];

const status = (id: string, kind: 'regional' | 'locator') => ({
  id,
  name: id.toUpperCase(),
  kind,
  baseUrl: `https://${id}.example/fhir`,
  state: 'complete' as const,
  resourceCount: 0,
  warnings: [],
  fetchedAt: '2025-01-01T00:00:00Z',
});

function baseSnapshot(extra: Json[] = []): RecordSnapshot {
  const all = [...resources(), ...extra];
  return {
    nhsNumber: NHS,
    sources: [
      {
        status: status('dcr', 'regional'),
        patient: all[0]!,
        resources: all,
        pointers: [],
        identityWarnings: [],
      },
      { status: status('nrl', 'locator'), resources: [], pointers: pointers(), identityWarnings: [] },
    ],
    identityWarnings: [],
    assembledAt: '2025-01-01T00:00:00Z',
    withheld: { count: 0, reasons: [] },
    dissent: false,
  };
}

const options = (extra: Partial<GovernOptions> = {}): GovernOptions => ({
  access: 'everything',
  sensitive,
  breakGlassOverridesDissent: false,
  ...extra,
});

const build = (visible: RecordSnapshot) => buildRecord(visible, { identity });

/** What a read returns: patient-level governance, then user-level governance around the merge. */
function read(snapshot: RecordSnapshot, opts: GovernOptions): WessexRecord {
  return governForUser(governSnapshot(snapshot, opts), opts, build);
}

const ids = (record: WessexRecord) => record.items.map((i) => i.resource.id).sort();

const SENSITIVE_STRINGS = [
  '86406008',
  'Human immunodeficiency virus',
  '105629000',
  'Chlamydial',
  'Doxycycline',
  'Emtricitabine',
  '386639001',
  'Termination',
  '52637005',
  'fertilization',
  'Body weight',
];

/** A policy's code list file holding asthma (195967001, c1's code) alone. */
function asthmaOnlyCodeList(): string {
  const custom = join(mkdtempSync(join(tmpdir(), 'wessex-codes-')), 'codes.json');
  writeFileSync(
    custom,
    JSON.stringify({ valueSets: [{ id: 'asthma-test', title: 'Test', concepts: [{ code: '195967001' }] }] }),
  );
  return custom;
}

describe('sensitive data filtering (patient level, before anything is kept or shown)', () => {
  it('no sensitive code, display or restricted item survives, and the withheld count is right', () => {
    const governed = read(baseSnapshot(), options());
    const json = JSON.stringify(governed);
    for (const s of SENSITIVE_STRINGS) expect(json, s).not.toContain(s);
    expect(ids(governed)).toEqual(['a1', 'c1', 'd1', 'i1', 'o2']);
    expect(governed.pointers.map((p) => p.id)).toEqual(['ptr-respect']);
    // c2 (HIV), m1 (doxycycline for chlamydia), m2 (linked to c2), e1 (contained), o1 (label) + the IVF pointer
    expect(governed.withheld.count).toBe(6);
    expect(governed.withheld.reasons.join(' ')).not.toMatch(/HIV|pregnan|fertil/i);
    expect(governed.withheld.reasons.length).toBeGreaterThan(0);
  });

  it('the snapshot that would be kept offline holds none of it either', () => {
    const kept = governSnapshot(baseSnapshot(), options());
    const json = JSON.stringify(kept);
    for (const s of SENSITIVE_STRINGS) expect(json, s).not.toContain(s);
    expect(kept.withheld.count).toBe(6);
    // Governing again (a refresh folds new data into a kept copy) finds nothing more and counts nothing twice.
    expect(governSnapshot(kept, options()).withheld.count).toBe(6);
  });

  it('a resource nested deeper than the scan goes is withheld as not checked, counted, and never stringified', () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    // No id and no clinical code: nothing but its content could name it, and that must not be walked.
    const noId = { resourceType: 'Observation', status: 'final', extension: deep } as Json;
    const allergyInside = {
      resourceType: 'AllergyIntolerance',
      id: 'a-deep',
      patient: { reference: 'Patient/p' },
      code: { text: 'Allergy to nothing much' },
      extension: deep,
    } as Json;
    const governed = governSnapshot(baseSnapshot([noId, allergyInside]), options());
    const dcr = governed.sources[0]!;
    expect(dcr.resources).not.toContain(noId);
    expect(dcr.resources).not.toContain(allergyInside);
    expect(governed.withheld.count).toBe(6 + 2);
    expect(governed.withheld.reasons).toContain(
      'Some information could not be checked against local policy on sensitive information (it is nested too deeply) and is not shown.',
    );
    const record = read(baseSnapshot([noId, allergyInside]), options());
    expect(() => JSON.stringify(record)).not.toThrow();
    expect(ids(record)).toEqual(ids(read(baseSnapshot(), options())));
  });

  it("another source's copy of a withheld entry is withheld too, even without the code that withheld it", () => {
    const snapshot = baseSnapshot();
    const chieCopy = { ...condition('x9', '86406008', 'HIV infection'), meta: { security: [] } };
    const labelled = {
      ...condition('c7', '44054006', 'Diabetes mellitus type 2'),
      meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'V' }] },
    };
    snapshot.sources[0]!.resources.push(labelled);
    snapshot.sources.splice(1, 0, {
      status: status('chie', 'regional'),
      resources: [chieCopy, condition('c8', '44054006', 'Diabetes mellitus type 2')],
      pointers: [],
      identityWarnings: [],
    });
    const governed = read(snapshot, options());
    expect(JSON.stringify(governed)).not.toMatch(/Diabetes|HIV/);
  });

  it('does not change its input', () => {
    const snapshot = baseSnapshot();
    const before = JSON.stringify(snapshot);
    read(snapshot, options());
    expect(JSON.stringify(snapshot)).toBe(before);
  });

  it('a code list from policy replaces the defaults; a bad one is a clear configuration error', () => {
    const custom = asthmaOnlyCodeList();
    const dir = dirname(custom);
    const governed = read(baseSnapshot(), options({ sensitive: loadSensitiveCodes(custom) }));
    expect(ids(governed)).not.toContain('c1');
    expect(ids(governed)).toContain('c2');
    writeFileSync(custom, '{"valueSets": [{"id": "Bad Id", "title": "x", "concepts": []}]}');
    expect(() => loadSensitiveCodes(custom)).toThrow(SensitiveCodeListError);
    expect(() => loadSensitiveCodes(join(dir, 'missing.json'))).toThrow(/cannot be read/);
    writeFileSync(custom, '{not json');
    expect(() => loadSensitiveCodes(custom)).toThrow(/not valid JSON/);
  });

  it('the same resources governed again with another code list (policy changed) follow the new list', () => {
    const custom = asthmaOnlyCodeList();
    const snapshot = baseSnapshot();
    expect(ids(read(snapshot, options()))).toContain('c1');
    const withCustom = read(snapshot, options({ sensitive: loadSensitiveCodes(custom) }));
    expect(ids(withCustom)).not.toContain('c1');
    expect(ids(withCustom)).toContain('c2');
    expect(ids(read(snapshot, options()))).toEqual(['a1', 'c1', 'd1', 'i1', 'o2']);
  });

  it('progress events carry only what the final record shows, and say what the role may not see', () => {
    const governedSnapshot = governSnapshot(baseSnapshot(), options());
    const partial = (opts: GovernOptions) =>
      governForUser(governedSnapshot, opts, (visible) =>
        buildRecord(visible, { identity, sections: CRITICAL_SECTIONS }),
      );
    const problems = (opts: GovernOptions) =>
      urgentCareEvents(partial(opts), 'r').find((e) => e.type === 'section' && e.section === 'problems');
    const paramedic = problems(options({ access: 'urgent-care-and-documents' }));
    expect(paramedic?.type === 'section' && paramedic.items?.map((i) => i.resource.id)).toEqual(['c1']);
    const admin = problems(options({ access: 'demographics-only' }));
    expect(admin?.type === 'section' && admin.items).toEqual([]);
    expect(admin?.type === 'section' && admin.completeness.state).toBe('withheld');
  });
});

const denyConsent = (extra: Partial<Consent> = {}): Consent => ({
  resourceType: 'Consent',
  id: 'dissent',
  status: 'active',
  scope: {
    coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
  },
  category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
  patient: { reference: 'Patient/p' },
  provision: { type: 'deny' },
  ...extra,
});

describe('patient dissent', () => {
  it('a Consent with provision deny withholds the shared record, says so, and marks it never to be kept', () => {
    const kept = governSnapshot(baseSnapshot(), options({ consents: [denyConsent()] }));
    expect(kept.dissent).toBe(true);
    const governed = governForUser(kept, options(), build);
    expect(governed.dissent).toBe(true);
    expect(governed.items).toEqual([]);
    expect(governed.pointers).toEqual([]);
    // 6 sensitive (patient level) + the 5 remaining items and 1 pointer (dissent)
    expect(governed.withheld.count).toBe(12);
    expect(governed.withheld.reasons).toContain('The patient has declined to share their record.');
    expect(governed.patient.nhsNumber).toBe(NHS);
    expect(Object.values(governed.completeness).every((c) => c.state === 'withheld')).toBe(true);
  });

  it("a source's own privacy Consent declines sharing that source's record, not another source's", () => {
    const governed = read(baseSnapshot([denyConsent() as unknown as Json]), options());
    expect(governed.dissent).toBe(true);
    expect(governed.items).toEqual([]);
    expect(governed.completeness.allergies).toMatchObject({
      state: 'withheld',
      reason: 'The patient has declined to share their DCR record.',
    });

    const twoSources = baseSnapshot([denyConsent() as unknown as Json]);
    twoSources.sources.splice(1, 0, {
      status: status('chie', 'regional'),
      resources: [condition('k1', '38341003', 'Hypertension')],
      pointers: [],
      identityWarnings: [],
    });
    const partly = read(twoSources, options());
    expect(partly.dissent).toBe(true);
    expect(partly.items.map((i) => i.display)).toEqual(['Hypertension']);
    expect(partly.sources.find((s) => s.id === 'dcr')?.declined).toBe(true);
    // The section shows CHIE's entry and says DCR's part is withheld, never "none recorded" or complete (and
    // that DCR's sensitive problems, withheld before the dissent, are withheld too).
    expect(partly.completeness.problems).toMatchObject({
      state: 'withheld',
      gaps: expect.arrayContaining([expect.objectContaining({ sourceId: 'dcr', withheld: true })]),
    });
    // The whole snapshot is still never to be kept offline.
    expect(governSnapshot(twoSources, options()).dissent).toBe(true);
  });

  it('the dissent flag from outside the record (sandbox / locator) withholds too', () => {
    expect(read(baseSnapshot(), options({ dissent: true })).items).toEqual([]);
  });

  it('break-glass overrides dissent only where policy allows, and flags it for audit', () => {
    const denied = read(baseSnapshot(), options({ dissent: true, breakGlass: true }));
    expect(denied.items).toEqual([]);
    expect(denied.governance?.dissentOverridden).toBe(false);
    const allowed = read(
      baseSnapshot(),
      options({ dissent: true, breakGlass: true, breakGlassOverridesDissent: true }),
    );
    expect(allowed.dissent).toBe(true);
    expect(allowed.governance).toMatchObject({ dissentOverridden: true, breakGlass: true });
    expect(ids(allowed)).toContain('c1');
    // Sensitive filtering still applies under break-glass.
    expect(JSON.stringify(allowed)).not.toContain('86406008');
  });

  it('an advance decision to refuse treatment (scope adr) is not dissent', () => {
    const adrt = denyConsent({
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'adr' }] },
      category: [],
    });
    expect(read(baseSnapshot(), options({ consents: [adrt] })).dissent).toBe(false);
  });

  it('an expired or inactive dissent no longer applies; a code-restricted deny withholds only those items', () => {
    expect(read(baseSnapshot(), options({ consents: [denyConsent({ status: 'inactive' })] })).dissent).toBe(
      false,
    );
    const partial = denyConsent({
      provision: {
        type: 'permit',
        provision: [{ type: 'deny', code: [{ coding: [{ system: SCT, code: '195967001' }] }] }],
      },
    });
    const governed = read(baseSnapshot(), options({ consents: [partial] }));
    expect(governed.dissent).toBe(false);
    expect(ids(governed)).not.toContain('c1');
    expect(ids(governed)).toContain('a1');
  });
});

describe('role-based access', () => {
  it('GP sees everything (after sensitive filtering)', () => {
    const governed = read(baseSnapshot(), options({ access: 'everything' }));
    expect(governed.governance?.hiddenSections).toEqual([]);
    expect(ids(governed)).toContain('i1');
  });

  it('paramedic sees the urgent-care summary and documents, and is told what is not available', () => {
    const governed = read(baseSnapshot(), options({ access: 'urgent-care-and-documents' }));
    expect(ids(governed)).toEqual(['a1', 'c1', 'd1', 'o2']);
    expect(governed.completeness.immunisations).toMatchObject({ state: 'withheld' });
    expect(governed.completeness.allergies.state).toBe('complete');
    expect(governed.pointers.map((p) => p.id)).toEqual(['ptr-respect']);
    expect(governed.governance?.hiddenSections).toEqual(
      expect.arrayContaining(['immunisations', 'encounters', 'procedures', 'appointments', 'other']),
    );
    expect(governed.governance?.hiddenSections).not.toContain('allergies');
    expect(governed.governance?.hiddenForRoleCount).toBe(1);
  });

  it('admin staff see demographics only', () => {
    const governed = read(baseSnapshot(), options({ access: 'demographics-only' }));
    expect(governed.items).toEqual([]);
    expect(governed.pointers).toEqual([]);
    expect(governed.patient.name).toBe('PATIENT, Test');
    expect(governed.governance?.hiddenSections).toHaveLength(14);
  });

  it('applyRoleAccess is usable on its own', () => {
    expect(applyRoleAccess(buildRecord(baseSnapshot(), { identity }), 'demographics-only').hiddenCount).toBe(
      12,
    );
  });

  it('maps PractitionerRole codes and CIS2 RBAC claims through policy', () => {
    expect(resolveRoleAccess({ practitionerRoleCodes: ['paramedic'] }, policy.roleMapping)).toEqual({
      ok: true,
      access: 'urgent-care-and-documents',
      roleCode: 'paramedic',
    });
    expect(
      resolveRoleAccess({ practitionerRoleCodes: ['general-practitioner'] }, policy.roleMapping),
    ).toMatchObject({
      access: 'everything',
    });
    expect(resolveRoleAccess({ practitionerRoleCodes: ['admin-staff'] }, policy.roleMapping)).toMatchObject({
      access: 'demographics-only',
    });
    const mapping = {
      ...policy.roleMapping,
      R8000: 'everything' as const,
      R8008: 'demographics-only' as const,
    };
    const claims = {
      nhsid_nrbac_roles: [
        {
          person_roleid: '1',
          role_code: 'S8000:G8000:R8000',
          role_name: '"Clinical":"Clinical Provision":"Clinical Practitioner Access Role"',
        },
        {
          person_roleid: '2',
          role_code: 'S8000:G8001:R8008',
          role_name: '"Admin":"Admin":"Admin/Clinical Support Access Role"',
        },
      ],
      selected_roleid: '1',
    };
    expect(resolveRoleAccess({ idTokenClaims: claims }, mapping)).toMatchObject({
      access: 'everything',
      roleCode: 'R8000',
    });
    // No selected role: the most restrictive mapped role wins.
    expect(
      resolveRoleAccess({ idTokenClaims: { nhsid_nrbac_roles: claims.nhsid_nrbac_roles } }, mapping),
    ).toMatchObject({
      access: 'demographics-only',
    });
    expect(resolveRoleAccess({ practitionerRoleCodes: ['receptionist'] }, policy.roleMapping)).toEqual({
      ok: false,
      roles: ['receptionist'],
    });
  });
});
