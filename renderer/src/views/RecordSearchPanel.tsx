// Search within the opened record: every entry of every section (main holds the whole record; the screen
// gets the newest matches and how many there are).
import { useEffect, useState, type FormEvent } from 'react';
import { formatDate, SECTION_TITLES, sourcesText } from '../../../common/summary';
import type { BridgeResults } from '../../../preload/contract';
import { errorMessage, invoke } from '../bridge';
import { useRecordView } from '../state/recordView';

type Found = BridgeResults['record:search'] & { query: string };

export function RecordSearchPanel() {
  const { nhsNumber, requestId } = useRecordView();
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Found>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (!found) return;
    requestAnimationFrame(() => {
      window.__wessexSearchPaintedAt = performance.now();
    });
  }, [found]);
  const search = (event: FormEvent) => {
    event.preventDefault();
    const asked = query.trim();
    if (!asked || !requestId) return;
    setError(undefined);
    invoke('record:search', { nhsNumber, requestId, query: asked }).then(
      (result) => setFound({ ...result, query: asked }),
      (e: unknown) => setError(errorMessage(e)),
    );
  };
  return (
    <div className="wx-search wx-screen-only">
      <form role="search" aria-label="Search this record" onSubmit={search}>
        <label htmlFor="record-search" className="nhsuk-u-visually-hidden">
          Search this record
        </label>
        <input
          id="record-search"
          type="search"
          value={query}
          maxLength={100}
          placeholder="Search this record"
          onChange={(e) => setQuery(e.target.value)}
          disabled={!requestId}
          data-testid="record-search"
        />{' '}
        <button
          type="submit"
          className="nhsuk-button nhsuk-button--secondary wx-button-small"
          disabled={!requestId}
        >
          Search
        </button>
      </form>
      {error && <p role="alert">{error}</p>}
      {found && (
        <section aria-label="Search results" data-testid="search-results">
          <p role="status">
            {found.total === 0
              ? `Nothing in this record matches “${found.query}”.`
              : `${found.total.toLocaleString('en-GB')} ${found.total === 1 ? 'entry matches' : 'entries match'} “${found.query}”${found.total > found.hits.length ? `; the newest ${found.hits.length} are shown` : ''}.`}{' '}
            <button type="button" className="wx-linkbutton" onClick={() => setFound(undefined)}>
              Clear search
            </button>
          </p>
          <ul className="wx-list">
            {found.hits.map((h) => (
              <li key={h.key} className="wx-list__item">
                <strong>{h.display}</strong>
                <span className="wx-muted">
                  {' '}
                  · {SECTION_TITLES[h.section]} · {h.date ? formatDate(h.date) : 'date not recorded'}
                  {h.status ? ` · ${h.status}` : ''} · {sourcesText(h.sources)}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

declare global {
  interface Window {
    __wessexSearchPaintedAt?: number;
  }
}
