// PKCE (RFC 7636) as the sandbox authorization server checks it: S256 only; "plain" is refused.
import { createHash, timingSafeEqual } from 'node:crypto';

const VERIFIER_SHAPE = /^[A-Za-z0-9._~-]{43,128}$/;

export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export function verifyS256(verifier: string, challenge: string): boolean {
  if (!VERIFIER_SHAPE.test(verifier)) return false;
  const expected = Buffer.from(s256Challenge(verifier));
  const given = Buffer.from(challenge);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
