// The lock that locks and the life of a sign-in's tokens, against the real sandbox EPR over loopback and the
// real OS keystore (keytar under the test keyring): unlocking needs a fresh interactive sign-in by the same
// user; refresh tokens are asked for only where the policy allows, renew on a non-rotating server, are
// revoked and deleted at sign-out and close, and never outlive a failed launch; the code goes only to the
// validated token endpoint, and a mixed-up authorization response (RFC 9207 iss) is refused.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../preload/contract';
import { startSandboxEpr, type SandboxEpr } from '../../sandbox/epr';
import {
  launchHeadless,
  LaunchError,
  offlineAccessWanted,
  parseLaunchUri,
  refreshTokenAccount,
  SmartLaunchService,
  type FetchLike,
  type SmartLaunchOptions,
} from '../../main/services/launch';
import { followAuthorizationRedirects } from '../../main/services/launch/headless-authorizer';
import { loadMachinePolicy, type EffectivePolicy } from '../../main/services/policy';
import { ManualLockClock } from '../support/manual-lock-clock';
import { startTestApp, type TestApp } from '../support/app';
import { manualClock, testPatients, testSecretStore } from './launch-fixtures';

const { store } = testSecretStore();

/** Plays the user at the sandbox's sign-in page: reads its form and posts it, as a click on a button would. */
async function signInOnPage(authorizeUrl: string, user: string, button = 'signin'): Promise<string> {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  expect(page.status).toBe(200);
  const html = await page.text();
  const login = /name="login" value="([^"]+)"/.exec(html)?.[1];
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (!login || !action) throw new Error('The sign-in page has no form');
  const posted = await fetch(action.replace(/&#38;/g, '&'), {
    method: 'POST',
    body: new URLSearchParams({ login, user, [button]: '1' }),
    redirect: 'manual',
  });
  expect(posted.status).toBe(302);
  return posted.headers.get('location') as string;
}

async function policyWith(overrides: Partial<EffectivePolicy>) {
  const loaded = await loadMachinePolicy({});
  if (!loaded.ok) throw new Error('no policy');
  return { ...loaded, policy: { ...loaded.policy, ...overrides } };
}

describe('unlocking the viewer', () => {
  const lockClock = new ManualLockClock();
  /** Sign-in pages handed to the "system browser"; the test decides what the user does with them. */
  const opened: string[] = [];
  let app: TestApp;
  let idleMs: number;

  beforeAll(async () => {
    app = await startTestApp({
      lockClock,
      browser: async (url) => {
        opened.push(url);
      },
    });
    if (!app.services.policy.ok) throw new Error('no policy');
    idleMs = app.services.policy.policy.inactivityLockMinutes * 60_000;
    await app.services.openSandboxSession({ role: 'general-practitioner' });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
  });

  const session = (): SessionInfo => app.services.session() as SessionInfo;
  const unlock = () => app.services.handlers['session:unlock']({}, {});
  const lock = () => {
    lockClock.advance(idleMs + 1_000);
    expect(session().locked).toBe(true);
  };

  it('while locked, the session carries no patient to the screen', () => {
    expect(session().patientNhsNumber).toBeTruthy();
    lock();
    expect(session().patientNhsNumber).toBeUndefined();
    expect(session().patientReasons).toEqual([]);
  });

  it('never unlocks without a fresh interactive sign-in: a browser that follows redirects gets a sign-in page', async () => {
    const before = opened.length;
    const waiting = await unlock();
    expect(waiting.locked).toBe(true);
    expect(waiting.unlock).toEqual({ waiting: true });
    expect(opened).toHaveLength(before + 1);
    const request = new URL(opened.at(-1) as string);
    expect(request.searchParams.get('prompt')).toBe('login');
    expect(request.searchParams.get('max_age')).toBe('0');
    const headless = await followAuthorizationRedirects(request.href, fetch).catch((e: unknown) => e);
    expect(headless).toBeInstanceOf(LaunchError);
    expect((headless as LaunchError).code).toBe('interactive-login-required');
    expect(session().locked).toBe(true);
    await expect(
      app.services.handlers['record:open'](
        { nhsNumber: app.services.sandbox!.patient('cross-border').nhsNumber, requestId: 'while-locked' },
        {},
      ),
    ).rejects.toMatchObject({ code: 'locked' });
  });

  it('stays locked when someone else signs in, and says so', async () => {
    await unlock();
    const callback = await signInOnPage(opened.at(-1) as string, 'nurse');
    await app.services.handleLaunchArgs([callback]);
    expect(session().locked).toBe(true);
    expect(session().unlock?.problem).toMatch(/Someone other than the locked user signed in/);
    expect(session().user.display).toMatch(/Amelia Hart/);
  });

  it('stays locked when the sign-in is cancelled', async () => {
    await unlock();
    const callback = await signInOnPage(opened.at(-1) as string, 'gp', 'cancel');
    await app.services.handleLaunchArgs([callback]);
    expect(session().locked).toBe(true);
    expect(session().unlock?.problem).toMatch(/cancelled, so the viewer is still locked/);
  });

  it('unlocks when the same user signs in again, and the patient comes back', async () => {
    await unlock();
    const callback = await signInOnPage(opened.at(-1) as string, 'gp');
    await app.services.handleLaunchArgs([callback]);
    expect(session().locked).toBe(false);
    expect(session().unlock).toBeUndefined();
    expect(session().patientNhsNumber).toBe(app.services.sandbox!.patient('cross-border').nhsNumber);
  });

  it('after a lock, "Sign out" then "Sign in" still needs the password: single sign-on does not reopen it', async () => {
    lock();
    await app.services.handlers['session:sign-out']({}, {});
    const asked = opened.length;
    await app.services.handlers['session:sign-in']({}, {});
    await expect.poll(() => opened.length).toBe(asked + 1);
    const authorizeUrl = opened.at(-1) as string;
    expect(new URL(authorizeUrl).searchParams.get('prompt')).toBe('login');
    await expect(followAuthorizationRedirects(authorizeUrl, fetch)).rejects.toMatchObject({
      code: 'interactive-login-required',
    });
    expect(app.services.session()).toBeUndefined();

    await app.services.handleLaunchArgs([await signInOnPage(authorizeUrl, 'gp')]);
    expect(session().locked).toBe(false);
  });
});

