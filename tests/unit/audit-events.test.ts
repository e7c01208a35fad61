// AuditEvents follow IHE BALP, and exports are safe to open in a spreadsheet.
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../common/fhir';
import { buildAuditEvent, defaultAuditContext, auditCsv, auditBundle } from '../../main/services/audit';
import { chainHash, GENESIS_HASH, type AuditRow } from '../../main/services/audit/audit-log';
import { canonicalJson } from '../../common/canonical-json';

const context = {
  ...defaultAuditContext(),
  user: {
    fhirUser: 'https://epr.example/Practitioner/p1',
    display: 'Dr A Example',
    role: { system: 'https://example.org/roles', code: 'paramedic', display: 'Paramedic' },
    organisation: 'South Western Ambulance Service',
    purposeOfUse: ['TREAT' as const],
  },
};
const agentOfType = (e: AuditEvent, code: string) => e.agent?.find((a) => a.type?.coding?.[0]?.code === code);

describe('BALP AuditEvents', () => {
  it('a record view is a BALP PatientRead with user, client, server, patient and request id', () => {
    const e = buildAuditEvent(context, {
      kind: 'patient-read',
      nhsNumber: '9990001234',
      server: 'https://dcr.example/fhir',
      requestId: 'req-1',
    });
    expect(e.meta?.profile).toEqual([
      'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead',
    ]);
    expect(e.type).toMatchObject({
      system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
      code: 'rest',
    });
    expect(e.subtype?.[0]).toMatchObject({ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' });
    expect(e.action).toBe('R');
    expect(e.outcome).toBe('0');
    const user = agentOfType(e, 'IRCP');
    expect(user).toMatchObject({
      requestor: true,
      who: { reference: 'https://epr.example/Practitioner/p1' },
    });
    expect(user?.role?.[0]?.coding?.[0]?.code).toBe('paramedic');
    expect(user?.purposeOfUse?.[0]?.coding?.[0]).toMatchObject({
      system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
      code: 'TREAT',
    });
    expect(agentOfType(e, '110153')?.network?.address).toBeTruthy();
    expect(agentOfType(e, '110152')?.who?.identifier?.value).toBe('https://dcr.example/fhir');
    const patient = e.entity?.find((x) => x.role?.code === '1');
    expect(patient?.what?.identifier).toEqual({
      system: 'https://fhir.nhs.uk/Id/nhs-number',
      value: '9990001234',
    });
    expect(e.entity?.find((x) => x.type?.code === 'XrequestId')?.what?.identifier?.value).toBe('req-1');
    expect(e.source?.observer?.display).toMatch(/Wessex Care Record/);
  });

  it('a search is a BALP PatientQuery carrying the query (base64) and refusals carry their outcome', () => {
    const e = buildAuditEvent(
      context,
      {
        kind: 'patient-query',
        query: 'Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990001234',
        server: 's',
      },
      { outcome: '4', outcomeDesc: 'No reason for access' },
    );
    expect(e.subtype?.[0]?.code).toBe('search-type');
    expect(e.action).toBe('E');
    const query = e.entity?.find((x) => x.role?.code === '24')?.query;
    expect(Buffer.from(query!, 'base64').toString()).toContain('9990001234');
    expect(e.outcome).toBe('4');
    expect(e.outcomeDesc).toBe('No reason for access');
  });

  it('break-glass records the reason and emergency purpose of use', () => {
    const e = buildAuditEvent(
      { ...context, user: { ...context.user, purposeOfUse: ['ETREAT', 'BTG'] } },
      { kind: 'break-glass', reason: 'Unconscious patient, no EPR access', nhsNumber: '9990001234' },
    );
    expect(e.subtype?.[0]?.code).toBe('break-glass');
    expect(e.entity?.some((x) => x.detail?.[0]?.valueString === 'Unconscious patient, no EPR access')).toBe(
      true,
    );
    expect(agentOfType(e, 'IRCP')?.purposeOfUse?.map((p) => p.coding?.[0]?.code)).toEqual(['ETREAT', 'BTG']);
  });

  it('sign-in and sign-out use the DICOM user authentication codes', () => {
    expect(buildAuditEvent(context, { kind: 'sign-in' }).subtype?.[0]?.code).toBe('110122');
    expect(buildAuditEvent(context, { kind: 'sign-out' }).subtype?.[0]?.code).toBe('110123');
  });
});

describe('audit export', () => {
  const rowFor = (event: AuditEvent & { id: string }, seq: number, prev: string): AuditRow => {
    const eventJson = canonicalJson(event);
    return {
      seq,
      id: event.id,
      eventJson,
      prevHash: prev,
      hash: chainHash(prev, eventJson),
      uploadedAt: null,
      attempts: 0,
      lastError: null,
    };
  };

  it('CSV has one row per event and neutralises formula injection in free text', () => {
    const hostile = '=HYPERLINK("http://evil","x"),"quoted"\nnext line';
    const e1 = buildAuditEvent(context, { kind: 'break-glass', reason: hostile, nhsNumber: '9990001234' });
    const e2 = buildAuditEvent(context, { kind: 'print', nhsNumber: '9990001234', format: 'pdf' });
    const r1 = rowFor(e1, 1, GENESIS_HASH);
    const csv = auditCsv([r1, rowFor(e2, 2, r1.hash)]);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^seq,id,recorded/);
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);
    expect(csv).toContain('""quoted""');
    expect(csv).toContain('9990001234');
  });

  it('the Bundle holds every event', () => {
    const e1 = buildAuditEvent(context, { kind: 'sign-in' });
    const bundle = auditBundle([rowFor(e1, 1, GENESIS_HASH)]);
    expect(bundle.type).toBe('collection');
    expect(bundle.entry?.[0]?.resource?.id).toBe(e1.id);
  });
});
