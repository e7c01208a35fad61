// governRecord: dissent, sensitive codes, confidentiality labels and role access, as the user would see them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Consent, Resource } from '../../common/fhir';
import type { RecordItem, RecordPointer, SectionId, WessexRecord } from '../../common/record';
import {
  applyRoleAccess,
  governRecord,
  governRecordEvent,
  loadSensitiveCodes,
  resolveRoleAccess,
  SensitiveCodeListError,
  type GovernOptions,
} from '../../main/services/governance';
import { machinePolicySchema } from '../../main/services/policy/schema';

const SCT = 'http://snomed.info/sct';
const sensitive = loadSensitiveCodes();
const policy = machinePolicySchema.parse({});

function item(
  key: string,
  section: SectionId,
  resource: Resource,
  code?: { code: string; display: string },
): RecordItem {
  return {
    key,
    section,
    resourceType: resource.resourceType,
    display: code?.display ?? key,
    ...(code ? { code: { system: SCT, ...code } } : {}),
    resource,
    provenance: [
      {
        sourceId: 'dcr',
        sourceName: 'DCR',
        server: 'x',
        resourceType: resource.resourceType,
        resourceId: key,
      },
    ],
  };
}

const condition = (
  id: string,
  code: string,
  display: string,
  extra: Record<string, unknown> = {},
): Resource =>
  ({
    resourceType: 'Condition',
    id,
    subject: { reference: 'Patient/p' },
    code: { coding: [{ system: SCT, code, display }] },
    ...extra,
  }) as Resource;

function baseRecord(): WessexRecord {
  const items: RecordItem[] = [
    item(
      'allergy-pen',
      'allergies',
      { resourceType: 'AllergyIntolerance', id: 'a1', patient: { reference: 'Patient/p' } } as Resource,
      {
        code: '91936005',
        display: 'Allergy to penicillin',
      },
    ),
    item('asthma', 'problems', condition('c1', '195967001', 'Asthma'), {
      code: '195967001',
      display: 'Asthma',
    }),
    item('hiv', 'problems', condition('c2', '86406008', 'Human immunodeficiency virus infection'), {
      code: '86406008',
      display: 'Human immunodeficiency virus infection',
    }),
    // Sensitive only through its reason code: a medication for an STI.
    item('med-doxy', 'medications', {
      resourceType: 'MedicationStatement',
      id: 'm1',
      status: 'active',
      subject: { reference: 'Patient/p' },
      medicationCodeableConcept: { text: 'Doxycycline 100mg capsules' },
      reasonCode: [{ coding: [{ system: SCT, code: '105629000', display: 'Chlamydial infection' }] }],
    } as Resource),
    // Sensitive only inside a contained resource.
    item('encounter-top', 'encounters', {
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
    } as Resource),
    // Restricted by a confidentiality label, with an innocent code.
    item('obs-restricted', 'results', {
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] },
      code: { coding: [{ system: SCT, code: '27113001', display: 'Body weight' }] },
    } as Resource),
    item('obs-normal-conf', 'results', {
      resourceType: 'Observation',
      id: 'o2',
      status: 'final',
      meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'N' }] },
      code: { coding: [{ system: SCT, code: '75367002', display: 'Blood pressure' }] },
    } as Resource),
    // Innocent code, but its reason is the withheld HIV condition: the link would reveal it.
    item('med-linked', 'medications', {
      resourceType: 'MedicationStatement',
      id: 'm2',
      status: 'active',
      subject: { reference: 'Patient/p' },
      medicationCodeableConcept: { text: 'Emtricitabine 200mg / Tenofovir 245mg tablets' },
      reasonReference: [{ reference: 'https://dcr.example/fhir/Condition/c2' }],
    } as Resource),
    item('flu', 'immunisations', { resourceType: 'Immunization', id: 'i1', status: 'completed' } as Resource),
    item('letter', 'documents', {
      resourceType: 'DocumentReference',
      id: 'd1',
      status: 'current',
      content: [],
    } as Resource),
  ];
  const pointers: RecordPointer[] = [
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
  return {
    patient: { name: 'Test Patient', nhsNumber: '9990001234', verification: 'verified' },
    sources: [],
    items,
    conflicts: [
      {
        kind: 'medication-status',
        message: 'Sources disagree about Human immunodeficiency virus infection',
        itemKeys: ['hiv', 'asthma'],
      },
    ],
    identityWarnings: [],
    pointers,
    withheld: { count: 0, reasons: [] },
    dissent: false,
    assembledAt: '2025-01-01T00:00:00Z',
    ungrantedScopes: [],
  };
}

const options = (extra: Partial<GovernOptions> = {}): GovernOptions => ({
  access: 'everything',
  sensitive,
  breakGlassOverridesDissent: false,
  ...extra,
});

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

