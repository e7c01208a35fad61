// Hostile servers against the one HTTP client every source goes through (main/services/http): endless bodies,
// a huge sign-in configuration, a neighbour on the same host that hogs its connections, search entries that
// are not resources, a kept-alive connection reset mid-use, a sign-in server that never answers. Real loopback
// HTTP; memory is measured in a child process so the figure is the client's alone.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path, { resolve } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TokenExchangeProvider } from '../../main/services/auth/token-exchange';
import { tokensBySource } from '../../main/services/auth/source-tokens';
import { noTokens, type TokenProvider } from '../../main/services/auth/token-provider';
import { readDocument } from '../../main/services/composition/documents';
import { emptyRecord, type RecordEvent, type WessexRecord } from '../../common/record';
import { auditKeyName } from '../../main/services/audit';
import { cacheKeyName } from '../../main/services/cache';
import { SourceClient } from '../../main/services/http';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { assembleRecord } from '../../main/services/record';
import { PRODUCT_CLI, runWessex } from '../support/cli';
import type { ChildJob, ChildReport } from './hostile-http-child';
import {
  allergy,
  fhirSource,
  IDENTITY,
  NHS,
  routes,
  searchBundle,
  serverPerTest,
  type Answer,
  type HostileServer,
} from './hostile-fhir';

const MB = 1024 * 1024;
const RSS_LIMIT = 300 * MB;
const ROOT = resolve(__dirname, '../..');
const CHILD = resolve(__dirname, 'hostile-http-child.ts');

const serve = serverPerTest();

async function inChild(job: ChildJob): Promise<ChildReport> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', CHILD, JSON.stringify(job)],
    { cwd: ROOT, maxBuffer: 1024 * 1024 },
  );
  const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as ChildReport;
  console.log(
    `[hostile-http] ${job.kind}: peak RSS ${Math.round(report.peakRss / MB)} MB ` +
      `(${Math.round(report.startRss / MB)} MB at start), ${report.elapsedMs} ms`,
  );
  return report;
}

const onlyThePatientIsNormal =
  (answer: Answer) =>
  (_req: unknown, path: string): Answer | undefined =>
    path === 'Patient' || path === 'metadata' ? undefined : answer;

const identity = IDENTITY;

describe('memory stays bounded against endless bodies', () => {
  it.each([
    ['quickly', undefined],
    ['slowly', 40 * MB],
  ])(
    'a server streaming hundreds of MB of JSON %s: the source fails "oversize", RSS stays under 300 MB',
    async (_how, bytesPerSecond) => {
      const stream: Answer = {
        kind: 'stream',
        bytes: 400 * MB,
        ...(bytesPerSecond ? { bytesPerSecond } : {}),
      };
      const server = await serve(routes(fhirSource('/dcr/fhir', onlyThePatientIsNormal(stream))));
      const report = await inChild({
        kind: 'record',
        sources: [{ id: 'dcr', name: 'Dorset Care Record', fhirBase: `${server.origin}/dcr/fhir` }],
        options: { deadlineMs: 25_000 },
      });
      const dcr = report.statuses![0]!;
      expect(dcr.state).toBe('failed');
      expect(dcr.message).toMatch(
        /^Dorset Care Record sent more (than the 32 MB limit for one response|at once than the 64 MB this viewer holds for one source)/,
      );
      expect(dcr.message).not.toMatch(/did not finish|could not be reached/);
      expect(report.peakRss).toBeLessThan(RSS_LIMIT);
    },
    60_000,
  );
});

