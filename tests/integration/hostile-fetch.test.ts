// Hostile answers from a regional source that a reviewer met with real servers' habits: a body with a byte-order
// mark or in Latin-1, offset pages that repeat themselves, a next link that drops to http, a resource nested
// deeper than the governance scan goes. Real loopback HTTP, the same engine every read path uses.
import { describe, expect, it } from 'vitest';
import type { RecordEvent } from '../../common/record';
import { noTokens } from '../../main/services/auth/token-provider';
import { loadSensitiveCodes } from '../../main/services/governance';
import { RecordReader } from '../../main/services/offline';
import { assembleRecord, fetchSnapshot } from '../../main/services/record';
import {
  allergy,
  fhirSource,
  IDENTITY,
  routes,
  searchBundle,
  serverPerTest,
  type Answer,
  type HostileRequest,
} from './hostile-fhir';

const serve = serverPerTest();

const identity = IDENTITY;

/** DCR at /dcr/fhir, its allergies answered by `allergies`, everything else as a normal small source. */
async function readDcr(allergies: (req: HostileRequest) => Answer) {
  const server = await serve(
    routes(
      fhirSource('/dcr/fhir', (req, path) => (path === 'AllergyIntolerance' ? allergies(req) : undefined)),
    ),
  );
  const record = await assembleRecord({
    requestId: 'hostile-fetch',
    identity,
    sources: [{ id: 'dcr', name: 'Dorset Care Record', fhirBase: `${server.origin}/dcr/fhir` }],
    tokens: noTokens,
  });
  return { record, dcr: record.sources[0]!, server };
}

const withText = (id: string, text: string) => ({ ...allergy(id), code: { text } });

describe('character sets', () => {
  it('a body that starts with a UTF-8 byte-order mark reads, instead of failing as "not valid JSON"', async () => {
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(JSON.stringify(searchBundle([allergy('a1')]))),
    ]);
    const { record, dcr } = await readDcr(() => ({
      kind: 'bytes',
      headers: { 'content-type': 'application/fhir+json' },
      body,
    }));
    expect(dcr).toMatchObject({ state: 'complete', resourceCount: 1 });
    expect(record.items.map((i) => i.display)).toContain('Allergy to penicillin');
  });

  it.each(['ISO-8859-1', 'windows-1252'])(
    'a body declared charset=%s shows its accents, not replacement characters',
    async (charset) => {
      const text = JSON.stringify(
        searchBundle([withText('a1', 'Allergie à la pénicilline – réaction sévère')]),
      );
      const { record, dcr } = await readDcr(() => ({
        kind: 'bytes',
        headers: { 'content-type': `application/fhir+json; charset=${charset}` },
        body: Buffer.from(text.replace('–', '\u0096'), 'latin1'),
      }));
      expect(dcr).toMatchObject({ state: 'complete', resourceCount: 1 });
      expect(record.items.map((i) => i.display)).toContain('Allergie à la pénicilline – réaction sévère');
    },
  );

  it('a character set nobody can decode fails the read, saying so', async () => {
    const { dcr } = await readDcr(() => ({
      kind: 'bytes',
      headers: { 'content-type': 'application/fhir+json; charset=x-unheard-of' },
      body: Buffer.from(JSON.stringify(searchBundle([allergy('a1')]))),
    }));
    expect(dcr.state).not.toBe('complete');
    expect(JSON.stringify(dcr)).toContain('a character set this viewer cannot read (x-unheard-of)');
  });
});

