// Engine against hand-made loopback FHIR servers: paging, foreign next links, loops, the page cap,
// 401 → one refresh, 429 Retry-After. Real HTTP, real sockets.
import { afterEach, describe, expect, it } from 'vitest';
import { assembleRecord, type EngineSource } from '../../main/services/record';
import type { TokenProvider } from '../../main/services/auth/token-provider';
import type { RecordEvent, SectionEvent } from '../../common/record';
import { allergy, NHS, patient } from './hostile-fhir';
import { startFakeFhir, type FakeFhir, type FakeRequest } from './record-fake-fhir';
import { CRITICAL_TYPES } from '../../main/services/record/sections';

const open: FakeFhir[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

function observations(n: number, patientId = 'p1') {
  return Array.from({ length: n }, (_, i) => ({
    resourceType: 'Observation',
    id: `o${i}`,
    subject: { reference: `Patient/${patientId}` },
    code: { coding: [{ system: 'http://snomed.info/sct', code: '364075005', display: 'Heart rate' }] },
    effectiveDateTime: `2024-01-01T00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`,
    valueQuantity: { value: 60 + (i % 40), unit: '/min' },
  }));
}

async function fake(options: Parameters<typeof startFakeFhir>[0]): Promise<FakeFhir> {
  const server = await startFakeFhir(options);
  open.push(server);
  return server;
}

const source = (server: FakeFhir, id = 'dcr', name = 'DCR'): EngineSource => ({
  id,
  name,
  fhirBase: server.base,
});
const identity = { nhsNumber: NHS, mayQueryRegionalSources: true };

/**
 * Opens p1 from a server that holds the requests `held` picks until a turn after the first section event `until`
 * accepts, or ten seconds regardless (so a client that waits for them still finishes, and fails). `seen`: the
 * events sent by then (that step's included); `answeredBefore`: whether the held requests had been let go.
 */
async function openWhileHeld(options: {
  resources: Record<string, unknown>[];
  held: (req: FakeRequest) => boolean;
  until: (event: SectionEvent) => boolean;
  intercept?: Parameters<typeof startFakeFhir>[0]['intercept'];
}) {
  let released = false;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = () => {
      released = true;
      resolve();
    };
  });
  const server = await fake({
    resources: options.resources,
    hold: (req) => (options.held(req) ? gate : undefined),
    ...(options.intercept ? { intercept: options.intercept } : {}),
  });
  const events: RecordEvent[] = [];
  let stepSeen = false;
  let seen: { events: RecordEvent[]; answeredBefore: boolean } | undefined;
  const opened = assembleRecord({
    requestId: 'held',
    identity,
    sources: [source(server)],
    tokens: tokens(),
    options: { maxRetries: 0 },
    onEvent: (event) => {
      events.push(event);
      if (stepSeen || event.type !== 'section' || !options.until(event)) return;
      stepSeen = true;
      const answeredBefore = released;
      // The rest of this progress step's events first, then what the screen holds is read.
      setImmediate(() => {
        seen = { events: [...events], answeredBefore };
        release();
      });
    },
  });
  const fallback = setTimeout(release, 10_000);
  const record = await opened;
  clearTimeout(fallback);
  return { record, seen: seen?.events ?? [], answeredBefore: seen?.answeredBefore };
}

/** One of p1's entries, coded in SNOMED CT (`text`: the concept's words besides). */
function snomedEntry(
  resourceType: string,
  id: string,
  code: string,
  display: string,
  { status, text }: { status: string; text?: string },
) {
  return {
    resourceType,
    id,
    status,
    subject: { reference: 'Patient/p1' },
    code: { coding: [{ system: 'http://snomed.info/sct', code, display }], ...(text ? { text } : {}) },
  };
}

/** The requests of the whole Observation read (not the search ahead for decisions by code, this server ignores). */
const isObservationRead = (req: { url: URL }) =>
  req.url.pathname.endsWith('/Observation') && !req.url.searchParams.has('code');
const observationReads = (server: FakeFhir) => server.requests.filter(isObservationRead);
const tokens = (token = 'dcr-token'): TokenProvider & { refreshes: number } => {
  const provider = {
    refreshes: 0,
    getToken: async () => token,
    refresh: async () => {
      provider.refreshes++;
      return `${token}-refreshed`;
    },
  };
  return provider;
};

