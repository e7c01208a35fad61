// The launch's exchanges with the EPR's servers that carry no token (SMART configuration, token endpoint,
// signing keys), each a bounded JSON exchange: read within a size limit while it streams, and a time limit.
import { exchangeJson, fetchTransport, type FetchLike, type JsonReply, type Transport } from '../http';

export type { FetchLike, JsonReply } from '../http';

export const REQUEST_TIMEOUT_MS = 15_000;
/** Everything after the redirect back (token, signing keys, user and patient reads) within this. */
export const LAUNCH_STEP_DEADLINE_MS = 30_000;
/** The most a sign-in document (SMART configuration, token response, key set) may be. */
export const MAX_SIGN_IN_DOCUMENT_BYTES = 1024 * 1024;
/** The most one FHIR resource the launch reads from the EPR (user, role, patient) may be. */
export const MAX_LAUNCH_RESOURCE_BYTES = 8 * 1024 * 1024;

/** The system browser's part in a headless launch (./headless-authorizer.ts) is played with plain fetch. */
export const defaultFetch: FetchLike = (input, init) => fetch(input, init);

/** An injected fetch (tests watch or tamper with requests), else each client's own undici connections. */
export function transportFrom(fetchImpl: FetchLike | undefined): Transport | undefined {
  return fetchImpl ? fetchTransport(fetchImpl) : undefined;
}

export interface JsonRequest {
  /** For messages, e.g. "The EPR's sign-in server". */
  name: string;
  /** A form to POST; GET without one. */
  form?: string;
  transport?: Transport;
  /** The launch step's deadline, on top of REQUEST_TIMEOUT_MS. */
  signal?: AbortSignal;
}

/** Throws FetchFailure when there is no answer to read (unreachable, too big, too slow). */
export function requestJson(url: string, request: JsonRequest): Promise<JsonReply> {
  return exchangeJson(url, {
    timeoutMs: REQUEST_TIMEOUT_MS,
    maxBytes: MAX_SIGN_IN_DOCUMENT_BYTES,
    ...request,
  });
}
