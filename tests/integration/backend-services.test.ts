// SMART Backend Services for regional sources against the sandbox authorization server: private_key_jwt
// with a key from the keystore, tokens bound to the regional audience, cached, renewed on expiry and 401.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair } from 'jose';
import { startSandboxEpr, type SandboxEpr } from '../../sandbox/epr';
import {
  BackendAuthError,
  BackendServicesTokenProvider,
  keystoreKeyLoader,
} from '../../main/services/auth/backend-services';
import type { RegionalSource } from '../../main/services/policy/schema';
import { SourceClient, tokenFromProvider } from '../../main/services/http';
import { manualClock, recordingFetch, testPatients, testSecretStore } from './launch-fixtures';

const DCR = 'http://127.0.0.1:1/dcr/fhir';
const CHIE = 'http://127.0.0.1:2/chie/fhir';
const clock = manualClock();
const { store } = testSecretStore();
let epr: SandboxEpr;

const source = (id: string, fhirBase: string, keyReference = 'backend-key:sandbox'): RegionalSource => ({
  id,
  name: id.toUpperCase(),
  fhirBase,
  auth: {
    type: 'backend-services',
    tokenUrl: epr.tokenEndpoint,
    clientId: epr.backendClient.clientId,
    keyReference,
    scope: 'system/*.rs',
  },
});

beforeAll(async () => {
  epr = await startSandboxEpr({ patients: testPatients(), now: clock.now });
  epr.allowAudience(DCR);
  epr.allowAudience(CHIE);
  await store.set('backend-key:sandbox', JSON.stringify(epr.backendClient.privateJwk));
});
afterAll(async () => {
  await store.delete('backend-key:sandbox');
  await epr.close();
});

describe('Backend Services token provider', () => {
  it('gets a token per regional audience, valid only for that audience', async () => {
    const provider = new BackendServicesTokenProvider({
      sources: [
        source('dcr', DCR),
        source('chie', CHIE),
        { id: 'open', name: 'Open', fhirBase: CHIE, auth: { type: 'none' } },
      ],
      loadPrivateKey: keystoreKeyLoader(store),
      now: clock.now,
    });
    const dcr = await provider.getToken('dcr');
    const chie = await provider.getToken('chie');
    expect(await epr.verifyAccessToken(dcr as string, DCR)).toBe(true);
    expect(await epr.verifyAccessToken(dcr as string, CHIE)).toBe(false);
    expect(await epr.verifyAccessToken(chie as string, CHIE)).toBe(true);
    expect(await epr.verifyAccessToken(dcr as string, epr.fhirBase)).toBe(false);
    expect(await provider.getToken('open')).toBeUndefined();
  });

  it('caches, renews on expiry and on refresh (after a 401)', async () => {
    const { fetch, calls } = recordingFetch();
    const provider = new BackendServicesTokenProvider({
      sources: [source('dcr', DCR)],
      loadPrivateKey: keystoreKeyLoader(store),
      now: clock.now,
      fetch,
    });
    const first = await provider.getToken('dcr');
    expect(await provider.getToken('dcr')).toBe(first);
    expect(calls.length).toBe(1);
    clock.advance(3600 * 1000);
    const second = await provider.getToken('dcr');
    expect(second).not.toBe(first);
    expect(await epr.verifyAccessToken(second as string, DCR)).toBe(true);
    const third = await provider.refresh('dcr');
    expect(third).not.toBe(second);
    expect(calls.length).toBe(3);
  });

  it('is refused with a key the server does not know, and says so', async () => {
    const { privateKey } = await generateKeyPair('ES384', { extractable: true });
    await store.set(
      'backend-key:rogue',
      JSON.stringify({ ...(await exportJWK(privateKey)), alg: 'ES384', kid: 'rogue' }),
    );
    try {
      const provider = new BackendServicesTokenProvider({
        sources: [source('dcr', DCR, 'backend-key:rogue')],
        loadPrivateKey: keystoreKeyLoader(store),
        now: clock.now,
      });
      const error = await provider.getToken('dcr').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendAuthError);
      expect((error as Error).message).toMatch(/DCR refused the viewer's sign-in \(invalid_client\)/);
    } finally {
      await store.delete('backend-key:rogue');
    }
  });

  it('reports a missing key clearly without contacting the server', async () => {
    const { fetch, calls } = recordingFetch();
    const provider = new BackendServicesTokenProvider({
      sources: [source('dcr', DCR, 'backend-key:missing')],
      loadPrivateKey: keystoreKeyLoader(store),
      fetch,
    });
    await expect(provider.getToken('dcr')).rejects.toThrow(
      /signing key is not available \(No private key is stored/,
    );
    expect(calls).toEqual([]);
  });

  it('the sandbox rejects a replayed client assertion and an unregistered audience', async () => {
    const { fetch: spy, calls } = recordingFetch();
    let captured = '';
    const capture: typeof spy = (input, init) => {
      if (typeof init?.body === 'string') captured = init.body;
      return spy(input, init);
    };
    const provider = new BackendServicesTokenProvider({
      sources: [source('dcr', DCR)],
      loadPrivateKey: keystoreKeyLoader(store),
      now: clock.now,
      fetch: capture,
    });
    await provider.getToken('dcr');
    expect(calls.length).toBe(1);
    const replay = await fetch(epr.tokenEndpoint, { method: 'POST', body: new URLSearchParams(captured) });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error_description: string }).error_description).toMatch(/replayed/);

    const unknownAudience = new BackendServicesTokenProvider({
      sources: [source('elsewhere', 'http://127.0.0.1:3/other/fhir')],
      loadPrivateKey: keystoreKeyLoader(store),
      now: clock.now,
    });
    await expect(unknownAudience.getToken('elsewhere')).rejects.toThrow(/invalid_target/);
  });
});

describe('Backend Services against the full sandbox', () => {
  it('opens the Dorset Care Record with a token from the sandbox EPR; without one it is refused', async () => {
    const { startSandbox } = await import('../../sandbox');
    const sandbox = await startSandbox();
    try {
      const epr = sandbox.epr as SandboxEpr;
      const dcr: RegionalSource = {
        id: 'dcr',
        name: 'Dorset Care Record',
        fhirBase: sandbox.urls.dcr,
        auth: {
          type: 'backend-services',
          tokenUrl: epr.tokenEndpoint,
          clientId: epr.backendClient.clientId,
          keyReference: 'sandbox-backend-key',
          scope: 'system/*.rs',
        },
      };
      // The sandbox composition hands the app its private key in-process (never over HTTP).
      const provider = new BackendServicesTokenProvider({
        sources: [dcr],
        loadPrivateKey: async () => epr.backendClient.privateJwk,
      });
      const nhs = sandbox.patient('cross-border').nhsNumber;
      const query = `${sandbox.urls.dcr}/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|${nhs}`;
      const anonymous = await fetch(query);
      expect(anonymous.status).toBe(401);
      // The source's own client carries its token, to its own origin only.
      const client = new SourceClient({
        name: dcr.name,
        baseUrl: dcr.fhirBase,
        token: tokenFromProvider(provider, 'dcr'),
      });
      try {
        const bundle = (await client.getJson(query)) as { entry?: unknown[] };
        expect(bundle.entry?.length).toBe(1);
        await expect(client.getJson(`${sandbox.urls.chie}/Patient`)).rejects.toMatchObject({
          kind: 'other-origin',
        });
        expect(sandbox.servers.chie.requests.filter((r) => r.authorization)).toEqual([]);
      } finally {
        await client.close();
      }
    } finally {
      await sandbox.close();
    }
  });
});