describe('paging', () => {
  it('follows every next link and reads all pages', async () => {
    const server = await fake({ resources: [patient('p1'), ...observations(250)] });
    const record = await assembleRecord({
      requestId: 'r1',
      identity,
      sources: [source(server)],
      tokens: tokens(),
      options: { pageSize: 100 },
    });
    expect(record.sources[0]).toMatchObject({ state: 'complete', resourceCount: 250 });
    expect(record.items.filter((i) => i.section === 'results')).toHaveLength(250);
    expect(observationReads(server)).toHaveLength(3);
  });

  it('refuses a next link to another server and never sends the token there', async () => {
    const elsewhere = await fake({ resources: [] });
    const server = await fake({
      resources: [patient('p1'), ...observations(20)],
      rewrite: (bundle, req) => {
        if (!req.url.pathname.endsWith('/Observation')) return bundle;
        return { ...bundle, link: [{ relation: 'next', url: `${elsewhere.base}/Observation?page=2` }] };
      },
    });
    const record = await assembleRecord({
      requestId: 'r2',
      identity,
      sources: [source(server)],
      tokens: tokens(),
      options: { pageSize: 10 },
    });
    const status = record.sources[0]!;
    expect(status.state).toBe('partial');
    expect(status.message).toContain('points to another server');
    expect(status.message).toContain(new URL(elsewhere.base).host);
    expect(elsewhere.requests).toHaveLength(0);
    // What arrived before the bad link is kept.
    expect(record.items.filter((i) => i.section === 'results')).toHaveLength(10);
    expect(server.requests.every((r) => r.authorization === 'Bearer dcr-token')).toBe(true);
  });

  it('detects a next-link loop and stops', async () => {
    const server = await fake({
      resources: [patient('p1'), ...observations(20)],
      rewrite: (bundle, req) =>
        req.url.pathname.endsWith('/Observation')
          ? {
              ...bundle,
              link: [
                {
                  relation: 'next',
                  url: `${req.url.origin}${req.url.pathname}?patient=p1&_count=10&_offset=10&again=1`,
                },
              ],
            }
          : bundle,
    });
    const record = await assembleRecord({
      requestId: 'r3',
      identity,
      sources: [source(server)],
      tokens: tokens(),
      options: { pageSize: 10 },
    });
    expect(record.sources[0]!.state).toBe('partial');
    expect(record.sources[0]!.message).toContain('stopped to avoid a loop');
    expect(observationReads(server)).toHaveLength(2);
  });

  it('reports the page cap instead of silently truncating', async () => {
    const server = await fake({ resources: [patient('p1'), ...observations(50)] });
    const record = await assembleRecord({
      requestId: 'r4',
      identity,
      sources: [source(server)],
      tokens: tokens(),
      options: { pageSize: 10, pageCap: 2 },
    });
    const status = record.sources[0]!;
    expect(status.state).toBe('partial');
    expect(status.warnings.join(' ')).toContain('more Observation results than the page limit (2 pages)');
    expect(record.items.filter((i) => i.section === 'results')).toHaveLength(20);
  });
});

