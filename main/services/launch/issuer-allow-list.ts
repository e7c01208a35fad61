// Which EPR servers may launch the viewer: machine policy's allowedIssuers, or (when IT configured none)
// the built-in sandbox's own issuer. Checked before any network request is made.
import { LaunchError } from './errors';

/** Canonical form for comparison: no trailing slash, lower-case scheme and host, default port dropped. */
export function canonicalIssuer(iss: string): string {
  const url = new URL(iss);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

export function allowedIssuers(
  policyIssuers: readonly string[],
  sandboxIssuers: readonly string[],
): string[] {
  return (policyIssuers.length > 0 ? policyIssuers : sandboxIssuers).map(canonicalIssuer);
}

export function assertIssuerAllowed(iss: string, allowed: readonly string[]): string {
  let canonical: string;
  try {
    canonical = canonicalIssuer(iss);
  } catch {
    throw new LaunchError('issuer-not-allowed', 'The launching server address is not a valid URL.');
  }
  if (!allowed.includes(canonical)) {
    throw new LaunchError(
      'issuer-not-allowed',
      `This viewer was launched by ${JSON.stringify(iss.slice(0, 200))}, which is not an EPR server this machine ` +
        'trusts. Nothing was sent to it. Ask IT to add it to the allowed issuers if it is genuine.',
    );
  }
  return canonical;
}
