// The public SMART launcher (launch.smarthealthit.org, smart-launcher-v2), emulated on loopback: what it does
// differently from the sandbox EPR — an id_token iss that is not its discovery's issuer, expires_in as a
// string or missing, simulated 401s — and two launches from it in quick succession.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchHeadless,
  LaunchError,
  SmartLaunchService,
  type LaunchResult,
} from '../../main/services/launch';
import { followAuthorizationRedirects } from '../../main/services/launch/headless-authorizer';
import type { SecretStore } from '../../main/services/keystore/secret-store';
import { startLauncherEmu, type LauncherEmu, type LauncherEmuOptions } from '../support/smart-launcher-emu';
import { manualClock } from './launch-fixtures';

const memoryStore = (): SecretStore => {
  const m = new Map<string, string>();
  return {
    get: async (k) => m.get(k) ?? null,
    set: async (k, v) => void m.set(k, v),
    delete: async (k) => m.delete(k),
  };
};

const running: LauncherEmu[] = [];
async function launcher(options?: LauncherEmuOptions): Promise<LauncherEmu> {
  const emu = await startLauncherEmu(options);
  running.push(emu);
  return emu;
}
afterAll(async () => Promise.all(running.map((e) => e.close())));

const clientId = 'wessex-care-record';
/** The id_token iss set to the discovered issuer: the tests of other behaviour do not depend on the iss rule. */
const exactIss: LauncherEmuOptions['idTokenIss'] = ({ prefix }) => `${prefix}/fhir`;

function launchAt(
  emu: LauncherEmu,
  patient = 'p-1',
  extra: { authError?: string; now?: () => number; iss?: string } = {},
): Promise<LaunchResult> {
  const iss = extra.iss ?? emu.fhirBase;
  return launchHeadless(
    { allowedIssuers: [iss], clientId, secretStore: memoryStore(), ...(extra.now ? { now: extra.now } : {}) },
    (s) =>
      s.beginEhrLaunch({
        iss,
        launch: emu.launchValue(patient, extra.authError ? { authError: extra.authError } : {}),
      }),
  );
}

describe('id_token issuer from the public SMART launcher', () => {
  let emu: LauncherEmu;
  beforeAll(async () => {
    emu = await launcher();
  });

  it('accepts the launcher-style iss (…/v/r4/auth/fhir) signed with the discovered keys', async () => {
    const result = await launchAt(emu, 'patient-1');
    expect(emu.idTokenIssuers.at(-1)).toBe(`${emu.origin}/v/r4/auth/fhir`);
    expect(result.idToken?.iss).toBe(`${emu.origin}/v/r4/auth/fhir`);
    expect(result.patient?.id).toBe('patient-1');
    expect(result.user.fhirUser).toContain('Practitioner/smart-Practitioner-71482713');
    await result.session.end();
  });

  it('accepts it on a /sim/… launch too', async () => {
    const sim = emu.launchValue('patient-2');
    const iss = `${emu.origin}/v/r4/sim/${sim}/fhir`;
    const result = await launchAt(emu, 'patient-2', { iss });
    expect(result.idToken?.iss).toBe(`${emu.origin}/v/r4/sim/${sim}/auth/fhir`);
    await result.session.end();
  });

  it('still refuses an id_token whose iss is on another origin, though its signature verifies', async () => {
    const other = await launcher({ idTokenIss: () => 'http://localhost:9/v/r4/fhir' });
    const error = await launchAt(other).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LaunchError);
    expect((error as LaunchError).code).toBe('id-token-invalid');
    expect((error as LaunchError).message).toMatch(/iss/);
  });

  it('refuses an id_token whose iss is not a URL', async () => {
    const other = await launcher({ idTokenIss: () => 'wessex' });
    await expect(launchAt(other)).rejects.toMatchObject({ code: 'id-token-invalid' });
  });
});

