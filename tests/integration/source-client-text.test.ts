// Response text as clinicians read it: a body is read byte for byte only when it is plain ASCII; anything else
// is decoded as UTF-8, so accented names, dashes and symbols arrive as sent.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceClient } from '../../main/services/http';

const bodies: Record<string, Buffer> = {
  '/ascii': Buffer.from(
    JSON.stringify({ resourceType: 'Patient', name: [{ text: 'Margaret Winterbourne' }] }),
  ),
  '/utf8': Buffer.from(
    JSON.stringify({ resourceType: 'Patient', name: [{ text: 'Zoë Ó’Brien – ✓ 🩺' }] }),
    'utf8',
  ),
  // Latin-1 bytes are not UTF-8: they must not turn into "é" as if the server had meant Latin-1.
  '/latin1': Buffer.concat([
    Buffer.from('{"resourceType":"Patient","name":[{"text":"Ren'),
    Buffer.from([0xe9]),
    Buffer.from('e"}]}'),
  ]),
};

let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end(bodies[req.url ?? ''] ?? '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function nameText(path: string): Promise<string> {
  const client = new SourceClient({ name: 'Test source', baseUrl: base });
  try {
    const patient = (await client.getJson(`${base}${path}`)) as { name: { text: string }[] };
    return patient.name[0]!.text;
  } finally {
    await client.close();
  }
}

describe('response text', () => {
  it('reads plain ASCII as sent', async () => {
    expect(await nameText('/ascii')).toBe('Margaret Winterbourne');
  });

  it('decodes accents, typographic dashes and symbols as UTF-8', async () => {
    expect(await nameText('/utf8')).toBe('Zoë Ó’Brien – ✓ 🩺');
  });

  it('never reads bytes that are not UTF-8 as Latin-1', async () => {
    expect(await nameText('/latin1')).toBe('Ren\uFFFDe');
  });
});
