// SMART Backend Services clients (client_credentials + private_key_jwt, RFC 7523) registered with the sandbox
// by their public JWK. The sandbox also generates one client for the app itself; its private key is handed
// only to the in-process composition (never served over HTTP).
import { exportJWK, generateKeyPair, importJWK, jwtVerify, type JWK } from 'jose';
import { randomBytes } from 'node:crypto';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const BACKEND_CLIENT_ALG = 'ES384';

export interface BackendClientKeyPair {
  clientId: string;
  /** Private JWK (with kid and alg) for the app's keystore. */
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function generateBackendClient(clientId: string): Promise<BackendClientKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(BACKEND_CLIENT_ALG, { extractable: true });
  const kid = randomBytes(8).toString('hex');
  const meta = { kid, alg: BACKEND_CLIENT_ALG };
  return {
    clientId,
    privateJwk: { ...(await exportJWK(privateKey)), ...meta },
    publicJwk: { ...(await exportJWK(publicKey)), ...meta, use: 'sig' },
  };
}

export class BackendClientRegistry {
  private readonly clients = new Map<string, JWK>();
  /** jti values seen, with their expiry (seconds), so an assertion cannot be replayed. */
  private readonly seenJti = new Map<string, number>();

  constructor(private readonly nowSeconds: () => number) {}

  register(clientId: string, publicJwk: JWK): void {
    this.clients.set(clientId, publicJwk);
  }

  /** Verifies a client assertion; returns the client id or a plain-words reason. */
  async verify(assertion: string, tokenEndpoint: string): Promise<{ clientId: string } | { error: string }> {
    let claims;
    try {
      const unverified = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8'));
      const clientId = typeof unverified?.iss === 'string' ? unverified.iss : '';
      const jwk = this.clients.get(clientId);
      if (!jwk) return { error: 'unknown client' };
      const key = await importJWK(jwk, jwk.alg ?? BACKEND_CLIENT_ALG);
      ({ payload: claims } = await jwtVerify(assertion, key, {
        issuer: clientId,
        subject: clientId,
        audience: tokenEndpoint,
        currentDate: new Date(this.nowSeconds() * 1000),
        requiredClaims: ['exp', 'jti'],
      }));
    } catch (error) {
      return { error: `client assertion rejected: ${error instanceof Error ? error.message : 'invalid'}` };
    }
    const jti = String(claims.jti);
    const exp = Number(claims.exp);
    if (exp - this.nowSeconds() > 300) return { error: 'client assertion lifetime exceeds 5 minutes' };
    if (this.seenJti.has(jti)) return { error: 'client assertion replayed (jti already used)' };
    this.seenJti.set(jti, exp);
    for (const [seen, until] of this.seenJti) if (until < this.nowSeconds()) this.seenJti.delete(seen);
    return { clientId: String(claims.iss) };
  }
}
