// Each protection of the launch, against the sandbox EPR over real loopback HTTP. Every test here fails if
// the protection it names is removed.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSandboxEpr, type SandboxEpr } from '../../sandbox/epr';
import { s256Challenge } from '../../sandbox/auth/pkce';
import { LaunchError, parseLaunchUri, SmartLaunchService, type FetchLike } from '../../main/services/launch';
import { followAuthorizationRedirects } from '../../main/services/launch/headless-authorizer';
import { buildAuthorizationRequest } from '../../main/services/launch/fhirclient-bridge';
import {
  manualClock,
  recordingFetch,
  removeRefreshTokens,
  testPatients,
  testSecretStore,
} from './launch-fixtures';

let epr: SandboxEpr;
let evil: SandboxEpr;
const { store, service: keystoreService } = testSecretStore();
const clock = manualClock();

beforeAll(async () => {
  epr = await startSandboxEpr({ patients: testPatients(), now: clock.now });
  evil = await startSandboxEpr({ patients: testPatients() });
});
afterAll(async () => {
  await removeRefreshTokens(keystoreService, epr.fhirBase);
  await Promise.all([epr.close(), evil.close()]);
});
afterEach(() => {
  Object.assign(epr.behaviour, { advertiseS256: true, authorizeError: undefined });
});

function service(fetchImpl: FetchLike = fetch, openExternal = vi.fn(async (_url: string) => undefined)) {
  return {
    openExternal,
    service: new SmartLaunchService({
      allowedIssuers: [],
      sandboxIssuers: [epr.fhirBase],
      clientId: 'wessex-care-record',
      offlineAccess: () => true,
      secretStore: store,
      openExternal,
      fetch: fetchImpl,
      now: clock.now,
    }),
  };
}

/** Begins a real launch and returns the callback URL the browser would hand back. */
async function callbackFor(s: SmartLaunchService): Promise<string> {
  const { authorizeUrl } = await s.beginEhrLaunch(
    parseLaunchUri(epr.createEhrLaunch({ patientKey: 'cross-border' })),
  );
  return followAuthorizationRedirects(authorizeUrl, fetch);
}

const tokenRequests = () => epr.requestLog.filter((r) => r.path === '/auth/token').length;

async function expectLaunchError(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LaunchError);
  expect((error as LaunchError).code).toBe(code);
  expect((error as LaunchError).message).toMatch(message);
}

describe('iss allow-list', () => {
  it('refuses an unknown iss by name and makes zero requests', async () => {
    const { fetch: spy, calls } = recordingFetch();
    const { service: s, openExternal } = service(spy);
    const before = { evil: evil.requestLog.length, epr: epr.requestLog.length };
    const launch = parseLaunchUri(evil.createEhrLaunch({ patientKey: 'cross-border' }));

    await expectLaunchError(
      s.beginEhrLaunch(launch),
      'issuer-not-allowed',
      new RegExp(evil.fhirBase.replace(/[.]/g, '\\.')),
    );
    expect(evil.requestLog.length).toBe(before.evil);
    expect(epr.requestLog.length).toBe(before.epr);
    expect(calls).toEqual([]);
    expect(openExternal).not.toHaveBeenCalled();
  });

  it('does not accept a look-alike of an allowed iss (other port, path prefix, credentials)', async () => {
    const { service: s } = service();
    const allowed = new URL(epr.fhirBase);
    for (const iss of [
      `${allowed.origin}/fhir-evil`,
      `http://localhost:${allowed.port}/fhir`,
      `${evil.fhirBase}`,
    ]) {
      await expectLaunchError(
        s.beginEhrLaunch({ iss, launch: 'x' }),
        'issuer-not-allowed',
        /not an EPR server/,
      );
    }
  });
});

describe('extra authorize parameters', () => {
  it('add to the request and never replace its scope, state, PKCE or audience', async () => {
    const { url } = await buildAuthorizationRequest({
      iss: epr.fhirBase,
      clientId: 'wessex-care-record',
      scope: 'openid fhirUser patient/*.rs',
      redirectUri: 'wessex://callback',
      state: 'our-state',
      extra: {
        user: 'gp',
        scope: 'openid fhirUser system/*.*',
        state: 'their-state',
        code_challenge_method: 'plain',
        aud: 'https://elsewhere.example/fhir',
      },
    });
    const sent = new URL(url).searchParams;
    expect(sent.get('user')).toBe('gp');
    expect(sent.get('scope')).toBe('openid fhirUser patient/*.rs');
    expect(sent.get('state')).toBe('our-state');
    expect(sent.get('code_challenge_method')).toBe('S256');
    expect(sent.get('aud')).toBe(epr.fhirBase);
  });
});

