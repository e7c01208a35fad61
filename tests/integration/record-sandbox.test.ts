// The record engine against the built-in Wessex sandbox: the cross-border patient merged from DCR and CHIE,
// and every sandbox fault mode ending in a clear per-source status while the other source still delivers.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RecordEvent, WessexRecord } from '../../common/record';
import type { TokenProvider } from '../../main/services/auth/token-provider';
import { assembleRecord, type EngineOptions } from '../../main/services/record';
import { startSandbox, type FaultMode, type FaultOptions, type RunningSandbox } from '../../sandbox';

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ requireAuth: false });
});
afterAll(async () => {
  await sandbox?.close();
});
afterEach(async () => {
  for (const server of [sandbox.servers.dcr, sandbox.servers.chie, sandbox.servers.locator]) {
    await server.setFault(undefined);
    server.clearRequests();
  }
  sandbox.servers.elsewhere.clearRequests();
});

/** Tokens per source, so a test can see which server was sent which token (the sandbox logs presence only). */
const tokens: TokenProvider = {
  getToken: async (sourceId) => `token-for-${sourceId}`,
  refresh: async () => undefined,
};

async function fetchCrossBorder(options: Partial<EngineOptions> = {}, onEvent?: (e: RecordEvent) => void) {
  const patient = sandbox.patient('cross-border');
  return assembleRecord({
    requestId: 'test',
    identity: { nhsNumber: patient.nhsNumber, mayQueryRegionalSources: true, eprPatient: patient.epr },
    sources: [
      { id: 'dcr', name: 'DCR', fhirBase: sandbox.urls.dcr },
      { id: 'chie', name: 'CHIE', fhirBase: sandbox.urls.chie },
    ],
    locator: { id: 'locator', name: 'Locator', fhirBase: sandbox.urls.locator },
    tokens,
    options: { retryBaseMs: 10, ...options },
    ...(onEvent ? { onEvent } : {}),
  });
}

const status = (record: WessexRecord, id: string) => record.sources.find((s) => s.id === id)!;
const fromSource = (record: WessexRecord, name: string) =>
  record.items.filter((i) => i.provenance.some((p) => p.sourceName === name));

describe('cross-border patient from DCR and CHIE', () => {
  it('merges both sources with provenance and flags the conflicts', async () => {
    const record = await fetchCrossBorder();
    expect(record.sources.map((s) => [s.id, s.state])).toEqual([
      ['dcr', 'complete'],
      ['chie', 'complete'],
      ['locator', 'complete'],
    ]);
    expect(record.patient).toMatchObject({ name: 'LEGG, David John (Mr)', verification: 'verified' });
    // Same business identifier, and same code + date: one item each, held by both sources.
    const hypertension = record.items.filter((i) => i.display === 'Hypertensive disorder');
    expect(hypertension).toHaveLength(1);
    expect(hypertension[0]!.provenance.map((p) => p.sourceName).sort()).toEqual(['CHIE', 'DCR']);
    const diabetes = record.items.filter((i) => i.display === 'Diabetes mellitus type 2');
    expect(diabetes).toHaveLength(1);
    expect(diabetes[0]!.provenance).toHaveLength(2);
    expect(record.conflicts.map((c) => c.kind).sort()).toEqual([
      'allergy-vs-no-known-allergies',
      'medication-status',
      'resuscitation-status',
    ]);
    expect(record.conflicts.find((c) => c.kind === 'medication-status')!.message).toMatch(
      /^Metformin.*active in DCR, stopped in CHIE$/,
    );
    const allergies = record.items.filter((i) => i.section === 'allergies');
    expect(allergies.every((i) => i.conflict)).toBe(true);
    expect(record.identityWarnings).toEqual([]);
  });

  it('uses $everything on CHIE and per-type searches on DCR', async () => {
    await fetchCrossBorder();
    const chiePaths = sandbox.servers.chie.requests.map((r) => new URL(r.url).pathname);
    const dcrPaths = sandbox.servers.dcr.requests.map((r) => new URL(r.url).pathname);
    expect(chiePaths.some((p) => p.endsWith('/$everything'))).toBe(true);
    // Its only searches are the advance care ones made ahead of the whole read (observations by code).
    const chieObservations = sandbox.servers.chie.requests.filter((r) =>
      new URL(r.url).pathname.endsWith('/Observation'),
    );
    expect(chieObservations.map((r) => new URL(r.url).searchParams.has('code'))).toEqual([true]);
    expect(dcrPaths.some((p) => p.includes('$everything'))).toBe(false);
    for (const type of ['AllergyIntolerance', 'Flag', 'MedicationStatement', 'Observation', 'Encounter']) {
      expect(dcrPaths.some((p) => p.endsWith(`/${type}`))).toBe(true);
    }
    expect(sandbox.servers.dcr.requests.every((r) => r.authorization)).toBe(true);
  });

  it('emits the critical sections, complete, before the final record', async () => {
    const events: RecordEvent[] = [];
    await fetchCrossBorder({}, (e) => events.push(e));
    const recordAt = events.findIndex((e) => e.type === 'record');
    expect(recordAt).toBe(events.length - 1);
    for (const section of ['alerts', 'allergies', 'medications', 'problems']) {
      const at = events.findIndex(
        (e) => e.type === 'section' && e.section === section && e.completeness.state === 'complete',
      );
      expect(at, section).toBeGreaterThanOrEqual(0);
      expect(at).toBeLessThan(recordAt);
    }
    // The decisions are sent as early; the section is settled by each source's whole read, so by the record.
    const decisions = events.findIndex(
      (e) => e.type === 'section' && e.section === 'advanceCare' && !!e.items?.length,
    );
    expect(decisions).toBeGreaterThanOrEqual(0);
    expect(decisions).toBeLessThan(recordAt);
    const record = events[recordAt];
    expect(record?.type === 'record' && record.record.completeness.advanceCare.state).toBe('complete');
    const allergies = events.find(
      (e) => e.type === 'section' && e.section === 'allergies' && e.completeness.state === 'complete',
    );
    expect(allergies?.type === 'section' && allergies.items?.length).toBe(2);
  });
});

