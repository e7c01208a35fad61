// When is a live fetch "we are offline" rather than "the sources answered"? Only when no source answered
// and at least one could not be reached. Dissent and unsafe identity also leave sources unasked, but those are
// answers the clinician must see, never a reason to show an older cached copy.
import type { WessexRecord } from '../../../common/record';

/** True for errors that mean "the network or server could not be reached": the HTTP layer's one classifier. */
export { isNetworkError } from '../http';

export function sourcesUnreachable(record: Pick<WessexRecord, 'sources' | 'dissent'>): boolean {
  if (record.dissent) return false;
  const relevant = record.sources.filter((s) => s.kind !== 'locator');
  if (relevant.length === 0) return false;
  return (
    relevant.some((s) => s.state === 'failed') &&
    relevant.every((s) => s.state === 'failed' || s.state === 'pending')
  );
}
