// The lock that locks and the life of a sign-in's tokens, against the real sandbox EPR over loopback and the
// real OS keystore (keytar under the test keyring): unlocking needs a fresh interactive sign-in by the same
// user; refresh tokens are asked for only where the policy allows, renew on a non-rotating server, are
// revoked and deleted at sign-out and close, and never outlive a failed launch; each sign-in's is its own, so
// another launch at the same EPR (failed, cancelled, without offline access, another clinician) leaves a
// signed-in clinician's renewing; the code goes only to the validated token endpoint, and a mixed-up
// authorization response (RFC 9207 iss) is refused.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SessionInfo } from '../../preload/contract';
import { startSandboxEpr, type SandboxEpr } from '../../sandbox/epr';
import {
  launchHeadless,
  LaunchError,
  LiveSignIns,
  offlineAccessWanted,
  parseLaunchUri,
  SmartLaunchService,
  type FetchLike,
  type LaunchResult,
  type SmartLaunchOptions,
} from '../../main/services/launch';
import { followAuthorizationRedirects } from '../../main/services/launch/headless-authorizer';
import { loadMachinePolicy, type EffectivePolicy } from '../../main/services/policy';
import { ManualLockClock } from '../support/manual-lock-clock';
import { startTestApp, type TestApp } from '../support/app';
import {
  manualClock,
  refreshTokensIn,
  removeRefreshTokens,
  testPatients,
  testSecretStore,
} from './launch-fixtures';

const { store, service } = testSecretStore();

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

/** Uses a refresh token at the token endpoint: the server's error, or undefined when it renewed the sign-in. */
async function refreshAt(tokenEndpoint: string, refreshToken: string): Promise<string | undefined> {
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: 'wessex-care-record',
    }),
  });
  return ((await response.json()) as { error?: string }).error;
}

