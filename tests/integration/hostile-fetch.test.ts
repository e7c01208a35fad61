// Hostile answers from a regional source that a reviewer met with real servers' habits: a body with a byte-order
// mark or in Latin-1, offset pages that repeat themselves, a next link that drops to http, a resource nested
// deeper than the governance scan goes. Real loopback HTTP, the same engine every read path uses.
import { afterEach, describe, expect, it } from 'vitest';
import { noTokens } from '../../main/services/auth/token-provider';
import { assembleRecord } from '../../main/services/record';
import {
  allergy,
  fhirSource,
  NHS,
  routes,
  searchBundle,
  startHostileServer,
  type Answer,
  type HostileRequest,
  type HostileServer,
} from './hostile-fhir';

const open: HostileServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const identity = { nhsNumber: NHS, mayQueryRegionalSources: true };

/** DCR at /dcr/fhir, its allergies answered by `allergies`, everything else as a normal small source. */
async function readDcr(allergies: (req: HostileRequest) => Answer) {
  const server = await startHostileServer(
    routes(
      fhirSource('/dcr/fhir', (req, path) => (path === 'AllergyIntolerance' ? allergies(req) : undefined)),
    ),
  );
  open.push(server);
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