describe('paging', () => {
  it('offset pages that all repeat the same entries (total 6, two ids): the allergies are partial, saying so', async () => {
    // HAPI's uncached _offset paging while data changes, or a proxy that drops the offset: every page the same.
    const { record, dcr, server } = await readDcr((req) => {
      const offset = Number(req.url.searchParams.get('_offset') ?? 0);
      const next = new URL(req.url);
      next.searchParams.set('_count', '2');
      next.searchParams.set('_offset', String(offset + 2));
      return {
        kind: 'json',
        body: {
          ...searchBundle([withText('a0', 'Allergy to peanut'), withText('a1', 'Allergy to latex')]),
          total: 6,
          link: offset + 2 < 6 ? [{ relation: 'next', url: next.href }] : [],
        },
      };
    });
    // The offsets were asked for at once, as before: the check costs no round trip.
    expect(server.requests.filter((r) => r.url.pathname.endsWith('/AllergyIntolerance'))).toHaveLength(3);
    expect(dcr.state).toBe('partial');
    expect(dcr.warnings).toContain(
      'Dorset Care Record said it holds 6 AllergyIntolerance results but its pages repeated entries: only 2 different ones arrived; the rest were not read',
    );
    expect(record.completeness.allergies.state).not.toBe('complete');
    expect(record.items.filter((i) => i.section === 'allergies')).toHaveLength(2);
  });

  it('offset pages with different entries up to the total: complete, as before', async () => {
    const { dcr } = await readDcr((req) => {
      const offset = Number(req.url.searchParams.get('_offset') ?? 0);
      const next = new URL(req.url);
      next.searchParams.set('_offset', String(offset + 2));
      return {
        kind: 'json',
        body: {
          ...searchBundle([allergy(`a${offset}`), allergy(`a${offset + 1}`)]),
          total: 6,
          link: offset + 2 < 6 ? [{ relation: 'next', url: next.href }] : [],
        },
      };
    });
    expect(dcr).toMatchObject({ state: 'complete', resourceCount: 6 });
  });

  it('a next link on the same host by another scheme is refused, naming the scheme, not "another server"', async () => {
    const { dcr, server } = await readDcr((req) => {
      const other = new URL(req.url);
      other.protocol = 'https:';
      other.searchParams.set('page', '2');
      return {
        kind: 'json',
        body: { ...searchBundle([allergy('a1')]), link: [{ relation: 'next', url: other.href }] },
      };
    });
    const said = [dcr.message ?? '', ...dcr.warnings].join('\n');
    expect(said).toContain(
      'sent a next page link for AllergyIntolerance that uses https where Dorset Care Record uses http; not followed, results incomplete',
    );
    expect(said).not.toContain('another server');
    expect(dcr.state).not.toBe('complete');
    expect(server.requests.some((r) => r.url.searchParams.get('page') === '2')).toBe(false);
  });
});

/** An allergy whose extension is `depth` arrays inside each other (a hostile or broken server's). */
function deepAllergyBundle(depth: number): Buffer {
  return Buffer.from(
    `{"resourceType":"Bundle","type":"searchset","total":1,"entry":[{"resource":{"resourceType":"AllergyIntolerance",` +
      `"id":"deep","patient":{"reference":"Patient/p1"},"code":{"text":"Allergy to nothing much"},` +
      `"extension":${'['.repeat(depth)}${']'.repeat(depth)}}}]}`,
  );
}

/** HIV (a sensitive code) nested `depth` objects down, where only a walk of the whole tree finds it. */
function buriedSensitiveAllergy(depth: number) {
  let buried: Record<string, unknown> = {
    coding: [{ system: 'http://snomed.info/sct', code: '86406008', display: 'HIV infection' }],
  };
  for (let i = 0; i < depth; i++) buried = { extension: [{ url: `x${i}`, valueCodeableConcept: buried }] };
  return { ...withText('buried', 'Allergy to nothing much'), extension: [buried] };
}