describe('paging by offset', () => {
  const observationRequests = observationReads;
  // Marks each next link with the page it came from, so a request shows whether it followed one.
  const markNextLinks = (bundle: Record<string, unknown>, req: { url: URL }): Record<string, unknown> => ({
    ...bundle,
    link: (bundle.link as { relation: string; url: string }[]).map((l) =>
      l.relation === 'next' ? { ...l, url: `${l.url}&from=${req.url.searchParams.get('_offset') ?? 0}` } : l,
    ),
  });

  it('asks for every remaining page at once when page one gives the total and pages by offset', async () => {
    const server = await fake({ resources: [patient('p1'), ...observations(250)], rewrite: markNextLinks });
    const record = await assembleRecord({
      requestId: 'o1',
      identity,
      sources: [source(server)],
      tokens: tokens(),
      options: { pageSize: 50 },
    });
    expect(record.sources[0]).toMatchObject({ state: 'complete', resourceCount: 250 });
    expect(record.items.filter((i) => i.section === 'results')).toHaveLength(250);
    const asked = observationRequests(server).map((r) => r.url.searchParams);
    expect(asked.map((q) => q.get('_offset') ?? '0')).toEqual(['0', '50', '100', '150', '200']);
    // Pages 3 to 5 were asked for from page one's link, not one after another from each page's own.
    expect(asked.slice(1).map((q) => q.getAll('from').at(-1))).toEqual(['0', '0', '0', '0']);
  });

  it('follows the links one by one when the server does not say how many there are', async () => {
    const server = await fake({
      resources: [patient('p1'), ...observations(150)],
      rewrite: (bundle, req) => {
        const { total: _total, ...rest } = markNextLinks(bundle, req);
        return rest;
      },
    });
    const record = await assembleRecord({
      requestId: 'o2',
      identity,
      sources: [source(server)],
      tokens: tokens(),
      options: { pageSize: 50 },
    });
    expect(record.sources[0]).toMatchObject({ state: 'complete', resourceCount: 150 });
    const asked = observationRequests(server).map((r) => r.url.searchParams);
    expect(asked.slice(1).map((q) => q.getAll('from').at(-1))).toEqual(['0', '50']);
  });

  it('says the results are incomplete when the pages hold fewer entries than the total promised', async () => {
    const server = await fake({
      resources: [patient('p1'), ...observations(100)],
      rewrite: (bundle, req) =>
        req.url.pathname.endsWith('/Observation') ? { ...bundle, total: 180 } : bundle,
    });
    const record = await assembleRecord({
      requestId: 'o3',
      identity,
      sources: [source(server)],
      tokens: tokens(),
      options: { pageSize: 50 },
    });
    const status = record.sources[0]!;
    expect(status.state).toBe('partial');
    expect(status.warnings.join(' ')).toContain('said it holds 180 Observation results but sent 100');
    expect(record.items.filter((i) => i.section === 'results')).toHaveLength(100);
  });

  it('never asks for more pages than the page limit, whatever total a server claims', async () => {
    const server = await fake({
      resources: [patient('p1'), ...observations(100)],
      rewrite: (bundle, req) =>
        req.url.pathname.endsWith('/Observation') ? { ...bundle, total: 1_000_000_000 } : bundle,
    });
    const record = await assembleRecord({
      requestId: 'o4',
      identity,
      sources: [source(server)],
      tokens: tokens(),
      options: { pageSize: 10, pageCap: 4 },
    });
    expect(observationRequests(server)).toHaveLength(4);
    expect(record.sources[0]!.state).toBe('partial');
    expect(record.sources[0]!.warnings.join(' ')).toContain('than the page limit (4 pages)');
  });
});

describe('authorisation and busy servers', () => {
  it('refreshes the token once after a 401, then succeeds with the new token', async () => {
    const server = await fake({
      resources: [patient('p1'), ...observations(3)],
      intercept: (req) =>
        req.authorization === 'Bearer dcr-token'
          ? { status: 401, body: '{"resourceType":"OperationOutcome"}' }
          : undefined,
    });
    const provider = tokens();
    const record = await assembleRecord({
      requestId: 'r5',
      identity,
      sources: [source(server)],
      tokens: provider,
    });
    expect(provider.refreshes).toBe(1);
    expect(record.sources[0]!.state).toBe('complete');
    expect(record.items).toHaveLength(3);
  });

  it('fails clearly when the refreshed token is refused too, after exactly one refresh', async () => {
    const server = await fake({
      resources: [patient('p1')],
      intercept: () => ({ status: 401, body: '' }),
    });
    const provider = tokens();
    const record = await assembleRecord({
      requestId: 'r6',
      identity,
      sources: [source(server)],
      tokens: provider,
    });
    expect(provider.refreshes).toBe(1);
    expect(record.sources[0]).toMatchObject({
      state: 'failed',
      message: 'DCR refused our sign-in (HTTP 401), even after renewing it',
    });
  });

  it('waits as Retry-After asks on 429 and then reads the page', async () => {
    let refused = 0;
    const server = await fake({
      resources: [patient('p1'), ...observations(3)],
      intercept: (req) => {
        if (isObservationRead(req) && refused < 2) {
          refused++;
          return { status: 429, headers: { 'retry-after': '0' }, body: '' };
        }
        return undefined;
      },
    });
    const record = await assembleRecord({
      requestId: 'r7',
      identity,
      sources: [source(server)],
      tokens: tokens(),
    });
    expect(record.sources[0]!.state).toBe('complete');
    expect(observationReads(server)).toHaveLength(3);
    expect(record.items).toHaveLength(3);
  });
});

