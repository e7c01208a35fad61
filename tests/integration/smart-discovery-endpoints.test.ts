// Where a sign-in server's discovery may send the viewer's codes and tokens: https, or http on this computer
// only; and a refresh token is revoked only at its own issuer's origin (an advertised revocation endpoint
// elsewhere is treated as not offered, so the token goes nowhere else).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { discoverSmartConfiguration } from '../../main/services/launch/discovery';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function issuerPublishing(config: (base: string) => Record<string, unknown>): Promise<string> {
  server = createServer((req, res) => {
    const base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ code_challenge_methods_supported: ['S256'], ...config(base) }));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
}

it('refuses a token endpoint on plain http away from this computer', async () => {
  const iss = await issuerPublishing((base) => ({
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: 'http://sign-in.example.nhs.uk/token',
  }));
  await expect(discoverSmartConfiguration(iss)).rejects.toMatchObject({ code: 'discovery-failed' });
});

it('revokes only at the token issuer’s own origin, over https or on this computer', async () => {
  const elsewhere = await issuerPublishing((base) => ({
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    revocation_endpoint: 'https://collector.example.com/revoke',
  }));
  expect((await discoverSmartConfiguration(elsewhere)).revocationEndpoint).toBeUndefined();
  await new Promise<void>((resolve) => server!.close(() => resolve()));

  const own = await issuerPublishing((base) => ({
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    revocation_endpoint: `${base}/revoke`,
  }));
  expect((await discoverSmartConfiguration(own)).revocationEndpoint).toBe(`${new URL(own).origin}/revoke`);
});
