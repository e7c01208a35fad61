// Fault modes a sandbox server can be told to produce, for tests and benchmarks of client resilience.

export const FAULT_MODES = [
  'slow',
  '500',
  '429',
  '503',
  'malformed-json',
  'truncated-body',
  'wrong-content-type',
  'not-bundle',
  'operation-outcome-in-bundle',
  'oversize',
  'next-link-other-origin',
  'next-link-loop',
  'down',
  'hostile-error-text',
] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

export interface FaultOptions {
  /** Only requests for this resource type (first path segment, e.g. "Observation") get the fault. */
  resourceType?: string;
  /** Only requests without this search parameter (`code`: a type's whole read, not a search by code). */
  withoutParam?: string;
  /** Only the next N matching requests get the fault; then it clears itself. */
  times?: number;
  /** 429/503: Retry-After in seconds (default 1). */
  retryAfterSeconds?: number;
  /** slow: how long to hold the response before answering normally (default 30 s). */
  delayMs?: number;
  /** oversize: body size in bytes (default 64 MiB). */
  bytes?: number;
  /**
   * hostile-error-text: the HTTP status of the OperationOutcome that carries the text (default 200: an
   * outcome in place of the results, the answer a client reads and shows the clinician).
   */
  status?: number;
}

export interface ActiveFault {
  mode: FaultMode;
  options: FaultOptions;
  remaining?: number;
}

export function isFaultMode(value: string): value is FaultMode {
  return (FAULT_MODES as readonly string[]).includes(value);
}

/** Faults that change a successful response rather than replace it. */
export const RESPONSE_SHAPING: ReadonlySet<FaultMode> = new Set([
  'truncated-body',
  'not-bundle',
  'operation-outcome-in-bundle',
  'next-link-other-origin',
  'next-link-loop',
]);