describe('the unlock sign-in at the launch service', () => {
  const serverClock = manualClock();
  const appClock = manualClock(serverClock.now());
  let epr: SandboxEpr;
  beforeAll(async () => {
    epr = await startSandboxEpr({ patients: testPatients(), now: serverClock.now });
  });
  afterAll(async () => {
    await store.delete(refreshTokenAccount(epr.fhirBase));
    await epr.close();
  });

  /** The GP launched from the EPR; `opened` holds the pages handed to the system browser. */
  async function launchedAsGp() {
    const opened: string[] = [];
    const service = new SmartLaunchService({
      allowedIssuers: [],
      sandboxIssuers: [epr.fhirBase],
      clientId: 'wessex-care-record',
      secretStore: store,
      now: appClock.now,
      openExternal: async (url) => void opened.push(url),
    });
    await service.beginEhrLaunch(
      parseLaunchUri(epr.createEhrLaunch({ patientKey: 'cross-border', userId: 'gp' })),
    );
    const launched = await service.completeAuthorization(
      await followAuthorizationRedirects(opened[0] as string, fetch),
    );
    return { service, launched, opened };
  }

  it('refuses an id_token whose sign-in is older than the unlock (a server that ignores prompt=login)', async () => {
    const { service, launched, opened } = await launchedAsGp();
    serverClock.advance(20 * 60_000);
    appClock.advance(20 * 60_000);

    epr.behaviour.ignoreLoginPrompt = true;
    try {
      await service.beginReauthentication(epr.fhirBase);
      // The browser's single sign-on session is the GP's (the sandbox takes it from its `user` hint).
      const sso = new URL(opened[1] as string);
      sso.searchParams.set('user', 'gp');
      const callback = await followAuthorizationRedirects(sso.href, fetch);
      const expected = { subject: launched.idToken!.sub!, issuer: launched.idToken!.iss! };
      await expect(service.completeReauthentication(callback, expected)).rejects.toThrow(
        /did not ask for your password again/,
      );
    } finally {
      epr.behaviour.ignoreLoginPrompt = false;
    }
    await launched.session.end();
  });

  it("after a lock longer than the sign-in lasts, the unlock's own sign-in is what the regional sources see", async () => {
    const { service, launched, opened } = await launchedAsGp();
    const first = launched.session.idToken()!;
    serverClock.advance(3 * 60 * 60_000);
    appClock.advance(3 * 60 * 60_000);
    expect(first.expiresAt).toBeLessThan(appClock.now()); // the launch's sign-in has run out

    await service.beginReauthentication(epr.fhirBase);
    const callback = await signInOnPage(opened[1] as string, 'gp');
    const fresh = await service.completeReauthentication(callback, {
      subject: launched.idToken!.sub!,
      issuer: launched.idToken!.iss!,
    });
    launched.session.keepIdToken(fresh.idToken, fresh.claims.exp!);
    expect(launched.session.idToken()!.token).not.toBe(first.token);
    expect(launched.session.idToken()!.expiresAt).toBeGreaterThan(appClock.now());
    await launched.session.end();
  });
});

