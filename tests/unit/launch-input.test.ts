// Launch input (URI scheme and argv: one parser), the OAuth redirect back, the iss allow-list, scopes and
// the state store — the pure parts of the launch.
import { describe, expect, it } from 'vitest';
import {
  isAuthorizationCallback,
  LOOPBACK_REDIRECT_URI,
  parseAuthorizationCallback,
  parseLaunchArgv,
  parseLaunchUri,
  SCHEME_REDIRECT_URI,
} from '../../main/services/launch/launch-input';
import { allowedIssuers, assertIssuerAllowed } from '../../main/services/launch/issuer-allow-list';
import {
  canRead,
  offlineAccessWanted,
  requestedScopes,
  ungrantedScopes,
} from '../../main/services/launch/scopes';
import { newState, PendingAuthorizations } from '../../main/services/launch/pending-authorizations';
import { LaunchError } from '../../main/services/launch/errors';

const ISS = 'https://epr.example.nhs.uk/fhir';

describe('launch input', () => {
  it('reads iss and launch from the URI scheme and from argv alike', () => {
    const uri = `uk.nhs.wessexcarerecords://launch?iss=${encodeURIComponent(ISS)}&launch=abc123`;
    const expected = { iss: ISS, launch: 'abc123' };
    expect(parseLaunchUri(uri)).toEqual(expected);
    expect(parseLaunchArgv(['/opt/wessex', uri])).toEqual(expected);
    expect(parseLaunchArgv(['/opt/wessex', '--iss', ISS, '--launch', 'abc123'])).toEqual(expected);
    expect(parseLaunchArgv(['/opt/wessex', `--iss=${ISS}`, '--launch=abc123'])).toEqual(expected);
    expect(parseLaunchArgv(['/opt/wessex'])).toBeUndefined();
  });

  it('matches the launch scheme whatever its case (RFC 3986: schemes are case-insensitive)', () => {
    const uri = `UK.NHS.WessexCareRecords://launch?iss=${encodeURIComponent(ISS)}&launch=abc123`;
    expect(parseLaunchArgv(['/opt/wessex', uri])).toEqual({ iss: ISS, launch: 'abc123' });
  });

  it.each([
    ['not a url', /not a valid URL/],
    ['https://evil.example/launch?iss=x&launch=y', /Expected a uk.nhs.wessexcarerecords:\/\/launch link/],
    ['uk.nhs.wessexcarerecords://launch?launch=y', /no iss/],
    [`uk.nhs.wessexcarerecords://launch?iss=${encodeURIComponent(ISS)}`, /no launch value/],
    ['uk.nhs.wessexcarerecords://launch?iss=javascript:alert(1)&launch=y', /must be an http\(s\) URL/],
    ['uk.nhs.wessexcarerecords://launch?iss=https://u:p@epr.example/fhir&launch=y', /credentials/],
    [`uk.nhs.wessexcarerecords://launch?iss=${encodeURIComponent(ISS)}&launch=%3Cscript%3E`, /malformed/],
    [`uk.nhs.wessexcarerecords://launch?iss=${'a'.repeat(5000)}`, /too long/],
  ])('rejects %s with a clear message', (input, message) => {
    expect(() => parseLaunchUri(input)).toThrow(message);
    expect(() => parseLaunchUri(input)).toThrow(LaunchError);
  });

  it('recognises the redirect back via the scheme or the fixed loopback address only', () => {
    expect(LOOPBACK_REDIRECT_URI).toBe('http://127.0.0.1:47615/callback');
    expect(parseAuthorizationCallback(`${SCHEME_REDIRECT_URI}?code=c&state=s`)).toEqual({
      code: 'c',
      state: 's',
      error: undefined,
      errorDescription: undefined,
    });
    expect(parseAuthorizationCallback(`${LOOPBACK_REDIRECT_URI}?error=access_denied&state=s`)).toMatchObject({
      error: 'access_denied',
    });
    expect(isAuthorizationCallback('http://127.0.0.1:47616/callback?code=c')).toBe(false);
    expect(isAuthorizationCallback('http://127.0.0.1:47615/callbackx?code=c')).toBe(false);
    expect(() => parseAuthorizationCallback('https://evil.example/callback?code=c')).toThrow(
      /not an authorization response/,
    );
  });
});