describe('every sandbox fault mode ends in a clear source status, and the other source still delivers', () => {
  const cases: [FaultMode, FaultOptions, Partial<EngineOptions>, RegExp][] = [
    ['500', {}, {}, /^CHIE had a server error \(HTTP 500\)$/],
    ['malformed-json', {}, {}, /^CHIE sent a response that is not valid JSON$/],
    ['truncated-body', {}, {}, /^CHIE answered, but the answer was cut off before it was complete$/],
    ['wrong-content-type', {}, {}, /^CHIE answered with text\/html; charset=utf-8 instead of FHIR JSON$/],
    ['not-bundle', {}, {}, /^CHIE sent a Patient instead of a search result Bundle$/],
    [
      'oversize',
      { bytes: 3 * 1024 * 1024 },
      { maxBodyBytes: 1024 * 1024 },
      /^CHIE sent more than the 1 MB limit/,
    ],
    ['slow', { delayMs: 10_000 }, { deadlineMs: 1000 }, /^CHIE was too slow: it did not finish within 1 s$/],
    [
      '429',
      { retryAfterSeconds: 0 },
      { maxRetries: 1 },
      /^CHIE too busy to answer \(HTTP 429\), still busy after 2 attempts$/,
    ],
    [
      '429',
      { retryAfterSeconds: 30 },
      { deadlineMs: 1000 },
      /^CHIE too busy to answer \(HTTP 429\) within 1 s$/,
    ],
    [
      '503',
      { retryAfterSeconds: 0 },
      { maxRetries: 1 },
      /^CHIE too busy to answer \(HTTP 503\), still busy after 2 attempts$/,
    ],
    ['down', {}, {}, /^CHIE could not be reached: the server refused the connection$/],
  ];
  it.each(cases)('%s → CHIE failed with a plain reason', async (mode, faultOptions, options, message) => {
    await sandbox.servers.chie.setFault(mode, faultOptions);
    const record = await fetchCrossBorder(options);
    expect(status(record, 'chie').state).toBe('failed');
    expect(status(record, 'chie').message).toMatch(message);
    expect(status(record, 'dcr').state).toBe('complete');
    expect(fromSource(record, 'DCR').length).toBeGreaterThan(5);
    expect(fromSource(record, 'CHIE')).toHaveLength(0);
  });

  it('429 with Retry-After: waits as asked, retries, and completes', async () => {
    await sandbox.servers.chie.setFault('429', { retryAfterSeconds: 1, times: 1 });
    const record = await fetchCrossBorder();
    expect(status(record, 'chie').state).toBe('complete');
    const log = sandbox.servers.chie.requests;
    const refused = log.findIndex((r) => r.fault === '429');
    const retry = log.findIndex((r, i) => i > refused && r.url === log[refused]!.url);
    expect(retry).toBeGreaterThan(refused);
    expect(Date.parse(log[retry]!.at) - Date.parse(log[refused]!.at)).toBeGreaterThanOrEqual(950);
    expect(fromSource(record, 'CHIE').length).toBeGreaterThan(5);
  });

  it('503 once: retried and complete, with the 503 counted in the request log', async () => {
    await sandbox.servers.chie.setFault('503', { retryAfterSeconds: 0, times: 1 });
    const record = await fetchCrossBorder();
    expect(status(record, 'chie').state).toBe('complete');
    expect(sandbox.servers.chie.requests.filter((r) => r.fault === '503')).toHaveLength(1);
  });

  it('a fault on one resource type makes the source partial and keeps everything else', async () => {
    await sandbox.servers.dcr.setFault('500', { resourceType: 'Observation' });
    const record = await fetchCrossBorder();
    expect(status(record, 'dcr')).toMatchObject({
      state: 'partial',
      message: 'DCR had a server error (HTTP 500)',
    });
    expect(fromSource(record, 'DCR').some((i) => i.section === 'allergies')).toBe(true);
    expect(fromSource(record, 'DCR').some((i) => i.resourceType === 'Observation')).toBe(false);
  });

  it('operation-outcome-in-bundle → surfaced as a warning on the source', async () => {
    await sandbox.servers.dcr.setFault('operation-outcome-in-bundle', { resourceType: 'Observation' });
    const record = await fetchCrossBorder();
    const dcr = status(record, 'dcr');
    expect(dcr.warnings.join(' ')).toContain(
      'DCR reported a problem with Observation: Some results could not be returned: index unavailable',
    );
    expect(fromSource(record, 'DCR').some((i) => i.resourceType === 'Observation')).toBe(true);
  });

  it('next-link-other-origin → partial, not followed, and nothing (no token) sent to the other origin', async () => {
    await sandbox.servers.dcr.setFault('next-link-other-origin', { resourceType: 'Observation' });
    const record = await fetchCrossBorder();
    const dcr = status(record, 'dcr');
    expect(dcr.state).toBe('partial');
    expect(dcr.message).toMatch(
      /^DCR sent a next page link for Observation that points to another server \([^)]+\); not followed/,
    );
    expect(sandbox.servers.elsewhere.requests).toHaveLength(0);
    expect(fromSource(record, 'DCR').some((i) => i.resourceType === 'Observation')).toBe(true);
  });

  it('next-link-loop → partial, stopped after the repeated link', async () => {
    await sandbox.servers.dcr.setFault('next-link-loop', {
      resourceType: 'Observation',
      withoutParam: 'code',
    });
    const record = await fetchCrossBorder();
    expect(status(record, 'dcr')).toMatchObject({
      state: 'partial',
      message: 'DCR repeated a next page link for Observation; stopped to avoid a loop',
    });
    expect(sandbox.servers.dcr.requests.filter((r) => r.fault === 'next-link-loop')).toHaveLength(1);
  });

  it('a locator that is down fails on its own and the regional record is unaffected', async () => {
    await sandbox.servers.locator.setFault('down');
    const record = await fetchCrossBorder();
    expect(status(record, 'locator')).toMatchObject({
      state: 'failed',
      message: 'Locator could not be reached: the server refused the connection',
    });
    expect(status(record, 'dcr').state).toBe('complete');
    expect(status(record, 'chie').state).toBe('complete');
  });
});