describe('compressed answers', () => {
  /** Bytes sent as FHIR JSON with this Content-Encoding, whatever they really are. */
  const coded = (coding: string, body: Buffer, status?: number): Answer => ({
    kind: 'bytes',
    ...(status ? { status } : {}),
    headers: { 'content-type': 'application/fhir+json', 'content-encoding': coding },
    body,
  });
  const dcrAt = (server: HostileServer) => [
    { id: 'dcr', name: 'Dorset Care Record', fhirBase: `${server.origin}/dcr/fhir` },
  ];
  const readWith = async (answer: Answer) => {
    const server = await serve(routes(fhirSource('/dcr/fhir', onlyThePatientIsNormal(answer))));
    const record = await assembleRecord({
      requestId: 'coded',
      identity,
      sources: dcrAt(server),
      tokens: noTokens,
    });
    return record.sources[0]!;
  };

  it.each(['gzip', 'br'] as const)(
    '%s: the record reads as if it were plain, and every request offered compression',
    async (coding) => {
      const normal = fhirSource('/dcr/fhir');
      const server = await serve(
        routes((req) => {
          const answer = normal(req);
          return answer?.kind === 'json' ? { ...answer, coding } : answer;
        }),
      );
      const record = await assembleRecord({
        requestId: coding,
        identity,
        sources: dcrAt(server),
        tokens: noTokens,
      });
      expect(record.sources[0]).toMatchObject({ state: 'complete', resourceCount: 1 });
      expect(record.items.map((i) => i.display)).toContain('Allergy to penicillin');
      expect(server.requests.length).toBeGreaterThan(1);
      for (const request of server.requests) expect(request.acceptEncoding).toBe('br, gzip');
    },
  );

  it('two codings stacked (gzip, then brotli over it): undone in reverse order, the record reads', async () => {
    const bundle = JSON.stringify(searchBundle([allergy('a9')]));
    const dcr = await readWith(coded('gzip, br', brotliCompressSync(gzipSync(bundle))));
    expect(dcr).toMatchObject({ state: 'complete', resourceCount: 1 });
  });

  it('a small gzip that opens into hundreds of MB: the source fails "oversize", RSS stays under 300 MB', async () => {
    // Gzip members one after another are one stream: 400 of 1 MB of spaces (valid JSON between tokens).
    const spaces = gzipSync(Buffer.alloc(MB, 0x20), { level: 9 });
    const bomb = Buffer.concat([
      gzipSync('{"resourceType":"Bundle","type":"searchset","entry":['),
      ...Array.from({ length: 400 }, () => spaces),
    ]);
    expect(bomb.length).toBeLessThan(2 * MB);
    const server = await serve(routes(fhirSource('/dcr/fhir', onlyThePatientIsNormal(coded('gzip', bomb)))));
    const report = await inChild({ kind: 'record', sources: dcrAt(server), options: { deadlineMs: 25_000 } });
    expect(report.statuses![0]).toMatchObject({
      state: 'failed',
      message: expect.stringMatching(
        /^Dorset Care Record sent more (than the 32 MB limit for one response|at once than the 64 MB this viewer holds for one source)/,
      ) as unknown,
    });
    expect(report.peakRss).toBeLessThan(RSS_LIMIT);
  });

  it('a body that only claims to be gzip: the source fails, saying its answer could not be decoded', async () => {
    // Large enough to be still arriving when decoding fails.
    const notGzip = Buffer.from(JSON.stringify(searchBundle([allergy('a1')])).padEnd(4 * MB, ' '));
    const dcr = await readWith(coded('gzip', notGzip));
    expect(dcr).toMatchObject({
      state: 'failed',
      message: 'Dorset Care Record sent a compressed answer that could not be decoded',
    });
  });

  it('a refusal whose explanation cannot be decoded is still a refusal (HTTP 403), not a decoding fault', async () => {
    const dcr = await readWith(coded('gzip', Buffer.from('{"resourceType":"OperationOutcome"}'), 403));
    expect(dcr).toMatchObject({
      state: 'failed',
      message: 'Dorset Care Record refused access to this record (HTTP 403)',
    });
  });

  it.each([
    ['a 200 with an empty body', 200],
    ['a 204', 204],
  ])('%s that names gzip is an empty answer, not a broken one', async (_what, status) => {
    const server = await serve(() => ({
      kind: 'bytes',
      status,
      headers: { 'content-encoding': 'gzip' },
      body: Buffer.alloc(0),
    }));
    const client = new SourceClient({ name: 'Dorset Care Record', baseUrl: `${server.origin}/dcr/fhir` });
    try {
      const answer = await client.send(`${server.origin}/dcr/fhir/Subscription/s1`, { method: 'DELETE' });
      expect(answer).toMatchObject({ status });
      expect(answer.body.length).toBe(0);
    } finally {
      await client.close();
    }
  });

  describe('one search answered with a gzip body that is not whole (the other searches answer in full)', () => {
    const bundle = JSON.stringify(searchBundle([allergy('a1')]));
    const whole = gzipSync(bundle);
    /** DCR's allergies answered with these gzip bytes (or this answer); everything else as a normal small source. */
    const readAllergies = async (answer: Buffer | Answer) => {
      const allergies = Buffer.isBuffer(answer) ? coded('gzip', answer) : answer;
      const server = await serve(
        routes(
          fhirSource('/dcr/fhir', (_req, path) => (path === 'AllergyIntolerance' ? allergies : undefined)),
        ),
      );
      const record = await assembleRecord({
        requestId: 'gzip-not-whole',
        identity,
        sources: dcrAt(server),
        tokens: noTokens,
      });
      return { record, dcr: record.sources[0]! };
    };
    const allergiesShown = (record: WessexRecord) => record.items.filter((i) => i.section === 'allergies');

    it.each([
      // The allergy's JSON is all there; only the CRC-32 and length that prove it so are missing.
      ['its last 8 bytes (the CRC and length) missing', whole.subarray(0, whole.length - 8)],
      ['its last 4 bytes (the length) missing', whole.subarray(0, whole.length - 4)],
      ['cut in the middle of the compressed data', whole.subarray(0, Math.floor(whole.length / 2))],
      // Read by zlib as a second member that stops short.
      [
        'whole, then the first bytes of another gzip member',
        Buffer.concat([whole, Buffer.from([0x1f, 0x8b, 0x08, 0x00])]),
      ],
    ])('%s: "cut off", the allergies incomplete and none shown', async (_what, body) => {
      const { record, dcr } = await readAllergies(body);
      expect(dcr).toMatchObject({
        state: 'partial',
        message: 'Dorset Care Record answered, but the answer was cut off before it was complete',
        incompleteTypes: ['AllergyIntolerance'],
      });
      expect(record.completeness.allergies.state).toBe('incomplete');
      expect(allergiesShown(record)).toEqual([]);
    });

    it('a Content-Length promising the whole gzip and the connection dropped halfway: "cut off" likewise', async () => {
      const { record, dcr } = await readAllergies({
        kind: 'bytes',
        headers: {
          'content-type': 'application/fhir+json',
          'content-encoding': 'gzip',
          'content-length': String(whole.length),
        },
        body: whole.subarray(0, Math.floor(whole.length / 2)),
        thenDrop: true,
      });
      expect(dcr).toMatchObject({
        state: 'partial',
        message: 'Dorset Care Record answered, but the answer was cut off before it was complete',
      });
      expect(record.completeness.allergies.state).toBe('incomplete');
      expect(allergiesShown(record)).toEqual([]);
    });

    // Trailing bytes after a whole gzip member: Node's zlib refuses them (it reads them as the header of another
    // member, and finds none), as curl does; Chromium and GNU gunzip ignore them. This viewer keeps zlib's rule
    // (zero bytes, gzip's padding, excepted): it cannot tell other bytes from an answer damaged on its way, and
    // a source that fails saying so is safer than a guess.
    it.each([
      ['text', Buffer.from('<html>proxy error</html>')],
      ['a line break', Buffer.from([0x0d, 0x0a])],
    ])(
      'whole gzip then %s: the source says it could not be decoded, the allergies incomplete',
      async (_what, tail) => {
        const { record, dcr } = await readAllergies(Buffer.concat([whole, tail]));
        expect(dcr).toMatchObject({
          state: 'partial',
          message: 'Dorset Care Record sent a compressed answer that could not be decoded',
          incompleteTypes: ['AllergyIntolerance'],
        });
        expect(record.completeness.allergies.state).toBe('incomplete');
        expect(allergiesShown(record)).toEqual([]);
      },
    );

    it('whole gzip then zero bytes (padding, which zlib allows): read in full', async () => {
      const { record, dcr } = await readAllergies(Buffer.concat([whole, Buffer.alloc(64)]));
      expect(dcr).toMatchObject({ state: 'complete', resourceCount: 1 });
      expect(allergiesShown(record).map((i) => i.display)).toEqual(['Allergy to penicillin']);
    });
  });

  it('a gzip body cut short: the source fails as cut off', async () => {
    const whole = gzipSync(JSON.stringify(searchBundle([{ resourceType: 'Observation', id: 'o1' }])));
    const dcr = await readWith(coded('gzip', whole.subarray(0, whole.length - 12)));
    expect(dcr).toMatchObject({ state: 'failed' });
    expect(dcr.message).toMatch(/cut off before it was complete/);
  });

  it.each([
    ['zstd', 'Dorset Care Record sent its answer compressed in “zstd”, which this viewer cannot read'],
    [
      '<b>x</b>',
      'Dorset Care Record sent its answer compressed in an unknown way, which this viewer cannot read',
    ],
  ])(
    'a coding we never offered (%s): the source fails with a message naming it only when harmless',
    async (coding, message) => {
      const dcr = await readWith(
        coded(coding, Buffer.from('{"resourceType":"Bundle","type":"searchset","entry":[]}')),
      );
      expect(dcr).toMatchObject({ state: 'failed', message });
    },
  );
});

