// NHS number rules (common/nhs-number.ts) and reading the launched patient's NHS number with its
// verification status (main/services/launch/nhs-identity.ts).
import { describe, expect, it } from 'vitest';
import {
  formatNhsNumber,
  isValidNhsNumber,
  nhsCheckDigit,
  normaliseNhsNumber,
} from '../../common/nhs-number';
import type { Patient } from '../../common/fhir';
import { nhsIdentityOf, VERIFICATION_EXTENSIONS } from '../../main/services/launch/nhs-identity';

describe('NHS number modulus 11', () => {
  it('accepts valid numbers from the 999 test range and a published example', () => {
    for (const n of ['9990000018', '9990000026', '9990000034', '9999999999', '9434765919', '4010232137']) {
      expect(isValidNhsNumber(n), n).toBe(true);
    }
  });

  it('rejects known-invalid numbers', () => {
    expect(isValidNhsNumber('1234567890')).toBe(false); // 123456789 gives check value 10: never valid
    expect(isValidNhsNumber('9990000019')).toBe(false); // wrong check digit
    expect(isValidNhsNumber('9991234560')).toBe(false); // first nine give check value 10: no valid number
    expect(isValidNhsNumber('999000001')).toBe(false); // nine digits
    expect(isValidNhsNumber('99900000181')).toBe(false); // eleven digits
    expect(isValidNhsNumber('99900O0018')).toBe(false); // letter O
    expect(isValidNhsNumber('')).toBe(false);
  });

  it('computes check digits, including remainder 0 → 0 and remainder 1 → none', () => {
    expect(nhsCheckDigit('999000001')).toBe(8);
    expect(nhsCheckDigit('999123456')).toBeUndefined();
    expect(nhsCheckDigit('401023213')).toBe(7);
    expect(nhsCheckDigit('000000000')).toBe(0);
  });

  it('normalises typed input and formats 3 3 4', () => {
    expect(normaliseNhsNumber(' 999-000 0018 ')).toBe('9990000018');
    expect(isValidNhsNumber('999 000 0018')).toBe(true);
    expect(formatNhsNumber('9990000018')).toBe('999 000 0018');
    expect(formatNhsNumber('not a number')).toBe('not a number');
  });
});

const patientWith = (
  value: string | undefined,
  extension?: { url: string; code: string; display?: string },
): Patient => ({
  resourceType: 'Patient',
  id: 'p',
  identifier: [
    { system: 'https://example.org/mrn', value: 'MRN1' },
    ...(value === undefined
      ? []
      : [
          {
            system: 'https://fhir.nhs.uk/Id/nhs-number',
            value,
            extension: extension
              ? [
                  {
                    url: extension.url,
                    valueCodeableConcept: { coding: [{ code: extension.code, display: extension.display }] },
                  },
                ]
              : undefined,
          },
        ]),
  ],
});

describe('NHS number from the EPR Patient', () => {
  it.each(Object.entries(VERIFICATION_EXTENSIONS))(
    'reads a verified number from the %s extension',
    (profile, url) => {
      const identity = nhsIdentityOf(patientWith('9990000018', { url, code: '01' }));
      expect(identity).toMatchObject({
        nhsNumber: '9990000018',
        formatted: '999 000 0018',
        valid: true,
        verification: 'verified',
        verificationProfile: profile,
        verificationDisplay: 'Number present and verified',
        safeToQueryOtherServers: true,
      });
      expect(identity.warning).toBeUndefined();
    },
  );

  it('warns and blocks other servers for a number that is present but not traced', () => {
    const identity = nhsIdentityOf(
      patientWith('9990000018', {
        url: VERIFICATION_EXTENSIONS['care-connect'],
        code: '02',
        display: 'Present, not traced',
      }),
    );
    expect(identity).toMatchObject({ verification: 'unverified', safeToQueryOtherServers: false });
    expect(identity.warning).toMatch(/not verified \(Present, not traced\)/);
  });

  it('treats "trace attempted, no match" as not traced', () => {
    const identity = nhsIdentityOf(
      patientWith('9990000018', { url: VERIFICATION_EXTENSIONS['uk-core'], code: '04' }),
    );
    expect(identity).toMatchObject({ verification: 'not-traced', safeToQueryOtherServers: false });
  });

  it('blocks a number that fails modulus 11 even when marked verified', () => {
    const identity = nhsIdentityOf(
      patientWith('1234567890', { url: VERIFICATION_EXTENSIONS['uk-core'], code: '01' }),
    );
    expect(identity).toMatchObject({ valid: false, verification: 'invalid', safeToQueryOtherServers: false });
    expect(identity.warning).toMatch(/check digit/);
  });

  it('does not trust an unknown extension URL or a missing status', () => {
    const spoofed = nhsIdentityOf(
      patientWith('9990000018', { url: 'https://evil.example/NHSNumberVerificationStatus', code: '01' }),
    );
    expect(spoofed).toMatchObject({ verification: 'unknown', safeToQueryOtherServers: false });
    expect(nhsIdentityOf(patientWith('9990000018'))).toMatchObject({
      verification: 'unknown',
      safeToQueryOtherServers: false,
    });
  });

  it('reports a patient with no NHS number', () => {
    expect(nhsIdentityOf(patientWith(undefined))).toMatchObject({
      valid: false,
      safeToQueryOtherServers: false,
    });
  });
});