describe('fetch shapes and progressive emission', () => {
  it('uses $everything where advertised, per-type searches elsewhere, and emits critical sections before the record', async () => {
    const allergy = {
      resourceType: 'AllergyIntolerance',
      id: 'a1',
      patient: { reference: 'Patient/p1' },
      code: {
        coding: [{ system: 'http://snomed.info/sct', code: '91936005', display: 'Allergy to penicillin' }],
      },
    };
    const dcr = await fake({ resources: [patient('p1'), allergy, ...observations(5)] });
    const chie = await fake({
      resources: [
        patient('p9'),
        { ...allergy, id: 'a9', patient: { reference: 'Patient/p9' } },
        ...observations(5, 'p9'),
      ],
      everything: true,
    });
    const events: RecordEvent[] = [];
    const record = await assembleRecord({
      requestId: 'r8',
      identity,
      sources: [source(dcr), source(chie, 'chie', 'CHIE')],
      tokens: tokens(),
      onEvent: (e) => events.push(e),
    });
    expect(dcr.requests.some((r) => r.url.pathname.endsWith('/AllergyIntolerance'))).toBe(true);
    expect(dcr.requests.some((r) => r.url.pathname.includes('$everything'))).toBe(false);
    expect(chie.requests.some((r) => r.url.pathname.endsWith('/$everything'))).toBe(true);
    expect(chie.requests.some((r) => r.url.pathname.endsWith('/AllergyIntolerance'))).toBe(false);

    const allergies = record.items.filter((i) => i.section === 'allergies');
    expect(allergies).toHaveLength(1);
    expect(allergies[0]!.provenance.map((p) => p.sourceName).sort()).toEqual(['CHIE', 'DCR']);
    const recordIndex = events.findIndex((e) => e.type === 'record');
    const finalAllergies = events.findIndex(
      (e) => e.type === 'section' && e.section === 'allergies' && e.completeness.state === 'complete',
    );
    expect(finalAllergies).toBeGreaterThanOrEqual(0);
    expect(finalAllergies).toBeLessThan(recordIndex);
    expect(recordIndex).toBe(events.length - 1);
  });

  it('sends every urgent-care read of a source at once, so they take one round trip once the patient is found', async () => {
    const urgent = (req: FakeRequest) =>
      (CRITICAL_TYPES as readonly string[]).includes(req.url.pathname.split('/').at(-1)!) ||
      req.url.searchParams.has('type');
    let waiting: (() => void)[] = [];
    let mostAtOnce = 0;
    let urgentSeen = 0;
    // Urgent-care searches are answered only when all of them have arrived (or after a second, so a client
    // that holds one back still finishes): how many were on the wire together is then plain to see.
    const server = await fake({
      resources: [patient('p1'), ...observations(3)],
      hold: (req) => {
        if (!urgent(req)) return undefined;
        urgentSeen++;
        const answered = new Promise<void>((resolve) => waiting.push(resolve));
        mostAtOnce = Math.max(mostAtOnce, waiting.length);
        const release = () => {
          const now = waiting;
          waiting = [];
          for (const resolve of now) resolve();
        };
        if (waiting.length === CRITICAL_TYPES.length + 1) release();
        else setTimeout(release, 1000);
        return answered;
      },
    });
    const record = await assembleRecord({
      requestId: 'r9',
      identity,
      sources: [source(server)],
      tokens: tokens(),
    });
    expect(record.sources[0]!.state).toBe('complete');
    expect(urgentSeen).toBe(CRITICAL_TYPES.length + 1);
    expect(mostAtOnce).toBe(urgentSeen);
  });

  it('searches urgent-care types the CapabilityStatement leaves out: "not found" reads as not held, "bad request" as in doubt', async () => {
    const allergy = {
      resourceType: 'AllergyIntolerance',
      id: 'a1',
      patient: { reference: 'Patient/p1' },
      criticality: 'high',
      code: {
        coding: [{ system: 'http://snomed.info/sct', code: '91936005', display: 'Allergy to penicillin' }],
      },
    };
    // The statement lists only Condition, yet the server holds an allergy (an incomplete statement).
    const dcr = await fake({ resources: [patient('p1'), allergy], advertised: ['Condition'] });
    const refusing = await fake({
      resources: [patient('p9')],
      advertised: ['Condition'],
      intercept: ({ url }) =>
        url.pathname.endsWith('/Flag') || url.pathname.endsWith('/AllergyIntolerance')
          ? {
              status: url.pathname.endsWith('/Flag') ? 404 : 400,
              body: JSON.stringify({ resourceType: 'OperationOutcome', issue: [] }),
            }
          : undefined,
    });
    const record = await assembleRecord({
      requestId: 'r9',
      identity,
      sources: [source(dcr), source(refusing, 'chie', 'CHIE')],
      tokens: tokens(),
    });
    expect(record.items.filter((i) => i.section === 'allergies').map((i) => i.display)).toEqual([
      'Allergy to penicillin',
    ]);
    // 404 on Flag: CHIE holds none. 400 on AllergyIntolerance: it may only have refused a parameter, so
    // CHIE's allergies are in doubt and the section never says "none recorded" on its word.
    const chie = record.sources.find((s) => s.id === 'chie')!;
    expect(chie.state).toBe('partial');
    expect(chie.warnings.join(' ')).toMatch(/CHIE does not support Flag searches/);
    expect(chie.warnings.join(' ')).toMatch(/CHIE refused the AllergyIntolerance search \(HTTP 400\)/);
    expect(record.completeness.allergies.state).toBe('incomplete');
    expect(record.completeness.alerts.state).toBe('complete');
  });

  it('does not hold the DNACPR and allergies for a slow search of observations by code, and shows what it finds when it answers', async () => {
    const { record, answeredBefore } = await openWhileHeld({
      resources: [
        patient('p1'),
        { resourceType: 'Flag', id: 'f1', status: 'active', subject: { reference: 'Patient/p1' } },
        allergy('a1'),
        snomedEntry('Observation', 'o-dnacpr', '304253006', 'Not for resuscitation', { status: 'final' }),
      ],
      // The server's search by code is slow (an unindexed table); its whole Observation read is not.
      held: (req) => req.url.pathname.endsWith('/Observation') && req.url.searchParams.has('code'),
      until: (e) => e.section === 'allergies' && e.completeness.state === 'complete',
    });
    expect(answeredBefore, 'the allergies shown before the search by code answered').toBe(false);
    expect(record.items.find((i) => i.key === 'Observation/dcr/o-dnacpr')?.section).toBe('advanceCare');
  });

  it('says at once that the advance care documents could not be read, while the rest of the record is still loading', async () => {
    const { record, seen } = await openWhileHeld({
      resources: [patient('p1'), allergy('a1'), ...observations(3)],
      intercept: (req) =>
        req.url.pathname.endsWith('/DocumentReference') && req.url.searchParams.has('type')
          ? { status: 500, body: '' }
          : undefined,
      held: isObservationRead,
      until: (e) => e.section === 'advanceCare',
    });
    // Not "still loading": the failure is known, and said, before the observations have answered.
    expect(seen.find((e) => e.type === 'section' && e.section === 'advanceCare')).toMatchObject({
      completeness: {
        state: 'incomplete',
        gaps: expect.arrayContaining([
          expect.objectContaining({ sourceName: 'DCR', reason: expect.stringMatching(/server error/) }),
        ]),
      },
    });
    expect(record.completeness.advanceCare.state).toBe('incomplete');
  });

  it('shows the DNACPR and the allergies while a slow medicines search is still answering, the medicines as loading', async () => {
    const medicine = {
      resourceType: 'MedicationRequest',
      id: 'm1',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/p1' },
      medicationCodeableConcept: { text: 'Ramipril 5mg capsules' },
    };
    const { record, seen } = await openWhileHeld({
      resources: [
        patient('p1'),
        snomedEntry('Flag', 'f1', '450476008', 'Not for CPR', {
          status: 'active',
          text: 'DNACPR: do not attempt cardiopulmonary resuscitation',
        }),
        allergy('a1'),
        medicine,
      ],
      held: (req) => req.url.pathname.endsWith('/MedicationRequest'),
      until: (e) => e.section === 'allergies' && e.completeness.state === 'complete',
    });
    const shown = (name: string) => seen.findLast((e) => e.type === 'section' && e.section === name);
    // The DNACPR is shown; the section is settled only by DCR's whole read (a decision can be in any entry's words).
    expect(shown('advanceCare')).toMatchObject({
      completeness: { state: 'loading', gaps: [{ sourceName: 'DCR', reason: 'DCR is still loading' }] },
      items: [expect.objectContaining({ display: expect.stringMatching(/DNACPR/) })],
    });
    expect(shown('allergies')).toMatchObject({
      completeness: { state: 'complete' },
      items: [expect.objectContaining({ display: 'Allergy to penicillin' })],
    });
    // Never "none recorded" while DCR's medicines are on the wire: loading, and the source named.
    expect(shown('medications')).toMatchObject({
      completeness: {
        state: 'loading',
        gaps: [{ sourceName: 'DCR', loading: true, reason: 'DCR is still loading' }],
      },
    });
    expect(record.completeness.medications.state).toBe('complete');
    expect(record.items.filter((i) => i.section === 'medications')).toHaveLength(1);
  });
});
