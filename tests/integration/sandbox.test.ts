// The built-in Wessex sandbox as clients see it: real loopback servers, real FHIR search semantics.
import type { RegionalAccessClaims } from '../../sandbox/regional-auth/claims';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AllergyIntolerance,
  Bundle,
  CapabilityStatement,
  Condition,
  Consent,
  DiagnosticReport,
  DocumentReference,
  Flag,
  MedicationStatement,
  Observation,
  OperationOutcome,
  Patient,
  Resource,
} from '../../common/fhir';
import { isValidNhsNumber } from '../../common/nhs-number';
import { describeSandbox, startSandbox, type RunningSandbox } from '../../sandbox';
import { generateSandboxPatients } from '../../sandbox/patients';
import { NHS, findPatientId, getJson, nextLink, search, searchAll } from './sandbox-helpers';

const VERIFICATION_URL =
  'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus';
const REQUIRED_KEYS = [
  'cross-border',
  'frail',
  'dissent',
  'sensitive',
  'not-traced',
  'mixed-identity',
  'deceased',
  'lab-history',
  'long-history',
];

let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ requireAuth: false });
});
afterAll(async () => {
  await sandbox?.close();
});

function codes(resources: Resource[]): string[] {
  return resources.flatMap((r) => {
    const code = (r as { code?: { coding?: { code?: string }[] } }).code;
    const type = (r as { type?: { coding?: { code?: string }[] } }).type;
    const med = (r as MedicationStatement).medicationCodeableConcept;
    return [...(code?.coding ?? []), ...(type?.coding ?? []), ...(med?.coding ?? [])].map(
      (c) => c.code ?? '',
    );
  });
}

async function record(base: string, nhsNumber: string, type: string): Promise<Resource[]> {
  const id = await findPatientId(base, nhsNumber);
  if (!id) throw new Error(`patient not on ${base}`);
  return (await searchAll(`${base}/${type}?patient=Patient/${id}`)).resources;
}

describe('synthetic patients', () => {
  it('have valid, unique NHS numbers from the 999 test range', () => {
    const numbers = sandbox.patients.map((p) => p.nhsNumber);
    for (const n of numbers) {
      expect(isValidNhsNumber(n), n).toBe(true);
      expect(n.startsWith('999')).toBe(true);
    }
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(sandbox.patients.map((p) => p.key)).toEqual(expect.arrayContaining(REQUIRED_KEYS));
    expect(sandbox.patients.some((p) => p.key === 'large')).toBe(false);
  });

  it('are generated deterministically', () => {
    const a = generateSandboxPatients();
    const b = generateSandboxPatients();
    expect(JSON.stringify(a.patients)).toBe(JSON.stringify(b.patients));
    expect(describeSandbox().map((p) => [p.key, p.nhsNumber])).toEqual(
      a.patients.map((p) => [p.key, p.nhsNumber]),
    );
  });

  it('carry the UK Core verification extension; the not-traced patient is "not traced" in the EPR', () => {
    for (const p of sandbox.patients) {
      const id = p.epr.identifier?.find((i) => i.system === NHS);
      const status = id?.extension?.find((e) => e.url === VERIFICATION_URL)?.valueCodeableConcept
        ?.coding?.[0];
      expect(id?.value).toBe(p.nhsNumber);
      if (p.key === 'not-traced') {
        expect(status?.code).toBe('02');
        expect(status?.display).toBe('Number present but not traced');
      } else expect(status?.code).toBe('01');
    }
  });
});