describe('a huge sign-in configuration', () => {
  const hugeConfiguration = (path: string): Answer | undefined =>
    path.endsWith('/.well-known/smart-configuration') || path.endsWith('/.well-known/openid-configuration')
      ? { kind: 'stream', bytes: 200 * MB }
      : undefined;

  it('at launch: refused with a clear message well within the time limit, RSS bounded', async () => {
    const server = await serve(routes((req) => hugeConfiguration(req.url.pathname)));
    const report = await inChild({ kind: 'launch-discovery', iss: `${server.origin}/epr/fhir` });
    expect(report.error?.code).toBe('discovery-failed');
    expect(report.error?.message).toBe(
      `The EPR server ${server.origin}/epr/fhir sent more than the 1 MB limit for one response; ` +
        'its SMART configuration was not read.',
    );
    expect(report.elapsedMs).toBeLessThan(15_000);
    expect(report.peakRss).toBeLessThan(RSS_LIMIT);
  }, 60_000);

  it('for a regional source (the regional sign-in server’s discovery): the source fails clearly within its deadline', async () => {
    const server = await serve(routes((req) => hugeConfiguration(req.url.pathname), fhirSource('/dcr/fhir')));
    const report = await inChild({
      kind: 'record',
      sources: [
        {
          id: 'dcr',
          name: 'Dorset Care Record',
          fhirBase: `${server.origin}/dcr/fhir`,
          tokenExchange: { issuer: `${server.origin}/regional-auth` },
        },
      ],
      options: { deadlineMs: 10_000 },
    });
    expect(report.statuses![0]).toMatchObject({
      state: 'failed',
      message:
        'Dorset Care Record could not sign in: the regional sign-in server sent more than the 256 KB limit ' +
        'for one response.',
    });
    expect(report.elapsedMs).toBeLessThan(10_000);
    expect(report.peakRss).toBeLessThan(RSS_LIMIT);
    // The FHIR server itself was never asked: there was no token to ask it with.
    expect(server.requests.filter((r) => r.url.pathname.startsWith('/dcr/fhir/Patient'))).toHaveLength(0);
  }, 60_000);
});

