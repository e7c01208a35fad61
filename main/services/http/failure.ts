// Why a request to a source did not give us what we asked for, in words a clinician can read on the status
// line. Every HTTP path in the app (record engine, caseloads, documents, sign-in) reports in these terms.
import { accessRefusalOf, type AccessRefusalCode } from '../../../common/access-refusal';

export const FAILURE_KINDS = [
  'connect',
  'timeout',
  'cancelled',
  'sign-in',
  'unauthorised',
  'forbidden',
  'busy',
  'http',
  'redirect',
  'content-type',
  'malformed',
  'truncated',
  'oversize',
  'not-bundle',
  'other-origin',
  'loop',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export class FetchFailure extends Error {
  /** A 403 the source coded as a refusal of this user's access (its regional policy), not a fault. */
  refusal?: AccessRefusalCode;

  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
    /** The origin a request or redirect would have gone to, when that was the problem. */
    readonly otherOrigin?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FetchFailure';
  }
}

/** A body that ended before it was whole (the connection dropped, or a compressed stream stopped short). */
export function cutOffFailure(cause?: unknown): FetchFailure {
  const message = 'answered, but the answer was cut off before it was complete';
  return new FetchFailure('truncated', message, undefined, undefined, { cause });
}

export function asFetchFailure(error: unknown): FetchFailure {
  if (error instanceof FetchFailure) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new FetchFailure('http', `unexpected problem: ${message}`);
}

/**
 * The failure for a final non-2xx answer; `busyAttempts` counts the tries a 429/503 was given, `signedIn`
 * whether the request carried a token (a source configured with no sign-in cannot have one refused).
 */
export function statusFailure(
  status: number,
  busyAttempts: number,
  signedIn = true,
  body?: Buffer,
): FetchFailure {
  if (status === 401 && !signedIn) {
    return new FetchFailure(
      'unauthorised',
      'asked for a sign-in (HTTP 401), but the machine policy gives this viewer none for it',
      401,
    );
  }
  if (status === 401)
    return new FetchFailure('unauthorised', 'refused our sign-in (HTTP 401), even after renewing it', 401);
  if (status === 403) {
    const failure = new FetchFailure('forbidden', 'refused access to this record (HTTP 403)', 403);
    const refusal = body ? accessRefusalOf(jsonOf(body)) : undefined;
    if (refusal) failure.refusal = refusal;
    return failure;
  }
  if (status === 429 || status === 503) {
    return new FetchFailure(
      'busy',
      `too busy to answer (HTTP ${status}), still busy after ${busyAttempts} attempts`,
      status,
    );
  }
  if (status >= 300 && status < 400) {
    return new FetchFailure(
      'redirect',
      `redirected the request elsewhere (HTTP ${status}); not followed`,
      status,
    );
  }
  if (status >= 500) return new FetchFailure('http', `had a server error (HTTP ${status})`, status);
  return new FetchFailure('http', `rejected the request (HTTP ${status})`, status);
}

function jsonOf(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** "32 MB" / "512 KB": sizes as limits are spoken of. */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round(bytes / (1024 * 1024))} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
