// Tokens after the launch: access token in memory, refresh token only in the real OS keystore (keytar) and
// only with offline_access, refresh before expiry and after a 401 with rotation, relaunch prompt when the
// refresh is refused, and a token never sent to another origin.
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxEpr, type SandboxEpr } from '../../sandbox/epr';
import {
  createAuthorizedFetch,
  launchHeadless,
  parseLaunchUri,
  RelaunchRequiredError,
  TokenOriginError,
  type LaunchResult,
} from '../../main/services/launch';
import { manualClock, removeRefreshTokens, testPatients, testSecretStore } from './launch-fixtures';

const { store, service } = testSecretStore();
const serverClock = manualClock();
const appClock = manualClock(serverClock.now());
let epr: SandboxEpr;
let other: { server: Server; origin: string; seen: { url: string; authorization?: string }[] };

function startRecorder(handler?: (url: string) => { status: number; location?: string }) {
  const seen: { url: string; authorization?: string }[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const answer = handler?.(req.url ?? '') ?? { status: 200 };
    res.writeHead(answer.status, answer.location ? { location: answer.location } : {});
    res.end('{}');
  });
  return new Promise<{ server: Server; origin: string; seen: typeof seen }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }),
    ),
  );
}

beforeAll(async () => {
  epr = await startSandboxEpr({
    patients: testPatients(),
    now: serverClock.now,
    behaviour: { accessTokenLifetimeSeconds: 300 },
  });
  other = await startRecorder();
});
afterAll(async () => {
  await removeRefreshTokens(service, epr.fhirBase);
  await epr.close();
  other.server.close();
});

const launch = (scopesGranted?: string[], offlineAccess = true): Promise<LaunchResult> =>
  launchHeadless(
    {
      allowedIssuers: [],
      sandboxIssuers: [epr.fhirBase],
      clientId: 'wessex-care-record',
      offlineAccess: () => offlineAccess,
      secretStore: store,
      now: appClock.now,
    },
    (s) =>
      s.beginEhrLaunch(parseLaunchUri(epr.createEhrLaunch({ patientKey: 'cross-border', scopesGranted }))),
  );
const advanceBoth = (ms: number) => {
  serverClock.advance(ms);
  appClock.advance(ms);
};
const refreshWith = (refreshToken: string) =>
  fetch(epr.tokenEndpoint, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: 'wessex-care-record',
    }),
  });

describe('refresh', () => {
  it('refreshes an expiring access token before use, rotates the refresh token and retires the old one', async () => {
    const result = await launch();
    const firstAccess = await result.session.getAccessToken();
    const firstRefresh = await store.get(result.session.keystoreAccount);
    expect(firstRefresh).toBeTruthy();

    advanceBoth(10 * 60 * 1000); // the 5-minute access token has expired
    expect(await epr.verifyAccessToken(firstAccess, epr.fhirBase)).toBe(false);
    const response = await result.session.fetch(`${epr.fhirBase}/Patient/epr-cross-border`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { id: string }).id).toBe('epr-cross-border');

    const secondRefresh = await store.get(result.session.keystoreAccount);
    expect(secondRefresh).toBeTruthy();
    expect(secondRefresh).not.toBe(firstRefresh);
    expect(await result.session.getAccessToken()).not.toBe(firstAccess);
    // The old refresh token no longer works (and reusing it ends the family at the server).
    const reuse = await refreshWith(firstRefresh as string);
    expect(reuse.status).toBe(400);
    expect(((await reuse.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('refreshes once and retries after a 401 the client could not foresee', async () => {
    const result = await launch();
    const before = await result.session.getAccessToken();
    serverClock.advance(10 * 60 * 1000); // only the server knows the token expired
    const response = await result.session.fetch(`${epr.fhirBase}/Patient/epr-cross-border`);
    expect(response.status).toBe(200);
    expect(await result.session.getAccessToken()).not.toBe(before);
    appClock.advance(10 * 60 * 1000);
  });

  it('asks the user to relaunch from the EPR when the refresh is refused, and forgets the refresh token', async () => {
    const result = await launch();
    epr.revokeAllRefreshTokens();
    advanceBoth(10 * 60 * 1000);
    const error = await result.session
      .fetch(`${epr.fhirBase}/Patient/epr-cross-border`)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelaunchRequiredError);
    expect((error as Error).message).toMatch(/relaunch the Wessex Care Record from your clinical system/);
    expect(await store.get(result.session.keystoreAccount)).toBeNull();
  });

  it('without offline_access keeps no refresh token and asks for a relaunch when the token expires', async () => {
    const result = await launch(['launch', 'openid', 'fhirUser', 'patient/*.rs']);
    expect(result.ungrantedScopes).toEqual(['offline_access']);
    expect(await store.get(result.session.keystoreAccount)).toBeNull();
    advanceBoth(10 * 60 * 1000);
    await expect(result.session.getAccessToken()).rejects.toBeInstanceOf(RelaunchRequiredError);
  });

  it('keeps no refresh token when policy did not ask for offline_access, even if the server grants it', async () => {
    const result = await launch(['launch', 'openid', 'fhirUser', 'patient/*.rs', 'offline_access'], false);
    expect(await store.get(result.session.keystoreAccount)).toBeNull();
    advanceBoth(10 * 60 * 1000);
    await expect(result.session.getAccessToken()).rejects.toBeInstanceOf(RelaunchRequiredError);
  });
});

describe('token origin', () => {
  it('never sends the token to another origin (a next link or reference to another host)', async () => {
    const result = await launch();
    const eprPort = new URL(epr.fhirBase).port;
    for (const url of [
      `${other.origin}/fhir/Patient?page=2`,
      `http://localhost:${eprPort}/fhir/Patient/epr-cross-border`,
      `https://127.0.0.1:${eprPort}/fhir/Patient/epr-cross-border`,
    ]) {
      await expect(result.session.fetch(url)).rejects.toBeInstanceOf(TokenOriginError);
    }
    expect(other.seen).toEqual([]);
  });

  it('does not follow a redirect to another origin with the token', async () => {
    const target = await startRecorder();
    const redirector = await startRecorder(() => ({ status: 302, location: `${target.origin}/steal` }));
    try {
      const guarded = createAuthorizedFetch({
        origin: redirector.origin,
        getToken: async () => 'tkn',
        fetch,
      });
      await expect(guarded(`${redirector.origin}/fhir/Patient`)).rejects.toBeInstanceOf(TokenOriginError);
      expect(redirector.seen).toEqual([{ url: '/fhir/Patient', authorization: 'Bearer tkn' }]);
      expect(target.seen).toEqual([]);
    } finally {
      target.server.close();
      redirector.server.close();
    }
  });
});

describe('where the refresh token lives', () => {
  it('is stored in the OS keystore (keytar) and in no file', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'wessex-launch-'));
    const cwd = process.cwd();
    process.chdir(workDir);
    try {
      const result = await launch();
      const refreshToken = await store.get(result.session.keystoreAccount);
      expect(refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const places = [workDir, join(homedir(), '.local/share/keyrings'), join(homedir(), '.config')];
      for (const place of places) {
        let hits = '';
        try {
          hits = execFileSync('grep', ['-rl', '--', refreshToken as string, place], { encoding: 'utf8' });
        } catch {
          hits = ''; // grep exits 1 when nothing matches (or the place does not exist)
        }
        expect(hits).toBe('');
      }
    } finally {
      process.chdir(cwd);
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});
