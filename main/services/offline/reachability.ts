// When is a live fetch "we are offline" rather than "the sources answered"? Only when no source answered
// and at least one could not be reached. Dissent and unsafe identity also leave sources unasked, but those are
// answers the clinician must see, never a reason to show an older cached copy.
import type { WessexRecord } from '../../../common/record';

export function sourcesUnreachable(record: Pick<WessexRecord, 'sources' | 'dissent'>): boolean {
  if (record.dissent) return false;
  const relevant = record.sources.filter((s) => s.kind !== 'locator');
  if (relevant.length === 0) return false;
  return (
    relevant.some((s) => s.state === 'failed') &&
    relevant.every((s) => s.state === 'failed' || s.state === 'pending')
  );
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** True for errors that mean "the network or server could not be reached" (fetch/undici/Node). */
export function isNetworkError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (e instanceof TypeError && /fetch failed/i.test(e.message)) return true;
    if ((e as { name?: unknown }).name === 'TimeoutError') return true;
  }
  return false;
}