describe('sources sharing one host', () => {
  it('a slow neighbour on the same origin does not starve a healthy source', async () => {
    const trickle: Answer = { kind: 'stream', bytes: 300 * MB, bytesPerSecond: 256 * 1024 };
    const server = await serve(
      routes(fhirSource('/dcr/fhir'), fhirSource('/slow/fhir', onlyThePatientIsNormal(trickle))),
    );
    const finishedAt = new Map<string, number>();
    const started = performance.now();
    const record = await assembleRecord({
      requestId: 'neighbours',
      identity,
      sources: [
        { id: 'slow', name: 'Slow Record', fhirBase: `${server.origin}/slow/fhir` },
        { id: 'dcr', name: 'Dorset Care Record', fhirBase: `${server.origin}/dcr/fhir` },
      ],
      tokens: noTokens,
      options: { deadlineMs: 2_000 },
      onEvent: (event: RecordEvent) => {
        if (event.type === 'source' && event.source.state !== 'pending')
          finishedAt.set(event.source.id, performance.now() - started);
      },
    });
    const byId = Object.fromEntries(record.sources.map((s) => [s.id, s]));
    expect(byId.dcr).toMatchObject({ state: 'complete', resourceCount: 1 });
    expect(byId.slow).toMatchObject({
      state: 'failed',
      message: 'Slow Record was too slow: it did not finish within 2 s',
    });
    // The healthy source had its whole record while its neighbour was still trickling towards its deadline.
    expect(finishedAt.get('dcr')).toBeLessThan(finishedAt.get('slow')!);
  }, 30_000);
});

