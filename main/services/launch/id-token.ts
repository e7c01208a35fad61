// The OpenID Connect id_token: signature checked against the server's JWKS, issuer, audience (our client
// id) and expiry, before its fhirUser (who is signed in) is believed.
import type { JSONWebKeySet, JWTPayload } from 'jose';
import type { Transport } from '../http';
import { LaunchError } from './errors';
import { requestJson } from './http';

export interface NrbacRole {
  role_code?: string;
  role_name?: string;
  org_code?: string;
}

export interface IdTokenClaims extends JWTPayload {
  fhirUser?: string;
  nhsid_nrbac_roles?: NrbacRole[];
}

export async function verifyIdToken(
  idToken: string,
  expected: { jwksUri?: string; issuer: string; clientId: string; now: number },
  http: { transport?: Transport; signal?: AbortSignal } = {},
): Promise<IdTokenClaims> {
  if (!expected.jwksUri) {
    throw new LaunchError(
      'id-token-invalid',
      'The EPR server publishes no keys, so who signed in cannot be checked.',
    );
  }
  let jwks: Record<string, unknown> | undefined;
  try {
    const response = await requestJson(expected.jwksUri, { name: "The EPR's key server", ...http });
    jwks = response.ok ? response.body : undefined;
  } catch (error) {
    throw new LaunchError('id-token-invalid', "Could not fetch the EPR server's signing keys.", {
      cause: error,
    });
  }
  if (!jwks || !Array.isArray(jwks.keys)) {
    throw new LaunchError('id-token-invalid', "The EPR server's signing keys are not a valid key set.");
  }
  try {
    const { jwtVerify, createLocalJWKSet } = await import('jose');
    const { payload } = await jwtVerify(idToken, createLocalJWKSet(jwks as unknown as JSONWebKeySet), {
      issuer: expected.issuer,
      audience: expected.clientId,
      currentDate: new Date(expected.now),
    });
    return payload as IdTokenClaims;
  } catch (error) {
    throw new LaunchError(
      'id-token-invalid',
      `The sign-in identity from the EPR could not be verified (${error instanceof Error ? error.message : 'invalid'}).`,
      { cause: error },
    );
  }
}