describe('refresh tokens', () => {
  const serverClock = manualClock();
  const appClock = manualClock(serverClock.now());
  let epr: SandboxEpr;
  const account = () => refreshTokenAccount(epr.fhirBase);
  const options = (extra: Partial<SmartLaunchOptions> = {}): Omit<SmartLaunchOptions, 'openExternal'> => ({
    allowedIssuers: [],
    sandboxIssuers: [epr.fhirBase],
    clientId: 'wessex-care-record',
    secretStore: store,
    now: appClock.now,
    offlineAccess: () => true,
    ...extra,
  });
  const launch = (extra: Partial<SmartLaunchOptions> = {}) =>
    launchHeadless(options(extra), (s) =>
      s.beginEhrLaunch(parseLaunchUri(epr.createEhrLaunch({ patientKey: 'cross-border', userId: 'gp' }))),
    );
  const refreshWith = async (refreshToken: string): Promise<string | undefined> => {
    const response = await fetch(epr.tokenEndpoint, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: 'wessex-care-record',
      }),
    });
    return ((await response.json()) as { error?: string }).error;
  };

  beforeAll(async () => {
    epr = await startSandboxEpr({
      patients: testPatients(),
      now: serverClock.now,
      behaviour: { accessTokenLifetimeSeconds: 300 },
    });
  });
  afterEach(async () => {
    epr.behaviour.rotateRefreshTokens = true;
    await store.delete(account());
  });
  afterAll(async () => {
    await epr.close();
  });

  it('renews twice on a server that does not rotate refresh tokens, keeping the one it has', async () => {
    epr.behaviour.rotateRefreshTokens = false;
    const result = await launch();
    const refreshToken = await store.get(account());
    expect(refreshToken).toBeTruthy();
    for (const round of [1, 2]) {
      const before = await result.session.getAccessToken();
      serverClock.advance(10 * 60_000);
      appClock.advance(10 * 60_000);
      const response = await result.session.fetch(`${epr.fhirBase}/Patient/epr-cross-border`);
      expect(response.status, `renewal ${round}`).toBe(200);
      expect(await result.session.getAccessToken()).not.toBe(before);
      expect(await store.get(account())).toBe(refreshToken);
    }
    await result.session.end();
  });

  it('at sign-out revokes the refresh token at the server and deletes it from the keystore', async () => {
    const result = await launch();
    const refreshToken = (await store.get(account())) as string;
    expect(refreshToken).toBeTruthy();
    await result.session.end();
    expect(await store.get(account())).toBeNull();
    expect(epr.revocations.at(-1)).toEqual({ token: refreshToken, hint: 'refresh_token' });
    expect(await refreshWith(refreshToken)).toBe('invalid_grant');
  });

  it('asks for no offline_access for a role without offline use, and keeps no refresh token', async () => {
    const mapped = ['paramedic', 'general-practitioner', 'nurse', 'admin-staff'];
    const offlineAccess: SmartLaunchOptions['offlineAccess'] = ({ role }) =>
      offlineAccessWanted(['paramedic'], mapped, role);
    let authorizeUrl = '';
    const result = await launchHeadless(options({ offlineAccess }), async (s) => {
      authorizeUrl = (await s.beginStandaloneLaunch({ user: 'admin' }, 'admin-staff')).authorizeUrl;
    });
    expect(new URL(authorizeUrl).searchParams.get('scope')?.split(' ')).not.toContain('offline_access');
    expect(result.grantedScopes).not.toContain('offline_access');
    expect(await store.get(account())).toBeNull();
    await result.session.end();

    // The same sign-in as a paramedic, whose role may work offline, does ask for it.
    const paramedic = await launchHeadless(options({ offlineAccess }), (s) =>
      s.beginStandaloneLaunch({ user: 'paramedic' }, 'paramedic'),
    );
    expect(paramedic.grantedScopes).toContain('offline_access');
    await paramedic.session.end();
  });

  it.each([
    ['the id_token is refused', (url: string) => url.endsWith('/auth/jwks'), { keys: [] }],
    ['the patient read fails', (url: string) => url.includes('/fhir/Patient/'), undefined],
  ])('leaves no refresh token in the keystore when %s', async (_what, broken, body) => {
    const failing: FetchLike = (url, init) => {
      if (!broken(url)) return fetch(url, init);
      return Promise.resolve(
        body
          ? Response.json(body)
          : new Response('{}', { status: 500, headers: { 'content-type': 'application/json' } }),
      );
    };
    const before = epr.revocations.length;
    await expect(launch({ fetch: failing })).rejects.toBeInstanceOf(LaunchError);
    expect(await store.get(account())).toBeNull();
    // …and what it had stored was revoked, not just forgotten.
    expect(epr.revocations.length).toBe(before + 1);
  });
});

