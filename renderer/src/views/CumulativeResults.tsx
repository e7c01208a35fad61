// Results by panel, as a lab's cumulative report prints them: each panel's tests as rows and its dates as
// columns, newest on the left, the newest few dates at a time with the older ones a click away.
import { useEffect, useState } from 'react';
import { formatDate, type CumulativePanel } from '../../../common/summary';
import { errorMessage, invoke } from '../bridge';
import { ResultFlag } from '../components/ResultFlag';
import { useRecordView } from '../state/recordView';
import type { OpenTest } from './ResultHistory';

type Loaded = { for: string; panels?: CumulativePanel[]; columns?: number; error?: string };

export function CumulativeResults({ onOpenTest }: { onOpenTest: (test: OpenTest) => void }) {
  const { nhsNumber, requestId } = useRecordView();
  const [loaded, setLoaded] = useState<Loaded>();
  useEffect(() => {
    if (!requestId) return;
    invoke('record:result-panels', { nhsNumber, requestId }).then(
      ({ panels, columns }) => setLoaded({ for: requestId, panels, columns }),
      (e: unknown) => setLoaded({ for: requestId, error: errorMessage(e) }),
    );
  }, [nhsNumber, requestId]);
  const current = loaded?.for === requestId ? loaded : undefined;
  if (!current) return <p role="status">Loading the cumulative tables…</p>;
  if (!current.panels) {
    return (
      <p className="wx-error" role="alert">
        The cumulative tables could not be shown: {current.error}
      </p>
    );
  }
  if (!current.panels.length)
    return <p className="wx-muted">No test result with a value is in the record shown.</p>;
  return (
    <div data-testid="results-cumulative">
      {current.panels.map((panel) => (
        <PanelTable key={panel.key} initial={panel} columns={current.columns ?? 8} onOpenTest={onOpenTest} />
      ))}
    </div>
  );
}

function PanelTable({
  initial,
  columns,
  onOpenTest,
}: {
  initial: CumulativePanel;
  columns: number;
  onOpenTest: (test: OpenTest) => void;
}) {
  const { nhsNumber, requestId } = useRecordView();
  const [panel, setPanel] = useState(initial);
  const [error, setError] = useState<string>();
  const headingId = `panel-${panel.key.replace(/[^A-Za-z0-9]/g, '-')}`;
  const move = (dateOffset: number) => {
    if (!requestId) return;
    setError(undefined);
    invoke('record:result-panels', { nhsNumber, requestId, panel: panel.key, dateOffset }).then(
      ({ panels }) => panels[0] && setPanel(panels[0]),
      (e: unknown) => setError(errorMessage(e)),
    );
  };
  const { dates, dateOffset, totalDates } = panel;
  const showing =
    totalDates > dates.length
      ? `showing ${dates.length} of ${totalDates.toLocaleString('en-GB')} dates` +
        (dateOffset > 0 ? ` (${dateOffset.toLocaleString('en-GB')} newer dates not shown)` : '')
      : `${totalDates} ${totalDates === 1 ? 'date' : 'dates'}`;
  return (
    <section aria-labelledby={headingId} className="wx-cumulative" data-testid="cumulative-panel">
      <h4 id={headingId}>
        <span>{panel.label}</span> <span className="wx-muted wx-cumulative__count">{showing}</span>
      </h4>
      {panel.notShown > 0 && (
        <p className="wx-muted" data-testid="panel-not-shown">
          {panel.notShown} {panel.notShown === 1 ? 'result' : 'results'} listed by these reports{' '}
          {panel.notShown === 1 ? 'is' : 'are'} not in the record shown (withheld, or not received).
        </p>
      )}
      {/* Focusable so a keyboard can scroll a table wider than the screen. */}
      <div
        className="wx-cumulative__scroll"
        tabIndex={0}
        role="region"
        aria-label={`${panel.label}: table of results by date`}
      >
        <table className="nhsuk-table wx-table wx-cumulative__table">
          <caption className="nhsuk-u-visually-hidden">
            {panel.label}: tests by date, newest date first
          </caption>
          <thead>
            <tr>
              <th scope="col">Test</th>
              <th scope="col">Reference range</th>
              {dates.map((d) => (
                <th scope="col" key={d}>
                  {d ? formatDate(d) : 'Date not recorded'}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {panel.rows.map((row) => (
              <tr key={row.testKey}>
                <th scope="row">
                  <button
                    type="button"
                    className="wx-linkbutton"
                    onClick={() => onOpenTest({ testKey: row.testKey, name: row.name })}
                  >
                    {row.name}
                  </button>
                </th>
                <td>{row.range ?? '—'}</td>
                {row.cells.map((cell, i) => (
                  <td key={dates[i]} className={cell?.flag ? 'wx-cumulative__flagged' : undefined}>
                    {cell ? (
                      <>
                        <span>{cell.value}</span> <ResultFlag flag={cell.flag} />
                        {cell.more ? (
                          <span className="wx-muted wx-block">+{cell.more} more that day</span>
                        ) : null}
                      </>
                    ) : (
                      <>
                        <span className="wx-muted" aria-hidden="true">
                          –
                        </span>
                        <span className="nhsuk-u-visually-hidden">No result</span>
                      </>
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {totalDates > dates.length && (
        <div className="wx-button-row">
          <button
            type="button"
            className="wx-linkbutton"
            disabled={dateOffset === 0}
            onClick={() => move(Math.max(0, dateOffset - columns))}
          >
            Newer dates
          </button>
          <button
            type="button"
            className="wx-linkbutton"
            disabled={dateOffset + dates.length >= totalDates}
            onClick={() => move(dateOffset + columns)}
          >
            Older dates
          </button>
        </div>
      )}
      {error && (
        <p className="wx-error" role="alert">
          Those dates could not be shown: {error}
        </p>
      )}
    </section>
  );
}