describe('a resource nested deeper than the governance scan goes', () => {
  /**
   * The reviewer's case: DCR sends the deep allergy, CHIE (did nothing wrong) its usual answers; read as the app
   * reads, governed, with progress to the screen.
   */
  async function readBoth(dcrAllergies: () => Answer) {
    const server = await serve(
      routes(
        fhirSource('/dcr/fhir', (_req, path) => (path === 'AllergyIntolerance' ? dcrAllergies() : undefined)),
        fhirSource('/chie/fhir', (_req, path) =>
          path === 'Condition'
            ? {
                kind: 'json',
                body: searchBundle([
                  {
                    ...withText('c1', 'Asthma'),
                    resourceType: 'Condition',
                    subject: { reference: 'Patient/p1' },
                  },
                ]),
              }
            : undefined,
        ),
      ),
    );
    const reader = new RecordReader({
      sources: [
        { id: 'dcr', name: 'Dorset Care Record', fhirBase: `${server.origin}/dcr/fhir` },
        { id: 'chie', name: 'CHIE', fhirBase: `${server.origin}/chie/fhir` },
      ],
      tokens: noTokens,
      engine: { maxRetries: 0, deadlineMs: 15_000 },
    });
    const events: RecordEvent[] = [];
    const opened = await reader.open({
      requestId: 'deep',
      identity,
      governance: {
        access: 'everything',
        sensitive: loadSensitiveCodes(),
        breakGlassOverridesDissent: false,
      },
      emit: (event) => events.push(event),
    });
    // Every event crossed to the screen as the bridge would send it.
    await new Promise((resolve) => setImmediate(resolve));
    for (const event of events) expect(() => structuredClone(event)).not.toThrow();
    return { record: opened.record, events };
  }

  it('100,000 nested arrays: withheld as "could not be checked" and counted; CHIE is read in full, not blamed', async () => {
    const { record, events } = await readBoth(() => ({
      kind: 'bytes',
      headers: { 'content-type': 'application/fhir+json' },
      body: deepAllergyBundle(100_000),
    }));
    const [dcr, chie] = record.sources;
    expect(chie).toMatchObject({ state: 'complete', resourceCount: 2 });
    expect(record.items.some((i) => i.display === 'Asthma')).toBe(true);
    expect(chie!.message ?? '').not.toMatch(/call stack|failed/);
    expect(dcr).toMatchObject({ state: 'complete' });
    expect(record.items.some((i) => i.display === 'Allergy to nothing much')).toBe(false);
    expect(record.items.filter((i) => i.display === 'Allergy to penicillin')).toHaveLength(1);
    expect(record.withheld.count).toBeGreaterThanOrEqual(1);
    expect(record.withheld.reasons.join(' ')).toContain('could not be checked');
    expect(JSON.stringify(events)).not.toContain('Allergy to nothing much');
  });

  it("a sensitive code nested past the scan's depth is withheld, not shown", async () => {
    const { record } = await readBoth(() => ({
      kind: 'json',
      body: searchBundle([buriedSensitiveAllergy(40), allergy('a1')]),
    }));
    expect(record.items.some((i) => i.display === 'Allergy to nothing much')).toBe(false);
    expect(record.items.some((i) => i.display === 'Allergy to penicillin')).toBe(true);
    expect(record.withheld.count).toBeGreaterThanOrEqual(1);
  });

  it('a progress step that throws is never blamed on the source that happened to report it', async () => {
    const server = await serve(routes(fhirSource('/dcr/fhir'), fhirSource('/chie/fhir')));
    let steps = 0;
    const snapshot = await fetchSnapshot({
      requestId: 'progress-throws',
      identity,
      sources: [
        { id: 'dcr', name: 'Dorset Care Record', fhirBase: `${server.origin}/dcr/fhir` },
        { id: 'chie', name: 'CHIE', fhirBase: `${server.origin}/chie/fhir` },
      ],
      tokens: noTokens,
      options: { urgentCareDeadlineMs: 1 },
      onProgress: () => {
        steps++;
        throw new RangeError('Maximum call stack size exceeded');
      },
    });
    expect(steps).toBeGreaterThan(0);
    for (const source of snapshot.sources) {
      expect(source.status).toMatchObject({ state: 'complete' });
      expect(source.resources.some((r) => r.resourceType === 'AllergyIntolerance')).toBe(true);
    }
  });
});