describe('the keystore after sign-out, close and a refused role (the app)', () => {
  it('removes and revokes the refresh token at sign-out and at close', async () => {
    const app = await startTestApp({
      policy: await policyWith({
        offlineAccessRoles: ['paramedic', 'general-practitioner', 'nurse', 'admin-staff'],
      }),
    });
    let closed = false;
    try {
      const epr = app.services.sandbox!.epr!;
      const account = refreshTokenAccount(epr.fhirBase);
      await app.services.openSandboxSession({ role: 'general-practitioner' });
      const first = await app.secretStore.get(account);
      expect(first).toBeTruthy();
      await app.services.handlers['session:sign-out']({}, {});
      expect(await app.secretStore.get(account)).toBeNull();
      expect(epr.revocations.map((r) => r.token)).toContain(first);

      await app.services.openSandboxSession({ role: 'general-practitioner' });
      const second = await app.secretStore.get(account);
      expect(second).toBeTruthy();
      await app.close();
      closed = true;
      expect(await app.secretStore.get(account)).toBeNull();
      expect(epr.revocations.map((r) => r.token)).toContain(second);
    } finally {
      if (!closed) await app.close();
    }
  }, 60_000);

  it('leaves nothing in the keystore when the policy refuses the role', async () => {
    const app = await startTestApp({
      policy: await policyWith({
        roleMapping: { 'general-practitioner': 'everything', nurse: 'everything' },
        offlineAccessRoles: ['general-practitioner', 'nurse'],
      }),
    });
    try {
      const epr = app.services.sandbox!.epr!;
      const account = refreshTokenAccount(epr.fhirBase);
      await expect(app.services.openSandboxSession({ role: 'admin-staff' })).rejects.toThrow();
      expect(app.services.session()).toBeUndefined();
      expect(await app.secretStore.get(account)).toBeNull();
      expect(epr.revocations).toHaveLength(1);
    } finally {
      await app.close();
    }
  }, 60_000);
});

describe('the authorization response and the token endpoint (RFC 9207, validated discovery)', () => {
  let epr: SandboxEpr;
  beforeAll(async () => {
    epr = await startSandboxEpr({ patients: testPatients() });
  });
  afterEach(() => {
    delete epr.behaviour.authorizationResponseIss;
  });
  afterAll(async () => {
    await store.delete(refreshTokenAccount(epr.fhirBase));
    await epr.close();
  });
  const launch = () =>
    launchHeadless(
      {
        allowedIssuers: [],
        sandboxIssuers: [epr.fhirBase],
        clientId: 'wessex-care-record',
        secretStore: store,
      },
      (s) => s.beginEhrLaunch(parseLaunchUri(epr.createEhrLaunch({ patientKey: 'cross-border' }))),
    );
  const tokenRequests = () => epr.requestLog.filter((r) => r.path === '/auth/token').length;

  it('refuses a response whose iss is another server, before any code is exchanged', async () => {
    epr.behaviour.authorizationResponseIss = 'https://elsewhere.example/fhir';
    const before = tokenRequests();
    await expect(launch()).rejects.toThrow(/came from a different sign-in server/);
    expect(tokenRequests()).toBe(before);
  });

  it('refuses a response without iss from a server that advertises it', async () => {
    epr.behaviour.authorizationResponseIss = null;
    const before = tokenRequests();
    await expect(launch()).rejects.toThrow(/did not say which server sent it/);
    expect(tokenRequests()).toBe(before);
  });

  it('exchanges the code only at the validated token endpoint, whatever a later discovery read says', async () => {
    const decoy = createServer((req, res) => {
      decoyRequests.push(req.url ?? '');
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":"invalid_grant"}');
    });
    const decoyRequests: string[] = [];
    await new Promise<void>((resolve) => decoy.listen(0, '127.0.0.1', resolve));
    const liar = await startSandboxEpr({
      patients: testPatients(),
      behaviour: {
        laterDiscoveryTokenEndpoint: `http://127.0.0.1:${(decoy.address() as AddressInfo).port}/token`,
      },
    });
    try {
      const result = await launchHeadless(
        {
          allowedIssuers: [],
          sandboxIssuers: [liar.fhirBase],
          clientId: 'wessex-care-record',
          secretStore: store,
        },
        (s) => s.beginEhrLaunch(parseLaunchUri(liar.createEhrLaunch({ patientKey: 'cross-border' }))),
      );
      // fhirclient read the lying copy (a second discovery request), yet the code went to the validated one.
      const discoveries = liar.requestLog.filter((r) => r.path.endsWith('/smart-configuration'));
      expect(discoveries.length).toBeGreaterThanOrEqual(2);
      expect(decoyRequests).toEqual([]);
      expect(result.patient?.nhs.nhsNumber).toBeTruthy();
      await result.session.end();
    } finally {
      await liar.close();
      decoy.close();
    }
  });

  it('accepts the right iss', async () => {
    const result = await launch();
    expect(result.patient?.nhs.nhsNumber).toBeTruthy();
    await result.session.end();
  });
});
