// Every fault mode a sandbox server can inject actually produces its fault, as a client would meet it.
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, OperationOutcome } from '../../common/fhir';
import { startSandbox, type RunningSandbox } from '../../sandbox';
import { LoopbackServer } from '../../sandbox/http/loopback-server';
import { operationOutcome } from '../../sandbox/http/outcome';
import { findPatientId, getJson, nextLink } from './sandbox-helpers';

let sandbox: RunningSandbox;
let observations: string;

beforeAll(async () => {
  sandbox = await startSandbox({ requireAuth: false });
  const id = await findPatientId(sandbox.urls.dcr, sandbox.patient('synthea-1').nhsNumber);
  observations = `${sandbox.urls.dcr}/Observation?patient=Patient/${id}&_count=5`;
});
afterEach(async () => {
  await sandbox.servers.dcr.setFault(undefined);
  sandbox.servers.dcr.setLatency(0);
});
afterAll(async () => {
  await sandbox?.close();
});

describe('fault modes', () => {
  it('500 and 503 answer with an OperationOutcome', async () => {
    await sandbox.servers.dcr.setFault('500');
    const r500 = await getJson<OperationOutcome>(observations);
    expect(r500.status).toBe(500);
    expect(r500.body.resourceType).toBe('OperationOutcome');
    await sandbox.servers.dcr.setFault('503', { retryAfterSeconds: 2 });
    const r503 = await fetch(observations);
    expect(r503.status).toBe(503);
    expect(r503.headers.get('retry-after')).toBe('2');
  });

  it('429 carries Retry-After and can be limited to the first N requests', async () => {
    await sandbox.servers.dcr.setFault('429', { retryAfterSeconds: 3, times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(observations);
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers.get('retry-after')).toBe('3');
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([429, 429, 200]);
    expect(sandbox.servers.dcr.currentFault).toBeUndefined();
  });

  it('can be scoped to one resource type', async () => {
    await sandbox.servers.dcr.setFault('500', { resourceType: 'Observation' });
    expect((await fetch(observations)).status).toBe(500);
    expect((await fetch(`${sandbox.urls.dcr}/Patient?_count=1`)).status).toBe(200);
  });

  it('slow holds the response past a client deadline (and close() does not wait for it)', async () => {
    await sandbox.servers.dcr.setFault('slow', { delayMs: 60_000 });
    await expect(fetch(observations, { signal: AbortSignal.timeout(300) })).rejects.toThrow(/abort|timeout/i);
    sandbox.servers.dcr.setLatency(60_000);
    await sandbox.servers.dcr.setFault(undefined);
    await expect(fetch(observations, { signal: AbortSignal.timeout(300) })).rejects.toThrow(/abort|timeout/i);
  });

  it('malformed-json sends FHIR JSON content type with an unparseable body', async () => {
    await sandbox.servers.dcr.setFault('malformed-json');
    const res = await fetch(observations);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    await expect(res.json()).rejects.toThrow();
  });

  it('truncated-body cuts the connection before Content-Length bytes arrive', async () => {
    await sandbox.servers.dcr.setFault('truncated-body');
    const res = await fetch(observations);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(0);
    await expect(res.text()).rejects.toThrow();
  });

  it('wrong-content-type answers 200 with an HTML page', async () => {
    await sandbox.servers.dcr.setFault('wrong-content-type');
    const res = await fetch(observations);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('<html>');
  });

  it('not-bundle returns a Patient where a search Bundle is expected', async () => {
    await sandbox.servers.dcr.setFault('not-bundle');
    const res = await getJson(
      `${sandbox.urls.dcr}/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|${sandbox.patient('frail').nhsNumber}`,
    );
    expect(res.body.resourceType).toBe('Patient');
  });

  it('operation-outcome-in-bundle adds an OperationOutcome entry with search.mode outcome', async () => {
    await sandbox.servers.dcr.setFault('operation-outcome-in-bundle');
    const { body } = await getJson<Bundle>(observations);
    const outcome = body.entry?.find((e) => e.search?.mode === 'outcome');
    expect(outcome?.resource?.resourceType).toBe('OperationOutcome');
    expect(body.entry?.filter((e) => e.search?.mode === 'match')).toHaveLength(5);
  });

  it('oversize streams a body far larger than any sane page, waiting on a slow reader without piling up listeners', async () => {
    const limit = 5 * 1024 * 1024;
    const warnings: string[] = [];
    const onWarning = (w: Error) => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      await sandbox.servers.dcr.setFault('oversize', { bytes: limit });
      const res = await fetch(observations);
      expect(res.headers.get('content-length')).toBeNull();
      let received = 0;
      const reader = res.body?.getReader();
      for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read()) {
        received += chunk.value.length;
        // A reader slower than the writer, so the server waits for the socket to drain again and again.
        if (received % 16 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      expect(received).toBeGreaterThanOrEqual(limit);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('next-link-other-origin points the next page at another origin, which logs any token it gets', async () => {
    await sandbox.servers.dcr.setFault('next-link-other-origin');
    const { body } = await getJson<Bundle>(observations);
    const next = nextLink(body) ?? '';
    expect(new URL(next).origin).not.toBe(new URL(sandbox.urls.dcr).origin);
    expect(new URL(next).origin).toBe(sandbox.servers.elsewhere.origin);
    sandbox.servers.elsewhere.clearRequests();
    await fetch(next);
    expect(sandbox.servers.elsewhere.requests).toEqual([
      expect.objectContaining({ method: 'GET', authorization: false }),
    ]);
  });

  it('next-link-loop makes the next link point back at the same page', async () => {
    await sandbox.servers.dcr.setFault('next-link-loop');
    const { body } = await getJson<Bundle>(observations);
    expect(nextLink(body)).toBe(observations);
  });

  it('down refuses connections until cleared, then serves again on the same URL', async () => {
    await sandbox.servers.dcr.setFault('down');
    await expect(fetch(observations)).rejects.toThrow();
    await sandbox.servers.dcr.setFault(undefined);
    expect((await fetch(observations)).status).toBe(200);
  });

  it('the request log records method, URL, token presence and outcome', async () => {
    const dcr = sandbox.servers.dcr;
    dcr.clearRequests();
    await dcr.setFault('500', { times: 1 });
    await fetch(observations, { headers: { authorization: 'Bearer secret-token' } });
    await fetch(observations);
    expect(dcr.requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        url: observations,
        authorization: true,
        status: 500,
        fault: '500',
      }),
      expect.objectContaining({ method: 'GET', url: observations, authorization: false, status: 200 }),
    ]);
    expect(JSON.stringify(dcr.requests)).not.toContain('secret-token');
  });
});

describe('compressed answers, as the proxies in front of real servers send them', () => {
  const raw = (url: string, acceptEncoding?: string) =>
    new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const req = httpGet(
        url,
        { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
    });

  it('gzip only when the client offers it, the same JSON either way', async () => {
    const plain = await raw(observations);
    const zipped = await raw(observations, 'br, gzip, deflate');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('Accept-Encoding');
    expect(zipped.body.length).toBeLessThan(plain.body.length / 3);
    expect(JSON.parse(gunzipSync(zipped.body).toString('utf8'))).toEqual(
      JSON.parse(plain.body.toString('utf8')),
    );
    for (const refusing of ['gzip;q=0, identity', 'gzip; q = 0, *', 'br']) {
      expect((await raw(observations, refusing)).headers['content-encoding']).toBeUndefined();
    }
    expect((await raw(observations, 'br;q=1, *;q=0.5')).headers['content-encoding']).toBe('gzip');
  });

  it('never, from a server started with gzip off (benchmarks on one machine)', async () => {
    const server = new LoopbackServer({
      id: 'plain',
      name: 'Plain',
      host: '127.0.0.1',
      basePath: '/fhir',
      gzip: false,
      handler: async () => ({ status: 200, body: operationOutcome('informational', 'x'.repeat(4096)) }),
    });
    await server.start();
    try {
      const answer = await raw(`${server.baseUrl}/metadata`, 'gzip');
      expect(answer.headers['content-encoding']).toBeUndefined();
      expect(answer.body.toString('utf8')).toContain('x'.repeat(4096));
    } finally {
      await server.close();
    }
  });
});
