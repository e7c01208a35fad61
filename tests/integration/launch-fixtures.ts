// Inline sandbox patients and helpers for the launch tests (independent of the full sandbox seed).
import { randomBytes } from 'node:crypto';
import type { Patient } from '../../common/fhir';
import type { SandboxPatient } from '../../sandbox/patients/types';
import { createKeytarSecretStore, type SecretStore } from '../../main/services/keystore/secret-store';
import type { FetchLike } from '../../main/services/launch';
import { keystoreEntries } from '../support/keystore-listing';

export const UK_CORE_VERIFICATION =
  'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus';

function eprPatient(
  id: string,
  nhsNumber: string,
  family: string,
  given: string,
  birthDate: string,
  code: string,
): Patient {
  return {
    resourceType: 'Patient',
    id,
    identifier: [
      {
        system: 'https://fhir.nhs.uk/Id/nhs-number',
        value: nhsNumber,
        extension: [
          {
            url: UK_CORE_VERIFICATION,
            valueCodeableConcept: {
              coding: [
                {
                  system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland',
                  code,
                },
              ],
            },
          },
        ],
      },
    ],
    name: [{ use: 'official', family, given: [given] }],
    birthDate,
  };
}

function patient(key: string, epr: Patient): SandboxPatient {
  const nhs = epr.identifier?.[0]?.value ?? '';
  return {
    key,
    nhsNumber: nhs,
    name: `${epr.name?.[0]?.given?.[0]} ${epr.name?.[0]?.family}`,
    birthDate: epr.birthDate ?? '',
    demonstrates: key,
    epr,
    dcr: [],
    chie: [],
    locator: [],
  };
}

export const testPatients = (): SandboxPatient[] => [
  patient(
    'cross-border',
    eprPatient('epr-cross-border', '9990000018', 'Ashdown', 'Margaret', '1941-03-07', '01'),
  ),
  patient('not-traced', eprPatient('epr-not-traced', '9990000026', 'Pike', 'Oliver', '1987-11-23', '04')),
];

/** Real keytar under bin/with-keyring.sh, in a service private to this test run. */
export function testSecretStore(): { store: SecretStore; service: string } {
  const service = `uk.nhs.wessexcarerecords.test-${randomBytes(6).toString('hex')}`;
  return { store: createKeytarSecretStore(service), service };
}

/**
 * The refresh tokens the keystore service holds for `iss` (every sign-in's entry, and the one per issuer of
 * older versions), read straight from keytar rather than through the code under test.
 */
export async function refreshTokensIn(service: string, iss: string): Promise<string[]> {
  const prefix = `refresh-token:${iss}`;
  return (await keystoreEntries(service))
    .filter(({ account }) => account === prefix || account.startsWith(`${prefix}#`))
    .map(({ password }) => password);
}

/**
 * Test clean-up: deletes the refresh tokens the keystore service holds for `iss`, found by listing it straight
 * through keytar (the viewer itself never lists the keystore).
 */
export async function removeRefreshTokens(service: string, iss: string): Promise<void> {
  const keytar = await import('keytar');
  const prefix = `refresh-token:${iss}`;
  for (const { account } of await keystoreEntries(service))
    if (account === prefix || account.startsWith(`${prefix}#`)) await keytar.deletePassword(service, account);
}

/** A fetch that records every URL it is asked for. */
export function recordingFetch(): { fetch: FetchLike; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    fetch: (input, init) => {
      calls.push(input);
      return fetch(input, init);
    },
  };
}

/** A clock tests move by hand (shared by the sandbox and the app, so expiry needs no waiting). */
export function manualClock(start = Date.now()): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}
