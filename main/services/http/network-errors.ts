// The one place that decides whether an error means "the server could not be reached" (Node, undici and
// fetch errors alike, however deeply wrapped), and how to say so.
import { FetchFailure } from './failure';

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The connection was there and then dropped: a server closing a kept-alive connection looks like this. */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

const READABLE: Record<string, string> = {
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'timed out connecting',
  ETIMEDOUT: 'timed out connecting',
};

export interface NetworkProblem {
  code: string;
  /** An established connection was dropped (as opposed to never made). */
  reset: boolean;
  /** For the status line: "ECONNREFUSED", "connection reset", ... */
  text: string;
}

/** The network problem behind an error (following `cause`), or undefined when it is something else. */
export function networkProblem(error: unknown): NetworkProblem | undefined {
  let fetchFailed = false;
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECT_CODES.has(code) || RESET_CODES.has(code))) {
      return { code, reset: RESET_CODES.has(code), text: READABLE[code] ?? code };
    }
    if (e instanceof TypeError && /fetch failed/i.test(e.message)) fetchFailed = true;
  }
  return fetchFailed ? { code: 'FETCH_FAILED', reset: false, text: 'network error' } : undefined;
}

/** True for errors that mean "the network or server could not be reached" (including running out of time). */
export function isNetworkError(error: unknown): boolean {
  if (error instanceof FetchFailure) return error.kind === 'connect' || error.kind === 'timeout';
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof FetchFailure) return isNetworkError(e);
    const name = (e as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'DeadlineExceeded') return true;
  }
  return networkProblem(error) !== undefined;
}
