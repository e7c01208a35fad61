import { sourceLines } from '../../../common/summary';
import type { SourceStatus } from '../../../common/record';
import { useRecordView } from '../state/recordView';

/** Nothing came back from any source: say so plainly, why for each source, and offer to try again. */
export function NoRecord({ sources, onRetry }: { sources: SourceStatus[]; onRetry: () => void }) {
  const { now } = useRecordView();
  const lines = sourceLines(sources, now);
  return (
    <section
      className="wx-notice wx-notice--danger wx-no-record"
      aria-labelledby="h-no-record"
      data-testid="no-record"
    >
      <h2 id="h-no-record">No record could be retrieved</h2>
      <p>
        None of the record sources returned anything for this patient, so there is nothing to print or save.
        This does not mean the patient has no record.
      </p>
      {lines.length ? (
        <ul>
          {lines.map((s) => (
            <li key={s.id} data-source={s.id}>
              <SourceSays name={s.name} message={s.message} otherwise={s.stateInSentence} />
              {s.warnings.length > 0 && ` — ${s.warnings.join('; ')}`}
            </li>
          ))}
        </ul>
      ) : (
        <p>No record sources are configured.</p>
      )}
      <button type="button" className="nhsuk-button" onClick={onRetry}>
        Try again
      </button>
    </section>
  );
}

/**
 * The source's own sentence with its name in bold ("**CHIE** could not be reached: the server refused the
 * connection"); a message that does not start with the name, or none, after it ("**CHIE**: not reached").
 */
function SourceSays({ name, message, otherwise }: { name: string; message?: string; otherwise: string }) {
  if (message?.startsWith(`${name} `)) {
    return (
      <>
        <strong>{name}</strong> {message.slice(name.length + 1)}
      </>
    );
  }
  return (
    <>
      <strong>{name}</strong>: {message ?? otherwise}
    </>
  );
}
