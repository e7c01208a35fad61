// Why a request to a source did not give us usable FHIR, in words a clinician can read on the status line.
export type FailureKind =
  | 'connect'
  | 'timeout'
  | 'cancelled'
  | 'unauthorised'
  | 'forbidden'
  | 'busy'
  | 'http'
  | 'redirect'
  | 'content-type'
  | 'malformed'
  | 'truncated'
  | 'oversize'
  | 'not-bundle'
  | 'other-origin'
  | 'loop';

export class FetchFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'FetchFailure';
  }
}

export function asFetchFailure(error: unknown): FetchFailure {
  if (error instanceof FetchFailure) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new FetchFailure('http', `unexpected problem: ${message}`);
}