/** A launch that fails at one step: the requests `broken` picks get `body` (or a 500), the rest go through. */
function failingAt(broken: (url: string) => boolean, body?: unknown): FetchLike {
  return (url, init) => {
    if (!broken(url)) return fetch(url, init);
    return Promise.resolve(
      body
        ? Response.json(body)
        : new Response('{}', { status: 500, headers: { 'content-type': 'application/json' } }),
    );
  };
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
    await removeRefreshTokens(service, epr.fhirBase);
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
  /** Each test's launches are one viewer's (one app), so each knows the others' sign-ins. */
  let signIns: LiveSignIns;
  const options = (extra: Partial<SmartLaunchOptions> = {}): Omit<SmartLaunchOptions, 'openExternal'> => ({
    allowedIssuers: [],
    sandboxIssuers: [epr.fhirBase],
    clientId: 'wessex-care-record',
    secretStore: store,
    now: appClock.now,
    offlineAccess: () => true,
    signIns,
    ...extra,
  });
  /** A launch from the EPR by this sandbox user (gp, nurse, …) with the cross-border patient in context. */
  const launchAs = (user: string, extra: Partial<SmartLaunchOptions> = {}) =>
    launchHeadless(options(extra), (s) =>
      s.beginEhrLaunch(parseLaunchUri(epr.createEhrLaunch({ patientKey: 'cross-border', userId: user }))),
    );
  const launch = (extra: Partial<SmartLaunchOptions> = {}) => launchAs('gp', extra);
  const refreshTokens = () => refreshTokensIn(service, epr.fhirBase);
  const revoked = () => epr.revocations.map((r) => r.token);
  /** The access tokens (5 minutes) run out: the next read must renew the sign-in with its refresh token. */
  const readAfterExpiry = async (signedIn: LaunchResult): Promise<number> => {
    serverClock.advance(10 * 60_000);
    appClock.advance(10 * 60_000);
    return (await signedIn.session.fetch(`${epr.fhirBase}/Patient/epr-cross-border`)).status;
  };

  beforeAll(async () => {
    epr = await startSandboxEpr({
      patients: testPatients(),
      now: serverClock.now,
      behaviour: { accessTokenLifetimeSeconds: 300 },
    });
  });
  beforeEach(() => {
    signIns = new LiveSignIns();
  });
  afterEach(async () => {
    epr.behaviour.rotateRefreshTokens = true;
    await removeRefreshTokens(service, epr.fhirBase);
  });
  afterAll(async () => {
    await epr.close();
  });

  it('renews twice on a server that does not rotate refresh tokens, keeping the one it has', async () => {
    epr.behaviour.rotateRefreshTokens = false;
    const result = await launch();
    const refreshToken = await store.get(result.session.keystoreAccount);
    expect(refreshToken).toBeTruthy();
    for (const round of [1, 2]) {
      const before = await result.session.getAccessToken();
      serverClock.advance(10 * 60_000);
      appClock.advance(10 * 60_000);
      const response = await result.session.fetch(`${epr.fhirBase}/Patient/epr-cross-border`);
      expect(response.status, `renewal ${round}`).toBe(200);
      expect(await result.session.getAccessToken()).not.toBe(before);
      expect(await store.get(result.session.keystoreAccount)).toBe(refreshToken);
    }
    await result.session.end();
  });

  it('at sign-out revokes the refresh token at the server and deletes it from the keystore', async () => {
    const result = await launch();
    const refreshToken = (await store.get(result.session.keystoreAccount)) as string;
    expect(refreshToken).toBeTruthy();
    await result.session.end();
    expect(await refreshTokens()).toEqual([]);
    expect(epr.revocations.at(-1)).toEqual({ token: refreshToken, hint: 'refresh_token' });
    expect(await refreshAt(epr.tokenEndpoint, refreshToken)).toBe('invalid_grant');
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
    expect(await refreshTokens()).toEqual([]);
    await result.session.end();

    // The same sign-in as a paramedic, whose role may work offline, does ask for it.
    const paramedic = await launchHeadless(options({ offlineAccess }), (s) =>
      s.beginStandaloneLaunch({ user: 'paramedic' }, 'paramedic'),
    );
    expect(paramedic.grantedScopes).toContain('offline_access');
    await paramedic.session.end();
  });

  /**
   * Launches that fail once their tokens have arrived, and whether what they stored is still revoked while
   * another clinician is signed in at that EPR: not when who signed in was never verified (it may have been that
   * clinician, whose server session revoking it would end).
   */
  const failures: [string, () => FetchLike, boolean][] = [
    ['the id_token is refused', () => failingAt((url) => url.endsWith('/auth/jwks'), { keys: [] }), false],
    ['the patient read fails', () => failingAt((url) => url.includes('/fhir/Patient/')), true],
  ];

  it.each(failures)('leaves no refresh token in the keystore when %s', async (_what, failing) => {
    const before = epr.revocations.length;
    await expect(launch({ fetch: failing() })).rejects.toBeInstanceOf(LaunchError);
    expect(await refreshTokens()).toEqual([]);
    // …and what it had stored was revoked, not just forgotten.
    expect(epr.revocations.length).toBe(before + 1);
  });

  it.each<[string, () => Promise<LaunchResult | undefined>]>([
    ...failures.map(([what, failing, revokedBeside]): [string, () => Promise<undefined>] => [
      `fails (${what})`,
      async () => {
        const before = epr.revocations.length;
        await expect(launchAs('nurse', { fetch: failing() })).rejects.toBeInstanceOf(LaunchError);
        expect(epr.revocations.length).toBe(before + (revokedBeside ? 1 : 0));
        return undefined;
      },
    ]),
    [
      'is cancelled at the sign-in page',
      async () => {
        const opened: string[] = [];
        const launcher = new SmartLaunchService({
          ...options(),
          openExternal: async (url) => void opened.push(url),
        });
        await launcher.beginStandaloneLaunch(undefined, undefined, { fresh: true });
        const callback = await signInOnPage(opened[0] as string, 'nurse', 'cancel');
        await expect(launcher.completeAuthorization(callback)).rejects.toThrow(/did not authorise/);
        return undefined;
      },
    ],
    ['signs in without offline access', () => launchAs('nurse', { offlineAccess: () => false })],
  ])(
    "after a clinician signed in with offline access, another launch at the same EPR that %s leaves the first clinician's sign-in renewing",
    async (_what, secondLaunch) => {
      const gp = await launchAs('gp');
      const [gpRefreshToken] = await refreshTokens();
      expect(gpRefreshToken).toBeTruthy();

      const nurse = await secondLaunch();

      expect(await refreshTokens()).toEqual([gpRefreshToken]);
      expect(revoked()).not.toContain(gpRefreshToken);
      expect(await readAfterExpiry(gp)).toBe(200);
      await nurse?.session.end();
      await gp.session.end();
    },
  );

  it('two clinicians signed in at one EPR (a shared laptop, the app and a command-line launch): ending one removes and revokes only its own refresh token, and the other keeps renewing', async () => {
    const gp = await launchAs('gp');
    const [gpRefreshToken] = await refreshTokens();
    const nurse = await launchAs('nurse');
    const both = await refreshTokens();
    expect(both).toHaveLength(2);
    const nurseRefreshToken = both.find((token) => token !== gpRefreshToken);
    expect(both).toContain(gpRefreshToken);

    await gp.session.end();

    expect(await refreshTokens()).toEqual([nurseRefreshToken]);
    expect(revoked()).toContain(gpRefreshToken);
    expect(revoked()).not.toContain(nurseRefreshToken);
    expect(await readAfterExpiry(nurse)).toBe(200);
    await expect(gp.session.getAccessToken()).rejects.toThrow();
    await nurse.session.end();
    expect(await refreshTokens()).toEqual([]);
  });

  it('the same clinician launched twice: the second launch failing leaves the first renewing', async () => {
    const first = await launchAs('gp');
    const [firstRefreshToken] = await refreshTokens();
    const [, failing] = failures[1]!;
    await expect(launchAs('gp', { fetch: failing() })).rejects.toBeInstanceOf(LaunchError);
    expect(await refreshTokens()).toEqual([firstRefreshToken]);
    expect(await readAfterExpiry(first)).toBe(200);
    await first.session.end();
  });
});

