import { formatDateTime, sourceLines } from '../../../common/summary';
import type { SourceStatus } from '../../../common/record';

/** Which sources answered, which failed or were partial and why, and when: on every record screen. */
export function SourceStatusPanel({ sources, loading }: { sources: SourceStatus[]; loading: boolean }) {
  const lines = sourceLines(sources);
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
            className={`wx-sources__item wx-sources__item--${line.state}`}
            data-source={line.id}
          >
            <strong>{line.name}</strong>: {line.stateLabel}
            {line.fetchedAt ? ` at ${formatDateTime(line.fetchedAt)}` : ''}
            {!loading && (line.state === 'complete' || line.state === 'partial')
              ? ` (${line.resourceCount} entries)`
              : ''}
            {line.message ? ` — ${line.message}` : ''}
            {line.warnings.length > 0 && ` — ${line.warnings.join('; ')}`}
          </li>
        ))}
        {!lines.length && (
          <li className="wx-sources__item">{loading ? 'Contacting sources…' : 'No sources.'}</li>
        )}
      </ul>
    </section>
  );
}
