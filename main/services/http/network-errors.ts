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

/**
 * What each code means, in words a clinician reads in the status line after "could not be reached" ("CHIE could
 * not be reached: the server refused the connection").
 */
const READABLE: Record<string, string> = {
  ECONNREFUSED: 'the server refused the connection',
  ENOTFOUND: 'the server’s address was not found',
  EAI_AGAIN: 'the server’s address could not be looked up',
  EHOSTUNREACH: 'there is no route to the server',
  ENETUNREACH: 'there is no route to the server’s network',
  EHOSTDOWN: 'the server is not answering',
  ENETDOWN: 'the network is down',
  ECONNRESET: 'the connection was cut off',
  EPIPE: 'the connection was closed',
  UND_ERR_SOCKET: 'the connection was closed',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  ETIMEDOUT: 'the connection timed out',
};

export interface NetworkProblem {
  code: string;
  /** An established connection was dropped (as opposed to never made). */
  reset: boolean;
  /** For the status line, in words: "the server refused the connection", "the connection was cut off", ... */
  text: string;
}

/** The network problem behind an error (following `cause`), or undefined when it is something else. */
export function networkProblem(error: unknown): NetworkProblem | undefined {
  let fetchFailed = false;
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECT_CODES.has(code) || RESET_CODES.has(code))) {
      return { code, reset: RESET_CODES.has(code), text: READABLE[code] ?? 'network error' };
    }
    if (e instanceof TypeError && /fetch failed/i.test(e.message)) fetchFailed = true;
  }
  return fetchFailed ? { code: 'FETCH_FAILED', reset: false, text: 'network error' } : undefined;
}

/** The words after a source's name: "could not be reached: the server refused the connection". */
export function unreachableWords(problem: NetworkProblem): string {
  return `could not be reached: ${problem.text}`;
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