describe('regional FHIR servers', () => {
  it('find each patient by NHS number on exactly the servers that hold them, under local ids', async () => {
    for (const p of sandbox.patients) {
      const onDcr = await findPatientId(sandbox.urls.dcr, p.nhsNumber);
      const onChie = await findPatientId(sandbox.urls.chie, p.nhsNumber);
      expect(Boolean(onDcr), `${p.key} on DCR`).toBe(p.dcr.length > 0);
      expect(Boolean(onChie), `${p.key} on CHIE`).toBe(p.chie.length > 0);
      if (onDcr && onChie && !p.key.startsWith('synthea')) expect(onDcr).not.toBe(onChie);
    }
    const unknown = await search(`${sandbox.urls.dcr}/Patient?identifier=${NHS}|9990000018`);
    expect(unknown.total).toBe(0);
  });

  it('page with _count and absolute same-origin next links until every match is seen', async () => {
    const p = sandbox.patient('synthea-3');
    const id = await findPatientId(sandbox.urls.chie, p.nhsNumber);
    const first = await search(`${sandbox.urls.chie}/Observation?patient=Patient/${id}&_count=7`);
    expect(first.entry).toHaveLength(7);
    const { resources, pages } = await searchAll(
      `${sandbox.urls.chie}/Observation?patient=Patient/${id}&_count=7`,
    );
    expect(resources.length).toBe(first.total);
    expect(new Set(resources.map((r) => r.id)).size).toBe(resources.length);
    expect(pages.length).toBe(Math.ceil((first.total ?? 0) / 7));
    for (const page of pages) expect(new URL(page).origin).toBe(new URL(sandbox.urls.chie).origin);
    expect(resources.length).toBe(p.chie.filter((r) => r.resourceType === 'Observation').length);
  });

  it('offer Patient/$everything on CHIE only, and say so in their CapabilityStatements', async () => {
    const chieCaps = (await getJson<CapabilityStatement>(`${sandbox.urls.chie}/metadata`)).body;
    const dcrCaps = (await getJson<CapabilityStatement>(`${sandbox.urls.dcr}/metadata`)).body;
    const ops = (c: CapabilityStatement): string[] => [
      ...(c.rest?.[0]?.operation ?? []).map((o) => o.name),
      ...(c.rest?.[0]?.resource ?? []).flatMap((r) => (r.operation ?? []).map((o) => o.name)),
    ];
    expect(ops(chieCaps)).toContain('everything');
    expect(ops(dcrCaps)).not.toContain('everything');

    const frail = sandbox.patient('frail');
    const chieId = await findPatientId(sandbox.urls.chie, frail.nhsNumber);
    const { resources } = await searchAll(`${sandbox.urls.chie}/Patient/${chieId}/$everything?_count=2`);
    expect(resources[0]?.resourceType).toBe('Patient');
    const expected = frail.chie.filter((r) => !['Organization', 'Binary'].includes(r.resourceType));
    expect(resources.map((r) => `${r.resourceType}/${r.id}`).sort()).toEqual(
      expected.map((r) => `${r.resourceType}/${r.id}`).sort(),
    );

    const dcrId = await findPatientId(sandbox.urls.dcr, frail.nhsNumber);
    const dcr = await getJson<OperationOutcome>(`${sandbox.urls.dcr}/Patient/${dcrId}/$everything`);
    expect(dcr.status).toBe(404);
    expect(dcr.body.resourceType).toBe('OperationOutcome');
  });

  it('filter by _lastUpdated, and show server-side updates and deletions', async () => {
    const p = sandbox.patient('cross-border');
    const dcrId = await findPatientId(sandbox.urls.dcr, p.nhsNumber);
    const since = new Date().toISOString();
    const url = `${sandbox.urls.dcr}/Condition?patient=Patient/${dcrId}&_lastUpdated=gt${since}`;
    expect((await search(url)).total).toBe(0);

    const [condition] = (await record(sandbox.urls.dcr, p.nhsNumber, 'Condition')) as Condition[];
    if (!condition?.id) throw new Error('no condition');
    await sandbox.servers.dcr.updateResource({ ...condition, note: [{ text: 'Reviewed today' }] });
    const changed = await search(url);
    expect(changed.entry?.map((e) => e.resource?.id)).toEqual([condition.id]);
    expect(
      (await search(`${sandbox.urls.dcr}/Condition?patient=Patient/${dcrId}&_lastUpdated=ge2000-01-01`))
        .total,
    ).toBe(p.dcr.filter((r) => r.resourceType === 'Condition').length);

    await sandbox.servers.dcr.deleteResource('Condition', condition.id);
    const gone = await getJson<OperationOutcome>(`${sandbox.urls.dcr}/Condition/${condition.id}`);
    expect(gone.status).toBe(404);
    const after = await record(sandbox.urls.dcr, p.nhsNumber, 'Condition');
    expect(after.map((r) => r.id)).not.toContain(condition.id);
    await sandbox.servers.dcr.updateResource(condition);
  });

  it('answer bad requests with an OperationOutcome, not a crash', async () => {
    const badCount = await getJson<OperationOutcome>(`${sandbox.urls.dcr}/Observation?_count=-1`);
    expect(badCount.status).toBe(400);
    expect(badCount.body.resourceType).toBe('OperationOutcome');
    const unknownType = await getJson<OperationOutcome>(`${sandbox.urls.dcr}/NotAType?name=x`);
    expect(unknownType.status).toBeGreaterThanOrEqual(400);
    expect(unknownType.body.resourceType).toBe('OperationOutcome');
    // Abstract base types are not searchable resource types either.
    for (const abstract of ['Resource', 'DomainResource']) {
      expect((await getJson(`${sandbox.urls.dcr}/${abstract}?_id=x`)).status).toBe(400);
    }
    // A real R4 type the server holds nothing of is an empty result, as on any FHIR server.
    const none = await getJson<Bundle>(`${sandbox.urls.dcr}/Claim?_count=1`);
    expect(none.status).toBe(200);
    expect(none.body.entry ?? []).toEqual([]);
    const missing = await getJson<OperationOutcome>(`${sandbox.urls.chie}/Patient/does-not-exist`);
    expect(missing.status).toBe(404);
    const post = await fetch(`${sandbox.urls.dcr}/Patient`, {
      method: 'POST',
      body: '{"resourceType":"Patient"}',
    });
    expect(post.status).toBe(405);
  });

  it('require a bearer token for their own base URL when a verifier is set (metadata stays open)', async () => {
    const dcr = sandbox.servers.dcr;
    // A GP's direct-care token with no patient bound: it may search Patient.
    const gp: RegionalAccessClaims = {
      iss: 'http://127.0.0.1:9/regional-auth',
      sub: 'sandbox-gp',
      aud: sandbox.urls.dcr,
      exp: Math.floor(Date.now() / 1000) + 300,
      client_id: 'wessex-viewer',
      scope: 'user/*.rs',
      fhirUser: 'Practitioner/sandbox-gp',
      extensions: {
        ihe_iua: {
          subject_name: 'Dr Sandbox GP',
          subject_organization: 'Sandbox Surgery',
          subject_organization_id: 'A00000',
          subject_role: { system: 'https://example.org/role', code: 'general-practitioner' },
          purpose_of_use: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' },
        },
      },
    };
    dcr.setRegionalVerifier(async (token, audience) =>
      token === 'good-token' && audience === sandbox.urls.dcr ? gp : undefined,
    );
    try {
      dcr.clearRequests();
      const none = await getJson<OperationOutcome>(`${sandbox.urls.dcr}/Patient?_count=1`);
      expect(none.status).toBe(401);
      expect(none.body.resourceType).toBe('OperationOutcome');
      const wrong = await getJson(`${sandbox.urls.dcr}/Patient?_count=1`, { authorization: 'Bearer other' });
      expect(wrong.status).toBe(401);
      const good = await getJson(`${sandbox.urls.dcr}/Patient?_count=1`, {
        authorization: 'Bearer good-token',
      });
      expect(good.status).toBe(200);
      expect((await getJson(`${sandbox.urls.dcr}/metadata`)).status).toBe(200);
      expect(dcr.requests.map((r) => [r.status, r.authorization])).toEqual([
        [401, false],
        [401, true],
        [200, true],
        [200, false],
      ]);
      expect(JSON.stringify(dcr.requests)).not.toContain('good-token');
    } finally {
      dcr.setRegionalVerifier(undefined);
    }
  });
});