describe('tokens on a host shared by two sources', () => {
  const tokens: TokenProvider = {
    getToken: async (sourceId) => `token-${sourceId}`,
    refresh: async (sourceId) => `token-${sourceId}`,
  };
  const bearerAt = (server: HostileServer, prefix: string) =>
    server.requests.filter((r) => r.url.pathname.startsWith(prefix)).map((r) => r.authorization);

  it('a next page link into the other source’s path is refused: its token never goes there', async () => {
    let origin = '';
    const server = await serve(
      routes(
        fhirSource('/dcr/fhir', (_req, path) =>
          path === 'Condition'
            ? {
                kind: 'json',
                body: {
                  ...searchBundle([]),
                  link: [{ relation: 'next', url: `${origin}/chie/fhir/Condition?page=2` }],
                },
              }
            : undefined,
        ),
        fhirSource('/chie/fhir'),
      ),
    );
    origin = server.origin;
    const record = await assembleRecord({
      requestId: 'siblings',
      identity,
      sources: [{ id: 'dcr', name: 'Dorset Care Record', fhirBase: `${server.origin}/dcr/fhir` }],
      tokens,
    });
    expect(record.sources[0]).toMatchObject({ state: 'partial' });
    const status = record.sources[0]!;
    expect([status.message, ...status.warnings].join(' ')).toMatch(
      /outside its own FHIR address \(\/chie\/fhir\/Condition\)/,
    );
    expect(bearerAt(server, '/chie/')).toEqual([]);
  });

  it('a document is fetched with the token of the source whose address holds it', async () => {
    const server = await serve(
      routes((req) =>
        req.url.pathname.endsWith('/Binary/letter')
          ? { kind: 'json', body: { resourceType: 'Binary', contentType: 'text/plain', data: 'TGV0dGVy' } }
          : undefined,
      ),
    );
    const sources = [
      { id: 'dcr', name: 'Dorset Care Record', fhirBase: `${server.origin}/dcr/fhir` },
      { id: 'chie', name: 'CHIE', fhirBase: `${server.origin}/chie/fhir` },
    ];
    const record = {
      ...emptyRecord(),
      pointers: [
        {
          id: 'p1',
          sourceId: 'locator',
          type: { display: 'Discharge letter' },
          url: `${server.origin}/chie/fhir/Binary/letter`,
          contentType: 'text/plain',
        },
      ],
    } as unknown as WessexRecord;
    await readDocument(record, 'p1', { sources, tokens }).catch(() => undefined);
    expect(bearerAt(server, '/chie/')).toEqual(['Bearer token-chie']);
    // A third source on the same host whose address holds nothing of it gets no guess either.
    await readDocument(
      { ...record, pointers: [{ ...record.pointers[0]!, url: `${server.origin}/other/Binary/letter` }] },
      'p1',
      { sources, tokens },
    ).catch((error: Error) => expect(error.message).toMatch(/not set up to reach/));
    expect(bearerAt(server, '/other/')).toEqual([]);
  });
});

describe('search results that are not resources', () => {
  const garbage: Answer = {
    kind: 'json',
    body: { resourceType: 'Bundle', type: 'searchset', entry: [1, 'x', null] },
  };

  it('entries that are not objects make the source partial with a warning, not "complete, 0 resources"', async () => {
    const server = await serve(routes(fhirSource('/dcr/fhir', onlyThePatientIsNormal(garbage))));
    const record = await assembleRecord({
      requestId: 'garbage',
      identity,
      sources: [{ id: 'dcr', name: 'DCR', fhirBase: `${server.origin}/dcr/fhir` }],
      tokens: noTokens,
    });
    const dcr = record.sources[0]!;
    expect(dcr.state).toBe('partial');
    expect(dcr.resourceCount).toBe(0);
    expect(dcr.warnings).toContain(
      'DCR sent AllergyIntolerance results that are not FHIR resources; they could not be read',
    );
  });

  it('a patient search of such entries is a failure, not "patient not known"', async () => {
    const server = await serve(
      routes(fhirSource('/dcr/fhir', (_req, path) => (path === 'Patient' ? garbage : undefined))),
    );
    const record = await assembleRecord({
      requestId: 'garbage-patient',
      identity,
      sources: [{ id: 'dcr', name: 'DCR', fhirBase: `${server.origin}/dcr/fhir` }],
      tokens: noTokens,
    });
    expect(record.sources[0]).toMatchObject({
      state: 'failed',
      message: 'DCR sent Patient results that are not FHIR resources; they could not be read',
    });
    expect(record.identityWarnings.map((w) => w.kind)).not.toContain('not-found');
  });
});

