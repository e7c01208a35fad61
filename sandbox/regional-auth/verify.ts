// How a resource server checks a regional access token: ES256 signature against the regional authorization
// server's JWKS, its issuer, `aud` exactly the server's own base URL, and `exp` (no leeway).
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { REGIONAL_TOKEN_ALG, type RegionalAccessClaims } from './claims';

/** The token's claims when every check passes; undefined otherwise. */
export type RegionalTokenVerifier = (
  token: string,
  audience: string,
) => Promise<RegionalAccessClaims | undefined>;

export function regionalTokenVerifier(options: {
  issuer: string;
  jwksUri: string;
  now?: () => number;
}): RegionalTokenVerifier {
  const keys = createRemoteJWKSet(new URL(options.jwksUri));
  const now = options.now ?? Date.now;
  return async (token, audience) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        algorithms: [REGIONAL_TOKEN_ALG],
        issuer: options.issuer,
        audience,
        currentDate: new Date(now()),
        clockTolerance: 0,
        requiredClaims: ['exp', 'iat', 'sub', 'aud', 'jti'],
      });
      return payload.aud === audience && hasIuaClaims(payload) ? payload : undefined;
    } catch {
      return undefined;
    }
  };
}

function hasIuaClaims(payload: object): payload is RegionalAccessClaims {
  const p = payload as Partial<RegionalAccessClaims>;
  const iua = p.extensions?.ihe_iua;
  return (
    typeof p.scope === 'string' &&
    typeof iua?.subject_name === 'string' &&
    typeof iua.subject_role?.code === 'string' &&
    typeof iua.purpose_of_use?.code === 'string'
  );
}
