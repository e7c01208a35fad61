// The OpenID Connect id_token: signature checked against the server's JWKS, issuer, audience (our client
// id) and expiry, before its fhirUser (who is signed in) is believed.
//
// The issuer rule. The `iss` claim must be the discovered issuer exactly, or a URL on the same origin as both
// the discovered issuer and the FHIR base we launched from (the allow-listed iss), signed with a key from that
// issuer's own discovered jwks_uri. The public SMART launcher (smart-launcher-v2, createIdToken) signs with
// `${origin}${authRouterMount}/fhir` (…/v/r4[/sim/…]/auth/fhir), never its discovery's `issuer` (…/v/r4/fhir):
// exact matching refused every launch from it. An `iss` on any other origin is still refused: a token naming
// another server as its issuer is never believed, whatever key signed it.
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
  expected: {
    jwksUri?: string;
    issuer: string;
    clientId: string;
    now: number;
    /** The FHIR base launched from (allow-listed): a differing `iss` must be on its origin too. */
    fhirBase?: string;
  },
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
      audience: expected.clientId,
      currentDate: new Date(expected.now),
    });
    if (!issuerAccepted(payload.iss, expected.issuer, expected.fhirBase)) {
      throw new Error(
        typeof payload.iss === 'string'
          ? `unexpected "iss" claim value: it names another server (${originOf(payload.iss) ?? 'not a URL'})`
          : 'missing "iss" claim',
      );
    }
    return payload as IdTokenClaims;
  } catch (error) {
    throw new LaunchError(
      'id-token-invalid',
      `The sign-in identity from the EPR could not be verified (${error instanceof Error ? error.message : 'invalid'}).`,
      { cause: error },
    );
  }
}

function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The discovered issuer exactly; otherwise an http(s) URL on the discovered issuer's origin, which must also
 * be the launched FHIR base's origin (when known). Called only once the signature has verified against the
 * discovered issuer's jwks_uri.
 */
export function issuerAccepted(iss: unknown, discovered: string, fhirBase?: string): boolean {
  if (typeof iss !== 'string' || !iss) return false;
  if (iss === discovered) return true;
  const origin = originOf(iss);
  if (!origin || origin !== originOf(discovered)) return false;
  return fhirBase === undefined || origin === originOf(fhirBase);
}