describe('clinical stories', () => {
  it('cross-border: overlapping entries and real conflicts between DCR and CHIE', async () => {
    const p = sandbox.patient('cross-border');
    expect(p.epr.address?.[0]?.city).toBe('Ringwood');
    const dcrAllergies = (await record(
      sandbox.urls.dcr,
      p.nhsNumber,
      'AllergyIntolerance',
    )) as AllergyIntolerance[];
    const chieAllergies = (await record(
      sandbox.urls.chie,
      p.nhsNumber,
      'AllergyIntolerance',
    )) as AllergyIntolerance[];
    expect(codes(dcrAllergies)).toContain('716186003');
    expect(codes(chieAllergies)).toContain('91936005');

    const shared = 'https://fhir.wessex.example.nhs.uk/Id/gp-record-entry|J82642-PRB-0101';
    const onDcr = await search(`${sandbox.urls.dcr}/Condition?identifier=${encodeURIComponent(shared)}`);
    const onChie = await search(`${sandbox.urls.chie}/Condition?identifier=${encodeURIComponent(shared)}`);
    expect(onDcr.total).toBe(1);
    expect(onChie.total).toBe(1);

    const dcrConditions = (await record(sandbox.urls.dcr, p.nhsNumber, 'Condition')) as Condition[];
    const chieConditions = (await record(sandbox.urls.chie, p.nhsNumber, 'Condition')) as Condition[];
    const diabetes = (cs: Condition[]): Condition | undefined =>
      cs.find((c) => codes([c]).includes('44054006'));
    expect(diabetes(dcrConditions)?.onsetDateTime).toBe(diabetes(chieConditions)?.onsetDateTime);
    expect(diabetes(dcrConditions)?.identifier).toBeUndefined();

    const metformin = async (base: string): Promise<string | undefined> =>
      ((await record(base, p.nhsNumber, 'MedicationStatement')) as MedicationStatement[]).find((m) =>
        codes([m]).includes('325278007'),
      )?.status;
    expect(await metformin(sandbox.urls.dcr)).toBe('active');
    expect(await metformin(sandbox.urls.chie)).toBe('stopped');
    expect(codes(await record(sandbox.urls.chie, p.nhsNumber, 'Flag'))).toContain('304253006');
    expect(codes(await record(sandbox.urls.dcr, p.nhsNumber, 'Observation'))).toContain('304252001');
  });

  it('frail: advance care decisions, alerts, contacts and locator pointers that resolve', async () => {
    const p = sandbox.patient('frail');
    const flags = (await record(sandbox.urls.dcr, p.nhsNumber, 'Flag')) as Flag[];
    expect(codes(flags)).toEqual(
      expect.arrayContaining(['304253006', '225915006', '225920008', '15188001', '1095991000000102']),
    );
    expect(flags.filter((f) => f.category?.[0]?.coding?.[0]?.code === 'safety')).toHaveLength(2);
    for (const type of ['RelatedPerson', 'CareTeam', 'EpisodeOfCare', 'Consent']) {
      expect((await record(sandbox.urls.dcr, p.nhsNumber, type)).length, type).toBeGreaterThan(0);
    }
    expect(codes(await record(sandbox.urls.dcr, p.nhsNumber, 'DocumentReference'))).toContain(
      '1382601000000107',
    );

    const pointers = await search(
      `${sandbox.urls.locator}/DocumentReference?subject:identifier=${NHS}|${p.nhsNumber}`,
    );
    const docs = (pointers.entry ?? []).map((e) => e.resource as DocumentReference);
    expect(codes(docs).sort()).toEqual(['1382601000000107', '736373009', '861421000000109']);
    const eol = await search(
      `${sandbox.urls.locator}/DocumentReference?subject:identifier=${NHS}|${p.nhsNumber}&type=http://snomed.info/sct|736373009`,
    );
    expect(eol.total).toBe(1);

    const urls = docs.map((d) => d.content[0]?.attachment.url ?? '');
    const pdfUrl = urls.find((u) => u.startsWith(sandbox.urls.dcr));
    const htmlUrl = urls.find((u) => u.startsWith(sandbox.urls.chie));
    expect(urls.some((u) => u.startsWith('https://ssp.example.nhs.uk/'))).toBe(true);
    const pdf = await fetch(pdfUrl ?? '', { headers: { accept: 'application/pdf' } });
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const pdfText = Buffer.from(await pdf.arrayBuffer()).toString('latin1');
    expect(pdfText.startsWith('%PDF-1.4')).toBe(true);
    expect(pdfText).toContain('%%EOF');
    const html = await fetch(htmlUrl ?? '', { headers: { accept: 'text/html' } });
    expect(await html.text()).toContain('End of life care plan');
    const asFhir = await getJson<{ resourceType: string; contentType: string }>(htmlUrl ?? '');
    expect(asFhir.body).toMatchObject({ resourceType: 'Binary', contentType: 'text/html' });

    const none = await search(
      `${sandbox.urls.locator}/DocumentReference?subject:identifier=${NHS}|${sandbox.patient('dissent').nhsNumber}`,
    );
    expect(none.total).toBe(0);
    const bad = await getJson<OperationOutcome>(
      `${sandbox.urls.locator}/DocumentReference?subject:identifier=<script>`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.issue[0]?.diagnostics).toContain('subject:identifier');
  });

  it('dissent: a patient-privacy deny Consent in both regional sources', async () => {
    const p = sandbox.patient('dissent');
    expect(p.dissent).toBe(true);
    for (const base of [sandbox.urls.dcr, sandbox.urls.chie]) {
      const consents = (await record(base, p.nhsNumber, 'Consent')) as Consent[];
      expect(
        consents.some((c) => c.scope.coding?.[0]?.code === 'patient-privacy' && c.provision?.type === 'deny'),
      ).toBe(true);
    }
    expect(sandbox.patients.filter((x) => x.dissent).map((x) => x.key)).toEqual(['dissent']);
  });

  it('sensitive: sensitive SNOMED codes and R/V confidentiality labels next to ordinary entries', async () => {
    const p = sandbox.patient('sensitive');
    const all = [...p.dcr, ...p.chie];
    expect(codes(all)).toEqual(
      expect.arrayContaining(['86406008', '105629000', '52637005', '386639001', '93461009', '195967001']),
    );
    const labels = all.flatMap((r) => r.meta?.security?.map((s) => `${s.system}|${s.code}`) ?? []);
    expect(labels).toEqual(
      expect.arrayContaining([
        'http://terminology.hl7.org/CodeSystem/v3-Confidentiality|R',
        'http://terminology.hl7.org/CodeSystem/v3-Confidentiality|V',
      ]),
    );
    const served = await record(sandbox.urls.chie, p.nhsNumber, 'Condition');
    expect(served.some((r) => r.meta?.security?.[0]?.code === 'R')).toBe(true);
  });

  it('lab-history: reports and panels whose results the servers hold, by the references they give', async () => {
    const p = sandbox.patient('lab-history');
    const reports = await record(sandbox.urls.dcr, p.nhsNumber, 'DiagnosticReport');
    expect(reports).toHaveLength(40);
    const dcrObservations = new Set(
      (await record(sandbox.urls.dcr, p.nhsNumber, 'Observation')).map((r) => `Observation/${r.id}`),
    );
    for (const r of reports as DiagnosticReport[]) {
      expect(r.result).toHaveLength(3);
      for (const ref of r.result ?? []) expect(dcrObservations.has(ref.reference ?? '')).toBe(true);
    }
    const chie = (await record(sandbox.urls.chie, p.nhsNumber, 'Observation')) as Observation[];
    const panels = chie.filter((o) => o.hasMember?.length);
    expect(panels).toHaveLength(5);
    const held = new Set(chie.map((o) => `Observation/${o.id}`));
    for (const ref of panels.flatMap((o) => o.hasMember ?? []))
      expect(held.has(ref.reference ?? '')).toBe(true);
  });

  it('Synthea: three bundles loaded with injected NHS numbers, without claims, references resolved', async () => {
    const synthea = sandbox.patients.filter((p) => p.key.startsWith('synthea-'));
    expect(synthea).toHaveLength(3);
    for (const p of synthea) {
      expect(isValidNhsNumber(p.nhsNumber)).toBe(true);
      const all = [...p.dcr, ...p.chie];
      expect(all.some((r) => r.resourceType === 'Claim' || r.resourceType === 'ExplanationOfBenefit')).toBe(
        false,
      );
      expect(JSON.stringify(all)).not.toContain('urn:uuid:');
      const base = p.dcr.length ? sandbox.urls.dcr : sandbox.urls.chie;
      expect((await record(base, p.nhsNumber, 'Encounter')).length).toBeGreaterThan(0);
    }
    expect(sandbox.patients.some((p) => p.key.startsWith('synthea') && p.dcr.length && p.chie.length)).toBe(
      true,
    );
    const claims = await search(`${sandbox.urls.dcr}/Claim`).catch(() => ({ total: 0 }) as Bundle);
    expect(claims.total ?? 0).toBe(0);
  });

  it('a missing fixtures folder skips Synthea with a note instead of failing', () => {
    const result = generateSandboxPatients({ fixturesDir: '/nonexistent/fixtures' });
    expect(result.patients.map((p) => p.key)).toEqual(REQUIRED_KEYS);
    expect(result.notes.join(' ')).toMatch(/Synthea fixtures not found/);
  });
});