describe('identity and pointers', () => {
  it('does not search regional sources for an unverified NHS number', async () => {
    const patient = sandbox.patient('not-traced');
    const record = await assembleRecord({
      requestId: 'nt',
      identity: { nhsNumber: patient.nhsNumber, mayQueryRegionalSources: false, eprPatient: patient.epr },
      sources: [{ id: 'dcr', name: 'DCR', fhirBase: sandbox.urls.dcr }],
      tokens,
    });
    expect(record.sources[0]).toMatchObject({ state: 'not-reached' });
    expect(record.identityWarnings[0]!.kind).toBe('unverified-nhs-number');
    expect(sandbox.servers.dcr.requests).toHaveLength(0);
  });

  it('holds a regional source apart when its patient disagrees with the EPR', async () => {
    const patient = sandbox.patient('cross-border');
    const record = await assembleRecord({
      requestId: 'mm',
      identity: {
        nhsNumber: patient.nhsNumber,
        mayQueryRegionalSources: true,
        demographics: { family: 'Leggett', birthDate: '1951-04-17' },
      },
      sources: [{ id: 'dcr', name: 'DCR', fhirBase: sandbox.urls.dcr }],
      tokens,
    });
    expect(record.identityWarnings.map((w) => w.kind)).toEqual(['demographic-mismatch']);
    expect(record.identityWarnings[0]!.message).toMatch(
      /^DCR may hold a different person under this NHS number: surname /,
    );
    expect(record.items).toEqual([]);
    expect(record.heldApart.map((h) => h.sourceId)).toEqual(['dcr']);
    expect(record.heldApart[0]!.items.length).toBeGreaterThan(0);
    expect(record.completeness.allergies.state).toBe('incomplete');
  });

  it('two people under one NHS number (DCR: a man born 1956, CHIE: a woman born 1987) are never merged', async () => {
    const patient = sandbox.patient('mixed-identity');
    // As the CLI and prefetch ask: no EPR patient to compare with, so the sources are compared with each other.
    const record = await assembleRecord({
      requestId: 'mixed',
      identity: { nhsNumber: patient.nhsNumber, mayQueryRegionalSources: true },
      sources: [
        { id: 'dcr', name: 'DCR', fhirBase: sandbox.urls.dcr },
        { id: 'chie', name: 'CHIE', fhirBase: sandbox.urls.chie },
      ],
      tokens,
    });
    expect(record.sources.map((s) => s.state)).toEqual(['complete', 'complete']);
    expect(record.patient).toMatchObject({ birthDate: '1956-03-22', sex: 'male' });
    expect(record.heldApart).toHaveLength(1);
    const apart = record.heldApart[0]!;
    expect(apart).toMatchObject({ sourceId: 'chie', patient: { birthDate: '1987-10-29', sex: 'female' } });
    expect(apart.differences.join('; ')).toMatch(/date of birth 29 October 1987 where DCR has 22 March 1956/);
    expect(apart.differences.join('; ')).toMatch(/sex female where DCR has male/);
    // Her entries are apart; his record holds only DCR's.
    expect(record.items.every((i) => i.provenance.every((p) => p.sourceId === 'dcr'))).toBe(true);
    expect(apart.items.some((i) => /asthma/i.test(i.display))).toBe(true);
    expect(record.items.some((i) => /asthma|pregnan/i.test(i.display))).toBe(false);
    expect(record.identityWarnings.map((w) => w.kind)).toContain('demographic-mismatch');

    // With the EPR's patient (him) the verdict is the same.
    const fromEpr = await assembleRecord({
      requestId: 'mixed-epr',
      identity: { nhsNumber: patient.nhsNumber, mayQueryRegionalSources: true, eprPatient: patient.epr },
      sources: [
        { id: 'dcr', name: 'DCR', fhirBase: sandbox.urls.dcr },
        { id: 'chie', name: 'CHIE', fhirBase: sandbox.urls.chie },
      ],
      tokens,
    });
    expect(fromEpr.heldApart.map((h) => h.sourceId)).toEqual(['chie']);
    expect(fromEpr.patient.birthDate).toBe('1956-03-22');
  });

  it('a deceased patient carries the date of death', async () => {
    const patient = sandbox.patient('deceased');
    const record = await assembleRecord({
      requestId: 'deceased',
      identity: { nhsNumber: patient.nhsNumber, mayQueryRegionalSources: true },
      sources: [{ id: 'dcr', name: 'DCR', fhirBase: sandbox.urls.dcr }],
      tokens,
    });
    expect(record.patient.deceased).toEqual({ date: '2025-10-03' });
  });

  it('presents locator pointers and retrieves documents only from configured servers', async () => {
    const patient = sandbox.patient('frail');
    const record = await assembleRecord({
      requestId: 'frail',
      identity: { nhsNumber: patient.nhsNumber, mayQueryRegionalSources: true, eprPatient: patient.epr },
      sources: [
        { id: 'dcr', name: 'DCR', fhirBase: sandbox.urls.dcr },
        { id: 'chie', name: 'CHIE', fhirBase: sandbox.urls.chie },
      ],
      locator: { id: 'locator', name: 'Locator', fhirBase: sandbox.urls.locator },
      tokens,
    });
    expect(record.pointers.length).toBeGreaterThan(0);
    const respect = record.pointers.find((p) => p.type.code === '1382601000000107');
    expect(respect).toMatchObject({ retrieval: 'retrieved' });
    expect(respect?.custodian).toBeTruthy();
    const elsewhere = record.pointers.filter((p) => p.retrieval === 'not-configured');
    for (const p of elsewhere) expect(p.retrievalMessage).toMatch(/^document held at /);
    expect(record.items.some((i) => i.section === 'advanceCare')).toBe(true);
    expect(record.items.some((i) => i.section === 'alerts')).toBe(true);
  });
});