describe('iss allow-list', () => {
  it('uses policy issuers, or the sandbox only when policy lists none', () => {
    expect(allowedIssuers([ISS], ['http://127.0.0.1:5000/fhir'])).toEqual([ISS]);
    expect(allowedIssuers([], ['http://127.0.0.1:5000/fhir/'])).toEqual(['http://127.0.0.1:5000/fhir']);
  });

  it('matches exactly (trailing slash and host case aside) and names a refused iss', () => {
    const allowed = allowedIssuers([ISS], []);
    expect(assertIssuerAllowed('https://EPR.example.nhs.uk/fhir/', allowed)).toBe(ISS);
    for (const iss of [
      'https://epr.example.nhs.uk.evil.example/fhir',
      'http://epr.example.nhs.uk/fhir',
      `${ISS}2`,
    ]) {
      expect(() => assertIssuerAllowed(iss, allowed)).toThrow(
        new RegExp(`launched by "${iss.replace(/[.]/g, '\\.')}"`),
      );
    }
  });
});

describe('scopes', () => {
  it('asks for v2 scopes with v1 fallback', () => {
    expect(requestedScopes('ehr', true, true)).toEqual([
      'launch',
      'openid',
      'fhirUser',
      'patient/*.rs',
      'offline_access',
    ]);
    expect(requestedScopes('standalone', true)).not.toContain('offline_access');
    expect(requestedScopes('ehr', false)).toContain('patient/*.read');
    expect(requestedScopes('standalone', true)).toContain('user/*.rs');
  });

  it('asks for offline_access only for a role the policy lets work offline', () => {
    const mapped = ['paramedic', 'general-practitioner', 'admin-staff'];
    // A direct sign-in as a chosen role: that role decides.
    expect(offlineAccessWanted(['paramedic'], mapped, 'paramedic')).toBe(true);
    expect(offlineAccessWanted(['paramedic'], mapped, 'admin-staff')).toBe(false);
    // An EPR launch (role unknown until its token): only when every mapped role may.
    expect(offlineAccessWanted(['paramedic'], mapped)).toBe(false);
    expect(offlineAccessWanted(mapped, mapped)).toBe(true);
    expect(offlineAccessWanted([], mapped)).toBe(false);
  });

  it('lists ungranted scopes and answers what may be read', () => {
    const granted = ['openid', 'fhirUser', 'patient/AllergyIntolerance.rs', 'patient/Patient.read'];
    expect(ungrantedScopes(requestedScopes('ehr', true, true), granted)).toEqual([
      'patient/*.rs',
      'offline_access',
    ]);
    expect(canRead(granted, 'AllergyIntolerance')).toBe(true);
    expect(canRead(granted, 'Patient')).toBe(true);
    expect(canRead(granted, 'MedicationStatement')).toBe(false);
    expect(canRead(['patient/*.cud'], 'Condition')).toBe(false);
    expect(canRead(['patient/*.rs'], 'Condition')).toBe(true);
  });
});

describe('state', () => {
  it('is 256 random bits, base64url', () => {
    const a = newState();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newState()).not.toBe(a);
  });

  it('is single use and expires', () => {
    let now = 0;
    const store = new PendingAuthorizations<string>(() => now, 1000);
    store.add('s1', 'launch-1');
    store.add('s2', 'launch-2');
    expect(store.consume('s1')).toBe('launch-1');
    expect(() => store.consume('s1')).toThrow(/already been used/);
    now = 1000;
    expect(() => store.consume('s2')).toThrow(/expired/);
    expect(() => store.consume(undefined)).toThrow(/no state/);
    expect(() => store.consume('nope')).toThrow(/does not match/);
  });
});
