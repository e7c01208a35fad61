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
