// A source that advertises Patient/$everything but will not answer it as asked: some servers refuse `_type` on
// $everything (HTTP 400 with an OperationOutcome), some refuse the operation itself (400, 501). The record must
// still be read, and be called complete only when what was read instead answered completely. The server here
// pages as HAPI does (next links to the base with _getpages and _getpagesoffset). Real loopback HTTP.
import { describe, expect, it } from 'vitest';
import type { WessexRecord } from '../../common/record';
import { noTokens } from '../../main/services/auth/token-provider';
import { assembleRecord } from '../../main/services/record';
import {
  allergy,
  patient,
  routes,
  serverPerTest,
  type Answer,
  type HostileRequest,
  type HostileServer,
} from './hostile-fhir';

const serve = serverPerTest();

type Json = Record<string, unknown>;

const about = { reference: 'Patient/p1' };
const coded = (text: string) => ({ text });
/**
 * The patient's record on the server: one entry in each of several sections, a ReSPECT form, a hospital's
 * administration and discharge summary (types many servers do not hold), and the claims a Synthea record carries.
 */
const RECORD: Json[] = [
  allergy('a1'),
  { resourceType: 'Condition', id: 'c1', subject: about, code: coded('Asthma') },
  {
    resourceType: 'MedicationRequest',
    id: 'm1',
    status: 'active',
    subject: about,
    medicationCodeableConcept: coded('Salbutamol inhaler'),
  },
  { resourceType: 'Observation', id: 'o1', status: 'final', subject: about, code: coded('Body weight') },
  { resourceType: 'Immunization', id: 'i1', patient: about, vaccineCode: coded('Influenza vaccine') },
  {
    resourceType: 'DocumentReference',
    id: 'd1',
    status: 'current',
    subject: about,
    type: {
      coding: [{ system: 'http://snomed.info/sct', code: '1382601000000107', display: 'ReSPECT form' }],
    },
  },
  {
    resourceType: 'MedicationAdministration',
    id: 'ma1',
    status: 'completed',
    subject: about,
    medicationCodeableConcept: coded('Morphine 10 mg injection'),
    effectiveDateTime: '2026-11-01T10:00:00Z',
  },
  {
    resourceType: 'Composition',
    id: 'comp1',
    status: 'final',
    subject: about,
    type: coded('Discharge summary'),
    title: 'Discharge summary',
    date: '2026-11-02',
  },
  { resourceType: 'Claim', id: 'cl1', status: 'active', patient: about, type: coded('institutional') },
  { resourceType: 'ExplanationOfBenefit', id: 'eob1', status: 'active', patient: about },
];
const DISPLAYS = [
  'Allergy to penicillin',
  'Asthma',
  'Salbutamol inhaler',
  'Body weight',
  'Influenza vaccine',
  'ReSPECT form',
  'Morphine 10 mg injection',
  'Discharge summary',
];
const BILLING_LEFT_OUT =
  'CHIE also sent 2 billing entries (Claim, ExplanationOfBenefit): not part of the clinical record, not shown';
const TYPES = [...new Set(RECORD.map((r) => r.resourceType as string))];
const BASE = '/chie/fhir';

const operationOutcome = (text: string) => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'not-supported', diagnostics: text }],
});

interface ServerHabits {
  /** How it answers $everything: as asked, refusing `_type` alone, or refusing the operation itself. */
  everything: 'answers' | { refuses: '_type'; status: 400 } | { refuses: 'operation'; status: 400 | 501 };
  /** The resource types its CapabilityStatement lists (default: every type it holds). */
  advertised?: string[];
  /** A type whose search fails with HTTP 500. */
  failingSearch?: string;
  /** Its whole record ($everything without _type) fails after the first page (HTTP 500). */
  wholeRecordBreaks?: boolean;
}

/** Page size it serves, whatever _count asks for (so every read is paged). */
const PAGE_SIZE = 2;