describe('expires_in from the launcher', () => {
  it('as a numeric string ("3599"): the session lasts as the server said, not ~4 minutes', async () => {
    const emu = await launcher({ expiresIn: '3599', idTokenIss: exactIss });
    const clock = manualClock();
    const result = await launchAt(emu, 'p-1', { now: clock.now });
    clock.advance(241_000);
    await expect(result.session.getAccessToken()).resolves.toMatch(/.+/);
    clock.advance(3000_000);
    await expect(result.session.getAccessToken()).resolves.toMatch(/.+/);
    clock.advance(400_000); // past 3599 s less the 60 s margin: renewal is due, and there is no refresh token
    await expect(result.session.getAccessToken()).rejects.toThrow(/sign-in has ended/);
    await result.session.end();
  });

  it('missing: no short expiry is invented; the token is used until the EPR refuses it', async () => {
    const emu = await launcher({ expiresIn: null, idTokenIss: exactIss });
    const clock = manualClock();
    const result = await launchAt(emu, 'p-1', { now: clock.now });
    clock.advance(2 * 3600_000);
    await expect(result.session.getAccessToken()).resolves.toMatch(/.+/);
    const read = await result.session.fetch(`${emu.fhirBase}/Patient/p-1`);
    expect(read.status).toBe(200);
    await result.session.end();
  });
});

describe("the launcher's simulated request errors", () => {
  for (const authError of ['request_invalid_token', 'request_expired_token']) {
    it(`${authError}: says the EPR refused the sign-in, not that renewing it was not allowed`, async () => {
      const emu = await launcher({ idTokenIss: exactIss });
      const error = (await launchAt(emu, 'p-1', { authError }).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toMatch(/EPR refused the sign-in/);
      expect(error.message).not.toMatch(/did not allow the sign-in to be renewed/);
    });
  }
});

/** The viewer's launch service trusting the emulated launcher; `opened` holds what it sent to the browser. */
function launchService(emu: LauncherEmu): { service: SmartLaunchService; opened: string[] } {
  const opened: string[] = [];
  const service = new SmartLaunchService({
    allowedIssuers: [emu.fhirBase],
    clientId,
    secretStore: memoryStore(),
    openExternal: async (url) => void opened.push(url),
  });
  return { service, opened };
}

describe('two launches in quick succession', () => {
  async function twoLaunches(emu: LauncherEmu) {
    const { service, opened } = launchService(emu);
    await service.beginEhrLaunch({ iss: emu.fhirBase, launch: emu.launchValue('patient-A') });
    await service.beginEhrLaunch({ iss: emu.fhirBase, launch: emu.launchValue('patient-B') });
    const callbackA = await followAuthorizationRedirects(opened[0]!, fetch);
    const callbackB = await followAuthorizationRedirects(opened[1]!, fetch);
    return { service, callbackA, callbackB };
  }

  it('the newest wins when the older one finishes last', async () => {
    const emu = await launcher({ idTokenIss: exactIss });
    const { service, callbackA, callbackB } = await twoLaunches(emu);
    const b = await service.completeAuthorization(callbackB);
    await expect(service.completeAuthorization(callbackA)).rejects.toMatchObject({ code: 'superseded' });
    expect(b.patient?.id).toBe('patient-B');
    await b.session.end();
  });

  it('the older one is discarded even when it finishes first', async () => {
    const emu = await launcher({ idTokenIss: exactIss });
    const { service, callbackA, callbackB } = await twoLaunches(emu);
    await expect(service.completeAuthorization(callbackA)).rejects.toMatchObject({ code: 'superseded' });
    const b = await service.completeAuthorization(callbackB);
    expect(b.patient?.id).toBe('patient-B');
    await b.session.end();
  });

  it('an older launch already exchanging its code when the newer one begins is discarded at the end', async () => {
    const emu = await launcher({ idTokenIss: exactIss });
    const { service, opened } = launchService(emu);
    await service.beginEhrLaunch({ iss: emu.fhirBase, launch: emu.launchValue('patient-A') });
    const callbackA = await followAuthorizationRedirects(opened[0]!, fetch);
    const a = service.completeAuthorization(callbackA);
    await service.beginEhrLaunch({ iss: emu.fhirBase, launch: emu.launchValue('patient-B') });
    await expect(a).rejects.toMatchObject({ code: 'superseded' });
    const b = await service.completeAuthorization(await followAuthorizationRedirects(opened[1]!, fetch));
    expect(b.patient?.id).toBe('patient-B');
    await b.session.end();
  });
});
