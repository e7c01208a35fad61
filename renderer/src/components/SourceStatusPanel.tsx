import { formatUkDateTime } from '../../../common/london-date';
import { entriesCount, sourceLines } from '../../../common/summary';
import type { SourceStatus } from '../../../common/record';
import { useRecordView } from '../state/recordView';

/**
 * Which sources answered, which failed or were partial and why, and when: on every record screen. A source
 * shown from a saved copy says so ("saved copy, 09:14 today"), never "Answered".
 */
export function SourceStatusPanel({
  sources,
  loading,
  heldApart = [],
}: {
  sources: SourceStatus[];
  loading: boolean;
  /** Sources whose entries are held apart (their patient may be someone else). */
  heldApart?: string[];
}) {
  const { now, lists } = useRecordView();
  // Only the newest of the long lists have been read so far (an offline open's summary): counts are lower bounds.
  const cut = Object.values(lists).some((l) => l.atLeast);
  const lines = sourceLines(sources, now);
  const done = lines.filter((l) => l.state !== 'pending').length;
  return (
    <section className="wx-sources" aria-label="Record sources" data-testid="source-status">
      {loading && (
        <p className="wx-sources__progress" role="status">
          Loading record: {done} of {Math.max(lines.length, done)} sources answered
          <progress max={Math.max(lines.length, 1)} value={done} aria-label="Sources answered" />
        </p>
      )}
      <ul className="wx-sources__list">
        {lines.map((line) => (
          <li
            key={line.id}
            className={`wx-sources__item wx-sources__item--${line.withheld ? 'withheld' : line.state}${line.savedCopy ? ' wx-sources__item--saved' : ''}`}
            data-source={line.id}
          >
            <strong>{line.name}</strong>: {line.savedCopy ?? line.stateLabel}
            {line.fetchedAt && !line.savedCopy ? ` at ${formatUkDateTime(line.fetchedAt)}` : ''}
            {!loading && (line.state === 'complete' || line.state === 'partial')
              ? ` (${entriesCount(line.resourceCount, cut)})`
              : ''}
            {line.message ? ` — ${line.message}` : ''}
            {line.warnings.length > 0 && ` — ${line.warnings.join('; ')}`}
            {heldApart.includes(line.id) && ' — entries held apart: the patient details do not match'}
          </li>
        ))}
        {!lines.length && (
          <li className="wx-sources__item">{loading ? 'Contacting sources…' : 'No sources.'}</li>
        )}
      </ul>
    </section>
  );
}