/** A HAPI-like FHIR server holding RECORD for patient p1 at BASE. */
function hapiLike(habits: ServerHabits): (req: HostileRequest) => Answer | undefined {
  const pageSize = PAGE_SIZE;
  const results = new Map<string, Json[]>();
  const breaking = new Set<string>();
  let searches = 0;
  const page = (req: HostileRequest, key: string, offset: number): Answer => {
    const all = results.get(key)!;
    const next = new URL(`${req.url.origin}${BASE}`);
    next.search = new URLSearchParams({
      _getpages: key,
      _getpagesoffset: String(offset + pageSize),
      _count: String(pageSize),
      _bundletype: 'searchset',
    }).toString();
    return {
      kind: 'json',
      body: {
        resourceType: 'Bundle',
        type: 'searchset',
        link: offset + pageSize < all.length ? [{ relation: 'next', url: next.href }] : [],
        entry: all.slice(offset, offset + pageSize).map((resource) => ({ resource })),
      },
    };
  };
  const firstPage = (req: HostileRequest, resources: Json[]): Answer => {
    const key = `search-${++searches}`;
    results.set(key, resources);
    return page(req, key, 0);
  };
  return (req) => {
    if (!req.url.pathname.startsWith(BASE)) return undefined;
    const path = req.url.pathname.slice(BASE.length).replace(/^\//, '');
    const params = req.url.searchParams;
    if (path === '' && params.has('_getpages')) {
      const key = params.get('_getpages')!;
      if (breaking.has(key)) return { kind: 'json', status: 500, body: operationOutcome('paging failed') };
      return page(req, key, Number(params.get('_getpagesoffset')));
    }
    if (path === 'metadata') {
      const types = habits.advertised ?? TYPES;
      return {
        kind: 'json',
        body: {
          resourceType: 'CapabilityStatement',
          rest: [
            {
              mode: 'server',
              resource: [
                { type: 'Patient', operation: [{ name: 'everything' }] },
                ...types.map((type) => ({ type })),
              ],
            },
          ],
        },
      };
    }
    if (path === 'Patient') return firstPage(req, [patient('p1')]);
    if (path === 'Patient/p1/$everything') {
      const habit = habits.everything;
      if (habit !== 'answers' && (habit.refuses === 'operation' || params.has('_type')))
        return {
          kind: 'json',
          status: habit.status,
          body: operationOutcome(`${habit.refuses} not supported`),
        };
      const types = params.get('_type')?.split(',');
      const answer = firstPage(req, [
        patient('p1'),
        ...RECORD.filter((r) => !types || types.includes(r.resourceType as string)),
      ]);
      if (!types && habits.wholeRecordBreaks) breaking.add(`search-${searches}`);
      return answer;
    }
    if (path === habits.failingSearch)
      return { kind: 'json', status: 500, body: operationOutcome('search failed') };
    if (!path.includes('/')) {
      const codes = params.get('type');
      const ofType = RECORD.filter(
        (r) =>
          r.resourceType === path && (!codes || JSON.stringify(r.type ?? '').includes('1382601000000107')),
      );
      return firstPage(req, ofType);
    }
    return undefined;
  };
}

async function readChie(habits: ServerHabits): Promise<{ record: WessexRecord; server: HostileServer }> {
  const server = await serve(routes(hapiLike(habits)));
  const record = await assembleRecord({
    requestId: 'everything-refused',
    identity: { nhsNumber: '9434765919', mayQueryRegionalSources: true },
    sources: [{ id: 'chie', name: 'CHIE', fhirBase: `${server.origin}${BASE}` }],
    tokens: noTokens,
    options: { maxRetries: 0 },
  });
  return { record, server };
}

const shown = (record: WessexRecord) => record.items.map((i) => i.display).sort();
const incompleteSections = (record: WessexRecord) =>
  Object.entries(record.completeness)
    .filter(([, c]) => c.state !== 'complete')
    .map(([section]) => section);
const everythingAsked = (server: HostileServer) =>
  server.requests.filter((r) => r.url.pathname.endsWith('/$everything'));

describe('a source that advertises $everything but refuses it as asked', () => {
  it('answers as asked (HAPI with _type): the whole record, complete, as before', async () => {
    const { record } = await readChie({ everything: 'answers' });
    expect(record.sources[0]).toMatchObject({ state: 'complete' });
    expect(shown(record)).toEqual([...DISPLAYS].sort());
    expect(incompleteSections(record)).toEqual([]);
  });

  it('refuses _type with HTTP 400: the whole record is read, each entry once, and called complete', async () => {
    const { record } = await readChie({ everything: { refuses: '_type', status: 400 } });
    expect(record.sources[0]).toMatchObject({ state: 'complete' });
    expect(shown(record)).toEqual([...DISPLAYS].sort());
    expect(incompleteSections(record)).toEqual([]);
    // Its claims came with the whole record: left out, and said so, not listed under "Other".
    expect(record.items.map((i) => i.resourceType)).not.toContain('Claim');
    expect(record.sources[0]!.warnings).toContain(BILLING_LEFT_OUT);
  });

  it('answers as asked, listing neither administrations nor compositions: neither is asked for', async () => {
    const { record, server } = await readChie({
      everything: 'answers',
      advertised: TYPES.filter((t) => t !== 'MedicationAdministration' && t !== 'Composition'),
    });
    const asked = everythingAsked(server).flatMap((r) => r.url.searchParams.get('_type')?.split(',') ?? []);
    expect(asked).not.toContain('Composition');
    expect(asked).not.toContain('MedicationAdministration');
    expect(shown(record)).toEqual(
      DISPLAYS.filter((d) => d !== 'Morphine 10 mg injection' && d !== 'Discharge summary').sort(),
    );
  });

  it('refuses _type, and lists only Patient in its CapabilityStatement: its results and immunisations are still read', async () => {
    // Searching type by type would ask for nothing it does not list, and call the record complete without
    // its observations and immunisations: $everything without _type is the whole record, as the server holds it.
    const { record, server } = await readChie({
      everything: { refuses: '_type', status: 400 },
      advertised: [],
    });
    expect(shown(record)).toEqual([...DISPLAYS].sort());
    expect(record.sources[0]).toMatchObject({ state: 'complete' });
    const retried = everythingAsked(server).filter((r) => !r.url.searchParams.has('_type'));
    expect(retried).toHaveLength(1);
  });

  it('refuses _type, and its whole record breaks off after a page: partial, never complete', async () => {
    const { record } = await readChie({
      everything: { refuses: '_type', status: 400 },
      wholeRecordBreaks: true,
    });
    expect(record.sources[0]).toMatchObject({
      state: 'partial',
      message: 'CHIE had a server error (HTTP 500)',
    });
    expect(shown(record).length).toBeLessThan(DISPLAYS.length);
    for (const section of ['allergies', 'problems', 'medications', 'results'] as const)
      expect(record.completeness[section].state).toBe('incomplete');
  });

  it.each([
    [400, 'every type it holds'],
    [501, 'every type it holds'],
    [400, 'only Patient'],
    [501, 'only Patient'],
  ] as const)(
    'refuses $everything itself (HTTP %i), listing %s: the record is read type by type, complete when every search answered',
    async (status, listing) => {
      const { record, server } = await readChie({
        everything: { refuses: 'operation', status },
        ...(listing === 'only Patient' ? { advertised: [] } : {}),
      });
      expect(record.sources[0]).toMatchObject({ state: 'complete' });
      expect(record.sources[0]!.warnings).toContain(
        `CHIE refused Patient/$everything (HTTP ${status}); its record was read type by type instead`,
      );
      expect(shown(record)).toEqual([...DISPLAYS].sort());
      expect(incompleteSections(record)).toEqual([]);
      // Asked as it was advertised, and (a 400 may be of _type alone) once more without _type; no more.
      expect(everythingAsked(server)).toHaveLength(status === 400 ? 2 : 1);
      const advanceCare = server.requests.filter((r) => r.url.searchParams.has('type'));
      expect(advanceCare).toHaveLength(1);
    },
  );

  it('refuses $everything, and one search of the fallback fails: partial, that section incomplete, never complete', async () => {
    const { record } = await readChie({
      everything: { refuses: 'operation', status: 501 },
      failingSearch: 'Observation',
    });
    expect(record.sources[0]).toMatchObject({ state: 'partial', incompleteTypes: ['Observation'] });
    expect(record.completeness.results.state).toBe('incomplete');
    expect(record.completeness.allergies.state).toBe('complete');
    expect(shown(record)).toEqual(DISPLAYS.filter((d) => d !== 'Body weight').sort());
  });
});