describe('audit endpoint', () => {
  const chain = 'device-chain-0001';
  const sha = (prev: string, body: string): string =>
    createHash('sha256').update(prev).update(body).digest('hex');
  const put = (id: string, body: string, seq: number, prevHash: string, hash = sha(prevHash, body)) =>
    fetch(`${sandbox.urls.audit}/AuditEvent/${id}`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/fhir+json',
        'x-audit-chain': chain,
        'x-audit-seq': String(seq),
        'x-audit-prev-hash': prevHash,
        'x-audit-hash': hash,
      },
      body,
    });

  it('keeps a chain per device: the next event once however often repeated, refusing gaps and wrong hashes', async () => {
    const audit = sandbox.servers.audit;
    audit.clearEvents();
    const genesis = '0'.repeat(64);
    const first = JSON.stringify({
      resourceType: 'AuditEvent',
      id: 'evt-1',
      recorded: '2025-10-01T10:00:00Z',
    });
    const created = await put('evt-1', first, 1, genesis);
    expect(created.status).toBe(201);
    expect(created.headers.get('x-audit-head-seq')).toBe('1');
    expect(created.headers.get('x-audit-head-hash')).toBe(sha(genesis, first));
    expect((await put('evt-1', first, 1, genesis)).status).toBe(200);

    const second = JSON.stringify({
      resourceType: 'AuditEvent',
      id: 'evt-2',
      recorded: '2025-10-01T10:01:00Z',
    });
    const gap = await put('evt-2', second, 3, sha(genesis, first));
    expect(gap.status).toBe(409);
    expect(gap.headers.get('x-audit-head-seq')).toBe('1');
    expect((await put('evt-2', second, 2, sha(genesis, first), 'f'.repeat(64))).status).toBe(409);
    expect((await put('evt-2', second, 2, genesis)).status).toBe(409);
    const unplaced = await fetch(`${sandbox.urls.audit}/AuditEvent/evt-2`, { method: 'PUT', body: second });
    expect(unplaced.status).toBe(400);
    expect(audit.chainHead(chain)).toEqual({ seq: 1, hash: sha(genesis, first) });

    const posted = await fetch(`${sandbox.urls.audit}/AuditEvent`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'AuditEvent', recorded: '2025-10-01T10:01:00Z' }),
    });
    expect(posted.status).toBe(201);
    expect(posted.headers.get('location')).toMatch(/\/AuditEvent\/audit-\d+$/);
    expect(audit.events.map((e) => e.id)).toEqual(['evt-1', expect.stringMatching(/^audit-/)]);
    const listed = await search(`${sandbox.urls.audit}/AuditEvent`);
    expect(listed.total).toBe(2);

    const junk = await fetch(`${sandbox.urls.audit}/AuditEvent/evt-2`, { method: 'PUT', body: '{not json' });
    expect(junk.status).toBe(400);
    const wrongType = await fetch(`${sandbox.urls.audit}/AuditEvent/evt-3`, {
      method: 'PUT',
      body: '{"resourceType":"Patient"}',
    });
    expect(wrongType.status).toBe(400);
    expect(audit.events).toHaveLength(2);
  });
});

describe('first page of a patient search', () => {
  it('includes self and next links and a total', async () => {
    const p = sandbox.patient('synthea-1');
    const id = await findPatientId(sandbox.urls.dcr, p.nhsNumber);
    const bundle = await search(`${sandbox.urls.dcr}/Observation?subject=Patient/${id}&_count=10`);
    expect(bundle.type).toBe('searchset');
    expect(bundle.link?.find((l) => l.relation === 'self')?.url).toContain('/Observation?');
    expect(nextLink(bundle)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir\/Observation\?.*_offset=10/);
    expect((bundle.entry?.[0]?.resource as Patient | undefined)?.resourceType).toBe('Observation');
  });
});