describe('state', () => {
  it('rejects a callback without state, even while a launch is pending', async () => {
    const { service: s } = service();
    const callback = new URL(await callbackFor(s));
    const before = tokenRequests();
    callback.searchParams.delete('state');
    await expectLaunchError(s.completeAuthorization(callback.toString()), 'state-missing', /no state/);
    expect(tokenRequests()).toBe(before);
  });

  it('rejects a callback with a state this viewer never issued', async () => {
    const { service: s } = service();
    const callback = new URL(await callbackFor(s));
    callback.searchParams.set('state', 'A'.repeat(43));
    await expectLaunchError(
      s.completeAuthorization(callback.toString()),
      'state-unknown',
      /does not match any launch/,
    );
  });

  it('rejects a replayed callback', async () => {
    const { service: s } = service();
    const callback = await callbackFor(s);
    const first = await s.completeAuthorization(callback);
    expect(first.patient?.name).toBe('Margaret Ashdown');
    const before = tokenRequests();
    await expectLaunchError(s.completeAuthorization(callback), 'state-unknown', /already been used/);
    expect(tokenRequests()).toBe(before);
  });

  it('rejects a callback after the state expired (10 minutes)', async () => {
    const { service: s } = service();
    const callback = await callbackFor(s);
    clock.advance(10 * 60 * 1000 + 1);
    const before = tokenRequests();
    await expectLaunchError(s.completeAuthorization(callback), 'state-expired', /expired/);
    expect(tokenRequests()).toBe(before);
  });

  it('binds state to the launch: a state from one service instance is unknown to another', async () => {
    const { service: a } = service();
    const { service: b } = service();
    const callback = await callbackFor(a);
    await expectLaunchError(b.completeAuthorization(callback), 'state-unknown', /does not match/);
  });
});

describe('authorization server answers', () => {
  it('reports an error in the callback clearly and exchanges nothing', async () => {
    epr.behaviour.authorizeError = 'access_denied';
    const { service: s } = service();
    const callback = await callbackFor(s);
    const before = tokenRequests();
    await expectLaunchError(
      s.completeAuthorization(callback),
      'callback-error',
      /did not authorise.*access_denied/,
    );
    expect(tokenRequests()).toBe(before);
  });

  it('strips control characters from a hostile error_description', async () => {
    const { service: s } = service();
    const callback = new URL(await callbackFor(s));
    callback.searchParams.delete('code');
    callback.searchParams.set('error', 'access_denied');
    callback.searchParams.set('error_description', 'bad\u001b[31m\nthing<script>');
    const error = (await s.completeAuthorization(callback.toString()).catch((e: unknown) => e)) as Error;
    expect([...error.message].filter((c) => c.charCodeAt(0) < 0x20)).toEqual([]);
    expect(error.message).toContain('access_denied');
  });

  it('refuses a server that does not advertise PKCE S256, before opening the browser', async () => {
    epr.behaviour.advertiseS256 = false;
    const { service: s, openExternal } = service();
    const before = epr.requestLog.filter((r) => r.path === '/auth/authorize').length;
    await expectLaunchError(
      s.beginEhrLaunch(parseLaunchUri(epr.createEhrLaunch({ patientKey: 'cross-border' }))),
      'pkce-unsupported',
      /does not support PKCE \(S256\)/,
    );
    expect(openExternal).not.toHaveBeenCalled();
    expect(epr.requestLog.filter((r) => r.path === '/auth/authorize').length).toBe(before);
  });

  it('reports clearly when the server rejects the PKCE verifier', async () => {
    // Simulate a code presented with the wrong verifier (as an attacker holding a stolen code would).
    const tampering: FetchLike = (input, init) => {
      if (input.endsWith('/auth/token') && typeof init?.body === 'string') {
        const body = new URLSearchParams(init.body);
        body.set('code_verifier', 'W'.repeat(64));
        return fetch(input, { ...init, body: body.toString() });
      }
      return fetch(input, init);
    };
    const { service: s } = service(tampering);
    const callback = await callbackFor(s);
    await expectLaunchError(
      s.completeAuthorization(callback),
      'token-exchange-failed',
      /refused to complete the sign-in \(invalid_grant: PKCE verification failed/,
    );
  });

  it('the sandbox refuses plain PKCE and a missing challenge', async () => {
    const authorize = new URL(`${new URL(epr.fhirBase).origin}/auth/authorize`);
    const base = {
      response_type: 'code',
      client_id: 'wessex-care-record',
      redirect_uri: 'uk.nhs.wessexcarerecords://callback',
      scope: 'openid fhirUser patient/*.rs',
      state: 's',
      aud: epr.fhirBase,
    };
    const variants: Record<string, string>[] = [
      { code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' },
      {},
    ];
    for (const extra of variants) {
      authorize.search = new URLSearchParams({ ...base, ...extra }).toString();
      const response = await fetch(authorize, { redirect: 'manual' });
      expect(new URL(response.headers.get('location') ?? '').searchParams.get('error')).toBe(
        'invalid_request',
      );
    }
    // …and a correct verifier is accepted (so the rejection above is about PKCE, not the request).
    const verifier = 'v'.repeat(50);
    authorize.search = new URLSearchParams({
      ...base,
      code_challenge: s256Challenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const ok = await fetch(authorize, { redirect: 'manual' });
    const code = new URL(ok.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const token = await fetch(epr.tokenEndpoint, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        client_id: 'wessex-care-record',
        redirect_uri: base.redirect_uri,
        code_verifier: verifier,
      }),
    });
    expect(token.status).toBe(200);
  });
});
