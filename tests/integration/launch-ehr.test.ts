// EHR launch against the sandbox EPR over real loopback HTTP: the happy path and what the clinician sees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxEpr, type SandboxEpr } from '../../sandbox/epr';
import { launchHeadless, parseLaunchUri } from '../../main/services/launch';
import { recordingFetch, removeRefreshTokens, testPatients, testSecretStore } from './launch-fixtures';

let epr: SandboxEpr;
const { store, service } = testSecretStore();

beforeAll(async () => {
  epr = await startSandboxEpr({ patients: testPatients() });
});
afterAll(async () => {
  await removeRefreshTokens(service, epr.fhirBase);
  await epr.close();
});

const baseOptions = () => ({
  allowedIssuers: [],
  sandboxIssuers: [epr.fhirBase],
  clientId: 'wessex-care-record',
  offlineAccess: () => true,
  secretStore: store,
});

describe('EHR launch (sandbox EPR)', () => {
  it('signs in with patient and user in context, PKCE S256 and aud = iss', async () => {
    const uri = epr.createEhrLaunch({
      patientKey: 'cross-border',
      userId: 'paramedic',
      encounterId: 'enc-1',
    });
    const { fetch, calls } = recordingFetch();
    const result = await launchHeadless({ ...baseOptions(), fetch }, (s) =>
      s.beginEhrLaunch(parseLaunchUri(uri)),
    );

    expect(result.kind).toBe('ehr');
    expect(result.user).toMatchObject({ display: 'Sam Okafor', roleCode: 'paramedic' });
    expect(result.user.organisation).toContain('South Western Ambulance');
    expect(result.user.fhirUser).toBe(`${epr.fhirBase}/PractitionerRole/sandbox-paramedic-role`);
    expect(result.patient?.name).toBe('Margaret Ashdown');
    expect(result.patient?.nhs).toMatchObject({
      formatted: '999 000 0018',
      verification: 'verified',
      verificationProfile: 'uk-core',
      safeToQueryOtherServers: true,
    });
    expect(result.encounterId).toBe('enc-1');
    expect(result.needPatientBanner).toBe(true);
    expect(result.grantedScopes).toEqual(
      expect.arrayContaining(['openid', 'fhirUser', 'patient/*.rs', 'offline_access']),
    );
    expect(result.ungrantedScopes).toEqual([]);

    const authorize = new URL(calls.find((c) => c.includes('/auth/authorize')) ?? '');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('aud')).toBe(epr.fhirBase);
    expect(authorize.searchParams.get('launch')).toBe(new URL(uri).searchParams.get('launch'));
    expect(authorize.searchParams.get('scope')?.split(' ')).toContain('launch');
    // 256-bit state, base64url
    expect(authorize.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The token works only on its own server and the refresh token is in the keystore (offline_access granted).
    expect(await epr.verifyAccessToken(await result.session.getAccessToken(), epr.fhirBase)).toBe(true);
    expect(
      await epr.verifyAccessToken(await result.session.getAccessToken(), 'http://127.0.0.1:1/fhir'),
    ).toBe(false);
    expect(await store.get(result.session.keystoreAccount)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(service).toMatch(/^uk\.nhs\.wessexcarerecords\.test-/);
  });

  it('falls back to v1 scopes when the server does not advertise permission-v2', async () => {
    epr.behaviour.advertisePermissionV2 = false;
    try {
      const uri = epr.createEhrLaunch({ patientKey: 'cross-border' });
      const result = await launchHeadless(baseOptions(), (s) => s.beginEhrLaunch(parseLaunchUri(uri)));
      expect(result.grantedScopes).toContain('patient/*.read');
      expect(result.grantedScopes).not.toContain('patient/*.rs');
      expect(result.user.roleCode).toBe('general-practitioner');
    } finally {
      epr.behaviour.advertisePermissionV2 = true;
    }
  });

  it('reports partially granted scopes so the UI can say what could not be read', async () => {
    const uri = epr.createEhrLaunch({
      patientKey: 'cross-border',
      scopesGranted: ['launch', 'openid', 'fhirUser', 'patient/Patient.rs', 'patient/AllergyIntolerance.rs'],
    });
    const result = await launchHeadless(baseOptions(), (s) => s.beginEhrLaunch(parseLaunchUri(uri)));
    expect(result.ungrantedScopes).toEqual(['patient/*.rs', 'offline_access']);
    // No offline_access: no refresh token is kept anywhere.
    expect(await store.get(result.session.keystoreAccount)).toBeNull();
  });

  it('shows an unverified NHS number as a warning and marks it unsafe for other servers', async () => {
    const uri = epr.createEhrLaunch({ patientKey: 'not-traced', userId: 'nurse' });
    const result = await launchHeadless(baseOptions(), (s) => s.beginEhrLaunch(parseLaunchUri(uri)));
    expect(result.patient?.nhs).toMatchObject({ verification: 'not-traced', safeToQueryOtherServers: false });
    expect(result.patient?.nhs.warning).toMatch(/not verified/);
    expect(result.user.roleCode).toBe('nurse');
  });
});
