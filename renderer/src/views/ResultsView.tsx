import { useEffect, useMemo } from 'react';
import { formatDate, type ResultRow, type SummaryModel } from '../../../common/summary';
import { EmptyOrStatus } from '../components/SectionStatus';
import { SourceTag } from '../components/SourceTag';
import { TrendChart } from '../components/TrendChart';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { useSectionNotice } from '../state/recordView';
import { usePreferences } from '../state/usePreferences';
import { ViewChoice } from './ViewChoice';

const FLAG_LABEL = { high: 'High', low: 'Low', abnormal: 'Abnormal', critical: 'Critical' } as const;
const MAX_CHARTS = 24;

const columns: Column<ResultRow>[] = [
  { header: 'Date', cell: (r) => (r.date ? formatDate(r.date) : 'Not recorded'), className: 'wx-col-date' },
  { header: 'Test', cell: (r) => r.name, className: 'wx-col-main' },
  { header: 'Result', cell: (r) => r.value, className: 'wx-col-value' },
  { header: 'Reference range', cell: (r) => r.range ?? '—', className: 'wx-col-range' },
  {
    header: 'Flag',
    cell: (r) => (r.flag ? <strong className="wx-tag wx-tag--warn">{FLAG_LABEL[r.flag]}</strong> : ''),
    className: 'wx-col-flag',
  },
  {
    header: 'Source',
    cell: (r) => <SourceTag provenance={r.item.provenance} />,
    className: 'wx-col-source',
  },
];

export function ResultsView({ model }: { model: SummaryModel }) {
  useEffect(() => {
    requestAnimationFrame(() => {
      window.__wessexResultsPaintedAt = performance.now();
    });
  }, [model]);
  const charts = model.trends.slice(0, MAX_CHARTS);
  const { preferences, update } = usePreferences();
  const notice = useSectionNotice('results', model.results.length === 0);
  const filter = preferences?.resultsFilter ?? 'all';
  const rows = useMemo(
    () => (filter === 'abnormal' ? model.results.filter((r) => r.flag) : model.results),
    [model, filter],
  );
  return (
    <div data-testid="view-results">
      <h2>Results and vitals</h2>
      <EmptyOrStatus notice={notice} empty={model.results.length === 0} />
      {model.results.length > 0 && (
        <>
          <section aria-labelledby="h-trends">
            <h3 id="h-trends">Trends</h3>
            {charts.length === 0 ? (
              <p className="wx-muted">No observation has been recorded more than once.</p>
            ) : (
              <div className="wx-trends">
                {charts.map((s) => (
                  <TrendChart key={s.key} series={s} />
                ))}
              </div>
            )}
            {model.trends.length > charts.length && (
              <p className="wx-muted">
                Showing the {charts.length} most frequently recorded of {model.trends.length} repeated
                observations.
              </p>
            )}
          </section>
          <section aria-labelledby="h-all-results">
            <h3 id="h-all-results">
              {filter === 'abnormal'
                ? `Flagged results (${rows.length} of ${model.results.length})`
                : `All results (${model.results.length})`}
            </h3>
            <ViewChoice
              legend="Show"
              name="results-filter"
              value={filter}
              options={[
                { value: 'all', label: 'All results' },
                { value: 'abnormal', label: 'Only results flagged high, low or abnormal' },
              ]}
              onChange={(resultsFilter) => update({ resultsFilter })}
            />
            {rows.length === 0 ? (
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
        </>
      )}
    </div>
  );
}

declare global {
  interface Window {
    __wessexResultsPaintedAt?: number;
  }
}