describe('a kept-alive connection reset under a GET', () => {
  it('is retried once, on a fresh start, and the source completes', async () => {
    let resets = 0;
    const server = await serve(
      routes(
        fhirSource('/dcr/fhir', (req) => {
          // The first request sent over a reused connection meets a reset, as when a server drops an idle
          // keep-alive connection just as the client reuses it.
          if (req.onConnection < 2 || resets > 0) return undefined;
          resets++;
          return { kind: 'reset' };
        }),
      ),
    );
    const record = await assembleRecord({
      requestId: 'reset',
      identity,
      sources: [{ id: 'dcr', name: 'DCR', fhirBase: `${server.origin}/dcr/fhir` }],
      tokens: noTokens,
    });
    expect(resets).toBe(1);
    expect(record.sources[0]).toMatchObject({ state: 'complete', resourceCount: 1 });
    const resetAt = server.requests.findIndex((r) => r.onConnection >= 2);
    const resetUrl = server.requests[resetAt]!.url.href;
    expect(server.requests.filter((r) => r.url.href === resetUrl)).toHaveLength(2);
  });
});

describe('signing in at a hostile regional authorization server', () => {
  /** The signed-in user's id_token (any string: these servers never check it), exchanged at `issuer`. */
  function exchangedTokens(source: { id: string; name: string; fhirBase: string }, issuer: string) {
    return tokensBySource(
      new TokenExchangeProvider({
        targets: [
          {
            id: source.id,
            name: source.name,
            audience: source.fhirBase,
            auth: { type: 'token-exchange', issuer, clientId: 'wessex-viewer' },
          },
        ],
        subjectToken: () => ({ token: 'the-users-id-token', expiresAt: Date.now() + 3_600_000 }),
      }),
      [source.id],
    );
  }
  const discovery =
    (origin: string) =>
    (req: { url: URL }): Answer | undefined =>
      req.url.pathname === '/auth/.well-known/openid-configuration'
        ? { kind: 'json', body: { issuer: `${origin}/auth`, token_endpoint: `${origin}/auth/token` } }
        : undefined;

  it.each([
    ['a token endpoint', true],
    ['a discovery document', false],
  ])(
    '%s that never answers fails the source at its deadline, not later',
    async (_what, discoveryAnswers) => {
      let origin = '';
      const server = await serve(
        routes(
          (req) => (discoveryAnswers ? discovery(origin)(req) : undefined),
          (req) => (req.url.pathname.startsWith('/auth/') ? { kind: 'hang' } : undefined),
          fhirSource('/dcr/fhir'),
        ),
      );
      origin = server.origin;
      const source = { id: 'dcr', name: 'Dorset Care Record', fhirBase: `${server.origin}/dcr/fhir` };
      const started = performance.now();
      const record = await assembleRecord({
        requestId: 'token-hangs',
        identity,
        sources: [source],
        tokens: exchangedTokens(source, `${server.origin}/auth`),
        options: { deadlineMs: 1_000 },
      });
      const elapsed = performance.now() - started;
      expect(record.sources[0]).toMatchObject({
        state: 'failed',
        message: 'Dorset Care Record could not sign in: the sign-in server did not answer within 1 s',
      });
      // At the source's deadline, not the sign-in request's own 15 s limit.
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(10_000);
      expect(server.requests.some((r) => r.url.pathname.startsWith('/dcr/fhir/Patient'))).toBe(false);
    },
    30_000,
  );

  it('a token endpoint that redirects elsewhere: a clear error, and nothing is sent to the other server', async () => {
    const elsewhere = await serve(
      routes(() => ({ kind: 'json', body: { access_token: 'x', token_type: 'Bearer' } })),
    );
    let origin = '';
    const server = await serve(
      routes(
        (req) => discovery(origin)(req),
        (req) =>
          req.url.pathname === '/auth/token'
            ? { kind: 'json', status: 307, body: {}, location: `${elsewhere.origin}/token` }
            : undefined,
        fhirSource('/dcr/fhir'),
      ),
    );
    origin = server.origin;
    const source = { id: 'dcr', name: 'Dorset Care Record', fhirBase: `${server.origin}/dcr/fhir` };
    const record = await assembleRecord({
      requestId: 'token-redirects',
      identity,
      sources: [source],
      tokens: exchangedTokens(source, `${server.origin}/auth`),
    });
    expect(record.sources[0]).toMatchObject({
      state: 'failed',
      message: 'Dorset Care Record could not sign in: the regional sign-in server refused access (HTTP 307).',
    });
    expect(elsewhere.requests).toHaveLength(0);
    expect(server.requests.some((r) => r.url.pathname.startsWith('/dcr/fhir/Patient'))).toBe(false);
  });
});