describe('sensitive data filtering', () => {
  it('no sensitive code, display or restricted item survives, and the withheld count is right', () => {
    const governed = governRecord(baseRecord(), options());
    const json = JSON.stringify(governed);
    for (const s of SENSITIVE_STRINGS) expect(json, s).not.toContain(s);
    expect(governed.items.map((i) => i.key).sort()).toEqual(
      ['allergy-pen', 'asthma', 'flu', 'letter', 'obs-normal-conf'].sort(),
    );
    expect(governed.pointers.map((p) => p.id)).toEqual(['ptr-respect']);
    // hiv, med-doxy, med-linked, encounter-top, obs-restricted + the IVF pointer
    expect(governed.withheld.count).toBe(6);
    expect(governed.withheld.reasons.join(' ')).not.toMatch(/HIV|pregnan|fertil/i);
    expect(governed.withheld.reasons.length).toBeGreaterThan(0);
    expect(governed.conflicts).toEqual([]);
  });

  it('does not change its input', () => {
    const record = baseRecord();
    const before = JSON.stringify(record);
    governRecord(record, options());
    expect(JSON.stringify(record)).toBe(before);
  });

  it('a code list from policy replaces the defaults; a bad one is a clear configuration error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wessex-codes-'));
    const custom = join(dir, 'codes.json');
    writeFileSync(
      custom,
      JSON.stringify({
        valueSets: [{ id: 'asthma-test', title: 'Test', concepts: [{ code: '195967001' }] }],
      }),
    );
    const governed = governRecord(baseRecord(), options({ sensitive: loadSensitiveCodes(custom) }));
    expect(governed.items.map((i) => i.key)).not.toContain('asthma');
    expect(governed.items.map((i) => i.key)).toContain('hiv');
    writeFileSync(custom, '{"valueSets": [{"id": "Bad Id", "title": "x", "concepts": []}]}');
    expect(() => loadSensitiveCodes(custom)).toThrow(SensitiveCodeListError);
    expect(() => loadSensitiveCodes(join(dir, 'missing.json'))).toThrow(/cannot be read/);
    writeFileSync(custom, '{not json');
    expect(() => loadSensitiveCodes(custom)).toThrow(/not valid JSON/);
  });

  it('filters progressive section events the same way', () => {
    const record = baseRecord();
    const event = governRecordEvent(
      {
        type: 'section',
        requestId: 'r',
        section: 'problems',
        items: record.items.filter((i) => i.section === 'problems'),
      },
      options(),
    );
    expect(event.type === 'section' && event.items.map((i) => i.key)).toEqual(['asthma']);
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
  it('a Consent with provision deny withholds the shared record and says so', () => {
    const governed = governRecord(baseRecord(), options({ consents: [denyConsent()] }));
    expect(governed.dissent).toBe(true);
    expect(governed.items).toEqual([]);
    expect(governed.pointers).toEqual([]);
    expect(governed.withheld.count).toBe(12);
    expect(governed.withheld.reasons).toContain('The patient has declined to share their record.');
    expect(governed.patient.nhsNumber).toBe('9990001234');
  });

  it('the dissent flag from outside the record (sandbox / locator) withholds too', () => {
    expect(governRecord(baseRecord(), options({ dissent: true })).items).toEqual([]);
  });

  it('break-glass overrides dissent only where policy allows, and flags it for audit', () => {
    const denied = governRecord(baseRecord(), options({ dissent: true, breakGlass: true }));
    expect(denied.items).toEqual([]);
    expect(denied.governance?.dissentOverridden).toBe(false);
    const allowed = governRecord(
      baseRecord(),
      options({ dissent: true, breakGlass: true, breakGlassOverridesDissent: true }),
    );
    expect(allowed.dissent).toBe(true);
    expect(allowed.governance).toMatchObject({ dissentOverridden: true, breakGlass: true });
    expect(allowed.items.map((i) => i.key)).toContain('asthma');
    // Sensitive filtering still applies under break-glass.
    expect(JSON.stringify(allowed)).not.toContain('86406008');
  });

  it('an advance decision to refuse treatment (scope adr) is not dissent', () => {
    const adrt = denyConsent({
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'adr' }] },
      category: [],
    });
    expect(governRecord(baseRecord(), options({ consents: [adrt] })).dissent).toBe(false);
  });

  it('an expired or inactive dissent no longer applies; a code-restricted deny withholds only those items', () => {
    expect(
      governRecord(baseRecord(), options({ consents: [denyConsent({ status: 'inactive' })] })).dissent,
    ).toBe(false);
    const partial = denyConsent({
      provision: {
        type: 'permit',
        provision: [{ type: 'deny', code: [{ coding: [{ system: SCT, code: '195967001' }] }] }],
      },
    });
    const governed = governRecord(baseRecord(), options({ consents: [partial] }));
    expect(governed.dissent).toBe(false);
    expect(governed.items.map((i) => i.key)).not.toContain('asthma');
    expect(governed.items.map((i) => i.key)).toContain('allergy-pen');
  });
});

describe('role-based access', () => {
  const keys = (r: WessexRecord) => r.items.map((i) => i.key).sort();

  it('GP sees everything (after sensitive filtering)', () => {
    const governed = governRecord(baseRecord(), options({ access: 'everything' }));
    expect(governed.governance?.hiddenSections).toEqual([]);
    expect(keys(governed)).toContain('flu');
  });

  it('paramedic sees the urgent-care summary and documents, and is told what is not available', () => {
    const governed = governRecord(baseRecord(), options({ access: 'urgent-care-and-documents' }));
    expect(keys(governed)).toEqual(['allergy-pen', 'asthma', 'letter', 'obs-normal-conf']);
    expect(governed.pointers.map((p) => p.id)).toEqual(['ptr-respect']);
    expect(governed.governance?.hiddenSections).toEqual(
      expect.arrayContaining(['immunisations', 'encounters', 'procedures', 'appointments', 'other']),
    );
    expect(governed.governance?.hiddenSections).not.toContain('allergies');
    expect(governed.governance?.hiddenForRoleCount).toBe(1);
  });

  it('admin staff see demographics only', () => {
    const governed = governRecord(baseRecord(), options({ access: 'demographics-only' }));
    expect(governed.items).toEqual([]);
    expect(governed.pointers).toEqual([]);
    expect(governed.patient.name).toBe('Test Patient');
    expect(governed.governance?.hiddenSections).toHaveLength(14);
  });

  it('applyRoleAccess is usable on its own', () => {
    expect(applyRoleAccess(baseRecord(), 'demographics-only').hiddenCount).toBe(12);
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