describe('the keystore after sign-out, close, a refused role and another sign-in (the app)', () => {
  /** GPs and nurses may work offline; anyone else's launch is refused by the policy. */
  async function appWithOfflineGpsAndNurses() {
    const keystore = testSecretStore();
    const app = await startTestApp({
      policy: await policyWith({
        roleMapping: { 'general-practitioner': 'everything', nurse: 'everything' },
        offlineAccessRoles: ['general-practitioner', 'nurse'],
      }),
      secretStore: keystore.store,
    });
    const epr = app.services.sandbox!.epr!;
    return {
      app,
      epr,
      refreshTokens: () => refreshTokensIn(keystore.service, epr.fhirBase),
      revoked: () => epr.revocations.map((r) => r.token),
    };
  }

  it('removes and revokes the refresh token at sign-out and at close', async () => {
    const keystore = testSecretStore();
    const app = await startTestApp({
      policy: await policyWith({
        offlineAccessRoles: ['paramedic', 'general-practitioner', 'nurse', 'admin-staff'],
      }),
      secretStore: keystore.store,
    });
    let closed = false;
    try {
      const epr = app.services.sandbox!.epr!;
      const refreshTokens = () => refreshTokensIn(keystore.service, epr.fhirBase);
      await app.services.openSandboxSession({ role: 'general-practitioner' });
      const [first] = await refreshTokens();
      expect(first).toBeTruthy();
      await app.services.handlers['session:sign-out']({}, {});
      expect(await refreshTokens()).toEqual([]);
      expect(epr.revocations.map((r) => r.token)).toContain(first);

      await app.services.openSandboxSession({ role: 'general-practitioner' });
      const [second] = await refreshTokens();
      expect(second).toBeTruthy();
      await app.close();
      closed = true;
      expect(await refreshTokens()).toEqual([]);
      expect(epr.revocations.map((r) => r.token)).toContain(second);
    } finally {
      if (!closed) await app.close();
    }
  }, 60_000);

  it('leaves nothing in the keystore when the policy refuses the role', async () => {
    const { app, epr, refreshTokens } = await appWithOfflineGpsAndNurses();
    try {
      await expect(app.services.openSandboxSession({ role: 'admin-staff' })).rejects.toThrow();
      expect(app.services.session()).toBeUndefined();
      expect(await refreshTokens()).toEqual([]);
      expect(epr.revocations).toHaveLength(1);
    } finally {
      await app.close();
    }
  }, 60_000);

  it('a launch the policy refuses leaves the signed-in clinician signed in, with their refresh token kept and still accepted by the EPR', async () => {
    const { app, epr, refreshTokens, revoked } = await appWithOfflineGpsAndNurses();
    try {
      const gp = await app.services.openSandboxSession({ role: 'general-practitioner' });
      const [gpRefreshToken] = await refreshTokens();
      expect(gpRefreshToken).toBeTruthy();

      await expect(app.services.openSandboxSession({ role: 'admin-staff' })).rejects.toThrow();

      expect(app.services.session()?.id).toBe(gp.id);
      expect(await refreshTokens()).toEqual([gpRefreshToken]);
      expect(revoked()).not.toContain(gpRefreshToken);
      expect(await refreshAt(epr.tokenEndpoint, gpRefreshToken as string)).toBeUndefined();
    } finally {
      await app.close();
    }
  }, 60_000);

  it('the same clinician launched again (the next patient from the EPR): the first sign-in’s refresh token is removed but not revoked, as it would end the server session the new one shares', async () => {
    const { app, epr, refreshTokens, revoked } = await appWithOfflineGpsAndNurses();
    try {
      await app.services.openSandboxSession({ role: 'general-practitioner' });
      const [first] = await refreshTokens();
      expect(first).toBeTruthy();
      await app.services.openSandboxSession({ role: 'general-practitioner' });
      await expect.poll(refreshTokens).not.toContain(first);
      const [second] = await refreshTokens();
      expect(second).toBeTruthy();
      expect(revoked()).not.toContain(first);
      // The sandbox revokes as Keycloak does (the user's whole session at the client): the new sign-in renews.
      expect(await refreshAt(epr.tokenEndpoint, second as string)).toBeUndefined();
    } finally {
      await app.close();
    }
  }, 60_000);

  it("another clinician signing in on the same laptop signs the first out: the first's refresh token is revoked and removed, the second's kept until they close the viewer", async () => {
    const { app, refreshTokens, revoked } = await appWithOfflineGpsAndNurses();
    let closed = false;
    try {
      const gp = await app.services.openSandboxSession({ role: 'general-practitioner' });
      const [gpRefreshToken] = await refreshTokens();
      expect(gpRefreshToken).toBeTruthy();

      const nurse = await app.services.openSandboxSession({ role: 'nurse' });

      expect(app.services.session()?.id).toBe(nurse.id);
      expect(nurse.id).not.toBe(gp.id);
      await expect.poll(revoked).toContain(gpRefreshToken);
      const left = await refreshTokens();
      expect(left).toHaveLength(1);
      expect(left).not.toContain(gpRefreshToken);
      expect(revoked()).not.toContain(left[0]);

      await app.close();
      closed = true;
      expect(await refreshTokens()).toEqual([]);
      expect(revoked()).toContain(left[0]);
    } finally {
      if (!closed) await app.close();
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
    await removeRefreshTokens(service, epr.fhirBase);
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