describe('redirects', () => {
  it('are followed on the same origin only: a redirect elsewhere is refused and nothing is sent there', async () => {
    const elsewhere = await serve(routes(fhirSource('/fhir')));
    const server = await serve(
      routes(
        fhirSource('/dcr/fhir', (_req, path) =>
          path === 'AllergyIntolerance'
            ? { kind: 'json', status: 302, body: {}, location: `${elsewhere.origin}/fhir/AllergyIntolerance` }
            : path === 'Condition'
              ? { kind: 'json', status: 307, body: {}, location: '/dcr/fhir/moved/Condition' }
              : path === 'moved/Condition'
                ? { kind: 'json', body: searchBundle([]) }
                : undefined,
        ),
      ),
    );
    const record = await assembleRecord({
      requestId: 'redirects',
      identity,
      sources: [{ id: 'dcr', name: 'DCR', fhirBase: `${server.origin}/dcr/fhir` }],
      tokens: { getToken: async () => 'dcr-token', refresh: async () => undefined },
    });
    expect(record.sources[0]).toMatchObject({
      state: 'partial',
      message: `DCR redirected the request to another server (${new URL(elsewhere.origin).host}); not followed`,
    });
    expect(elsewhere.requests).toHaveLength(0);
    const moved = server.requests.filter((r) => r.url.pathname === '/dcr/fhir/moved/Condition');
    expect(moved).toEqual([expect.objectContaining({ authorization: 'Bearer dcr-token' })]);
  });
});

describe('a busy server (the shipped CLI)', () => {
  it('waits out Retry-After and completes, instead of exiting silently while it waits', async () => {
    let busy = true;
    const server = await serve(
      routes(
        fhirSource('/dcr/fhir', (_req, path) => {
          if (path !== 'Patient' || !busy) return undefined;
          busy = false;
          return { kind: 'json', status: 503, retryAfter: '1', body: { resourceType: 'OperationOutcome' } };
        }),
      ),
    );
    const dir = await mkdtemp(path.join(os.tmpdir(), 'wessex-busy-'));
    try {
      const policyFile = path.join(dir, 'policy.json');
      await writeFile(
        policyFile,
        JSON.stringify({
          sources: [
            {
              id: 'dcr',
              name: 'Dorset Care Record',
              fhirBase: `${server.origin}/dcr/fhir`,
              auth: { type: 'none' },
            },
          ],
          auditEndpoint: `${server.origin}/audit`,
          commandLineRoles: ['nurse'],
        }),
      );
      const result = await runWessex(['fetch', '--nhs', NHS, '--role', 'nurse', '--data-dir', dir], {
        cli: PRODUCT_CLI,
        env: { ...process.env, WESSEX_POLICY_FILE: policyFile },
      });
      expect(result.stdout).toContain('Allergy to penicillin');
      expect(result.stdout).toMatch(/Dorset Care Record \(regional\) — complete/);
      expect(result.code).toBe(0);
      expect(server.requests.filter((r) => r.url.pathname.endsWith('/Patient'))).toHaveLength(2);
    } finally {
      await createKeytarSecretStore().delete(`db-key:${cacheKeyName(dir)}`);
      await createKeytarSecretStore().delete(auditKeyName(path.join(dir, 'audit.db')));
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
