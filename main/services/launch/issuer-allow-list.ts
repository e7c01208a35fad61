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

/**
 * A standalone sign-in server is trusted only when IT also lists it among the allowed issuers: one policy value
 * alone must not be able to send clinicians to a sign-in page of someone else's choosing.
 */
export function standaloneIssuerProblem(
  standaloneIssuer: string,
  policyIssuers: readonly string[],
): string | undefined {
  try {
    const allowed = policyIssuers.map(canonicalIssuer);
    if (allowed.includes(canonicalIssuer(standaloneIssuer))) return undefined;
  } catch {
    return undefined; // an invalid URL is already reported where it is set
  }
  return 'must also be one of the allowed issuers (allowedIssuers): the standalone sign-in server is trusted only when IT lists it there too';
}
