import { useEffect, useMemo, useState } from 'react';
import { formatDate, type ResultRow } from '../../../common/summary';
import type { BridgeResults, RecordPage } from '../../../preload/contract';
import { errorMessage, invoke } from '../bridge';
import { EmptyOrStatus } from '../components/SectionStatus';
import { SourceTag } from '../components/SourceTag';
import { TrendChart } from '../components/TrendChart';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { useListCount, useRecordView, useSectionNotice } from '../state/recordView';
import { usePagedRows } from '../state/usePagedRows';
import { usePreferences } from '../state/usePreferences';
import { ViewChoice } from './ViewChoice';

const FLAG_LABEL = { high: 'High', low: 'Low', abnormal: 'Abnormal', critical: 'Critical' } as const;

const columns: Column<ResultRow>[] = [
  { header: 'Date', cell: (r) => (r.date ? formatDate(r.date) : 'Not recorded'), className: 'wx-col-date' },
  { header: 'Test', cell: (r) => r.name, className: 'wx-col-main' },
  { header: 'Result', cell: (r) => r.value, className: 'wx-col-value' },
  { header: 'Reference range', cell: (r) => r.range ?? '—', className: 'wx-col-range' },
  {
    header: 'Flag',
    cell: (r) =>
      r.flag ? (
        <>
          <strong className="wx-tag wx-tag--warn">{FLAG_LABEL[r.flag]}</strong>
          {r.derived && <span className="wx-muted wx-block">{r.derived}</span>}
        </>
      ) : (
        ''
      ),
    className: 'wx-col-flag',
  },
  {
    header: 'Source',
    cell: (r) => <SourceTag provenance={r.item.provenance} />,
    className: 'wx-col-source',
  },
];

type Trends = BridgeResults['record:trends'];

/** Results and vitals of the opened record: trend charts and every row, asked of main in pages. */
export function ResultsView({ total }: { total: number }) {
  const { nhsNumber, requestId } = useRecordView();
  const { preferences, update } = usePreferences();
  const filter = preferences?.resultsFilter ?? 'all';
  const notice = useSectionNotice('results', total === 0);
  const [trends, setTrends] = useState<{ for: string; value?: Trends; error?: string }>();
  useEffect(() => {
    if (!requestId || total === 0) return;
    invoke('record:trends', { nhsNumber, requestId }).then(
      (value) => setTrends({ for: requestId, value }),
      (e: unknown) => setTrends({ for: requestId, error: errorMessage(e) }),
    );
  }, [nhsNumber, requestId, total]);
  const fetchPage = useMemo(
    () =>
      requestId
        ? (offset: number, limit: number) =>
            invoke('record:results', {
              nhsNumber,
              requestId,
              offset,
              limit,
              ...(filter === 'abnormal' ? { flaggedOnly: true } : {}),
            })
        : undefined,
    [nhsNumber, requestId, filter],
  );
  const current = trends?.for === requestId ? trends : undefined;
  return (
    <div data-testid="view-results">
      <h2>Results and vitals</h2>
      <EmptyOrStatus notice={notice} empty={total === 0} />
      {total > 0 && (
        <>
          <section aria-labelledby="h-trends">
            <h3 id="h-trends">Trends</h3>
            <TrendCharts trends={current} />
          </section>
          <ResultRows
            key={`${requestId}:${filter}`}
            total={total}
            filter={filter}
            fetchPage={fetchPage}
            onFilter={(resultsFilter) => update({ resultsFilter })}
            trendsShown={!!current}
          />
        </>
      )}
    </div>
  );
}

function TrendCharts({ trends }: { trends?: { value?: Trends; error?: string } }) {
  if (!trends) return <p role="status">Loading trends…</p>;
  if (!trends.value) {
    return (
      <p className="wx-error" role="alert">
        The trend charts could not be drawn: {trends.error}
      </p>
    );
  }
  const { charts, total } = trends.value;
  if (!charts.length) return <p className="wx-muted">No observation has been recorded more than once.</p>;
  return (
    <>
      <div className="wx-trends">
        {charts.map((s) => (
          <TrendChart key={s.key} series={s} />
        ))}
      </div>
      {total > charts.length && (
        <p className="wx-muted">
          Showing the {charts.length} most frequently recorded of {total} repeated observations.
        </p>
      )}
    </>
  );
}

function ResultRows({
  total,
  filter,
  fetchPage,
  onFilter,
  trendsShown,
}: {
  total: number;
  filter: 'all' | 'abnormal';
  fetchPage: ((offset: number, limit: number) => Promise<RecordPage<ResultRow>>) | undefined;
  onFilter: (filter: 'all' | 'abnormal') => void;
  trendsShown: boolean;
}) {
  const rows = usePagedRows(filter === 'abnormal' ? 0 : total, fetchPage);
  const all = useListCount('results', filter === 'all' && rows.ready ? rows.count : undefined);
  useEffect(() => {
    if (!rows.ready || !trendsShown) return;
    requestAnimationFrame(() => {
      window.__wessexResultsPaintedAt = performance.now();
    });
  }, [rows.ready, trendsShown]);
  return (
    <section aria-labelledby="h-all-results">
      <h3 id="h-all-results">
        {filter === 'abnormal'
          ? rows.ready
            ? `Flagged results (${rows.count} of ${all})`
            : 'Flagged results'
          : `All results (${all})`}
      </h3>
      <ViewChoice
        legend="Show"
        name="results-filter"
        value={filter}
        options={[
          { value: 'all', label: 'All results' },
          { value: 'abnormal', label: 'Only results flagged high, low or abnormal' },
        ]}
        onChange={onFilter}
      />
      {rows.error && (
        <p className="wx-error" role="alert">
          Some results could not be shown: {rows.error}
        </p>
      )}
      {!rows.ready ? (
        !rows.error && <p role="status">Loading results…</p>
      ) : rows.count === 0 ? (
        <p className="wx-muted">No result is flagged.</p>
      ) : (
        <VirtualTable
          rows={rows}
          columns={columns}
          label={filter === 'abnormal' ? 'Flagged results, newest first' : 'All results, newest first'}
          testId="results-table"
        />
      )}
    </section>
  );
}

declare global {
  interface Window {
    __wessexResultsPaintedAt?: number;
  }
}
