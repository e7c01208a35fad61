import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { formatDate, type ShownResultRow } from '../../../common/summary';
import type { BridgeArgs, RecordPage } from '../../../preload/contract';
import { invokePrefetched, prefetch, takeArrived } from '../state/prefetched';
import { ResultFlag } from '../components/ResultFlag';
import { EmptyOrStatus } from '../components/SectionStatus';
import { SourceTag } from '../components/SourceTag';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { useListCount, useRecordView, useSectionNotice } from '../state/recordView';
import { PAGE_ROWS, usePagedRows } from '../state/usePagedRows';
import { usePreferences } from '../state/usePreferences';
import { CumulativeResults } from './CumulativeResults';
import { ResultHistory, type OpenTest } from './ResultHistory';
import { FIRST_TREND_RANGE, TrendCharts } from './TrendCharts';
import { ViewChoice } from './ViewChoice';

function resultColumns(onOpenTest: (test: OpenTest) => void): Column<ShownResultRow>[] {
  return [
    { header: 'Date', cell: (r) => (r.date ? formatDate(r.date) : 'Not recorded'), className: 'wx-col-date' },
    {
      header: 'Test',
      cell: (r) => (
        <button
          type="button"
          className="wx-linkbutton"
          title={`History of ${r.name}`}
          onClick={() => onOpenTest({ testKey: r.testKey, name: r.name })}
        >
          {r.name}
        </button>
      ),
      className: 'wx-col-main',
    },
    { header: 'Result', cell: (r) => r.value, className: 'wx-col-value' },
    { header: 'Reference range', cell: (r) => r.range ?? '—', className: 'wx-col-range' },
    {
      header: 'Flag',
      cell: (r) => <ResultFlag flag={r.flag} derived={r.derived} />,
      className: 'wx-col-flag',
    },
    {
      header: 'Source',
      cell: (r) => <SourceTag provenance={r.item.provenance} />,
      className: 'wx-col-source',
    },
  ];
}

type Arrangement = 'by-date' | 'by-panel';
type ResultsFilter = 'all' | 'abnormal';

const resultsPage = (
  nhsNumber: string,
  requestId: string,
  filter: ResultsFilter,
  offset: number,
  limit: number,
): BridgeArgs<'record:results'> => ({
  nhsNumber,
  requestId,
  offset,
  limit,
  ...(filter === 'abnormal' ? { flaggedOnly: true } : {}),
});

/**
 * Asks main for what the results view first draws (its charts and first rows), to be taken when the clinician
 * opens the view: asked once the summary has painted, it costs the open nothing.
 */
export function prefetchResultsView(nhsNumber: string, requestId: string, filter: ResultsFilter): void {
  prefetch(requestId, 'record:trends', { nhsNumber, requestId, range: FIRST_TREND_RANGE });
  prefetch(requestId, 'record:results', resultsPage(nhsNumber, requestId, filter, 0, PAGE_ROWS));
}

/**
 * Results and vitals of the opened record: trend charts for a chosen period, and every result by date or by
 * panel (cumulative), any test's whole history a click away. The long lists stay in main and come in pages.
 */
export function ResultsView({ total }: { total: number }) {
  const { requestId } = useRecordView();
  const notice = useSectionNotice('results', total === 0);
  const [trendsShown, setTrendsShown] = useState<string>();
  const onTrendsShown = useCallback(() => setTrendsShown(requestId), [requestId]);
  const [arrangement, setArrangement] = useState<Arrangement>('by-date');
  const [openTest, setOpenTest] = useState<OpenTest>();
  const resultsHeading = useRef<HTMLHeadingElement>(null);
  const back = () => {
    setOpenTest(undefined);
    requestAnimationFrame(() => resultsHeading.current?.focus());
  };
  return (
    <div data-testid="view-results">
      <h2>Results and vitals</h2>
      <EmptyOrStatus notice={notice} empty={total === 0} />
      {total > 0 && (
        <>
          <section aria-labelledby="h-trends">
            <h3 id="h-trends">Trends</h3>
            <TrendCharts onShown={onTrendsShown} />
          </section>
          {openTest ? (
            <ResultHistory
              key={`${requestId}:${openTest.testKey}`}
              test={openTest}
              backLabel={arrangement === 'by-panel' ? 'Back to the cumulative tables' : 'Back to all results'}
              onBack={back}
            />
          ) : (
            <>
              <ViewChoice
                legend="Arrange results"
                name="results-arrangement"
                value={arrangement}
                options={[
                  { value: 'by-date', label: 'By date' },
                  { value: 'by-panel', label: 'By panel (cumulative)' },
                ]}
                onChange={setArrangement}
              />
              {arrangement === 'by-panel' ? (
                <section aria-labelledby="h-cumulative">
                  <h3 id="h-cumulative" ref={resultsHeading} tabIndex={-1}>
                    Results by panel
                  </h3>
                  <CumulativeResults key={requestId} onOpenTest={setOpenTest} />
                </section>
              ) : (
                <ResultsByDate
                  total={total}
                  headingRef={resultsHeading}
                  onOpenTest={setOpenTest}
                  trendsShown={!!requestId && trendsShown === requestId}
                />
              )}
            </>
          )}
        </>
      )}
    </div>
  );
}

function ResultsByDate({
  total,
  headingRef,
  onOpenTest,
  trendsShown,
}: {
  total: number;
  headingRef: RefObject<HTMLHeadingElement | null>;
  onOpenTest: (test: OpenTest) => void;
  trendsShown: boolean;
}) {
  const { nhsNumber, requestId } = useRecordView();
  const { preferences, update } = usePreferences();
  const filter = preferences?.resultsFilter ?? 'all';
  const fetchPage = useMemo(
    () =>
      requestId
        ? (offset: number, limit: number) =>
            invokePrefetched('record:results', resultsPage(nhsNumber, requestId, filter, offset, limit))
        : undefined,
    [nhsNumber, requestId, filter],
  );
  const arrivedFirstPage = () =>
    requestId
      ? takeArrived('record:results', resultsPage(nhsNumber, requestId, filter, 0, PAGE_ROWS))
      : undefined;
  return (
    <ResultRows
      key={`${requestId}:${filter}`}
      total={total}
      filter={filter}
      fetchPage={fetchPage}
      arrivedFirstPage={arrivedFirstPage}
      onFilter={(resultsFilter) => update({ resultsFilter })}
      onOpenTest={onOpenTest}
      headingRef={headingRef}
      trendsShown={trendsShown}
    />
  );
}

function ResultRows({
  total,
  filter,
  fetchPage,
  arrivedFirstPage,
  onFilter,
  onOpenTest,
  headingRef,
  trendsShown,
}: {
  total: number;
  filter: ResultsFilter;
  fetchPage: ((offset: number, limit: number) => Promise<RecordPage<ShownResultRow>>) | undefined;
  arrivedFirstPage: () => RecordPage<ShownResultRow> | undefined;
  onFilter: (filter: ResultsFilter) => void;
  onOpenTest: (test: OpenTest) => void;
  headingRef: RefObject<HTMLHeadingElement | null>;
  trendsShown: boolean;
}) {
  const rows = usePagedRows(filter === 'abnormal' ? 0 : total, fetchPage, arrivedFirstPage);
  const all = useListCount('results', filter === 'all' && rows.ready ? rows.count : undefined);
  const columns = useMemo(() => resultColumns(onOpenTest), [onOpenTest]);
  useEffect(() => {
    if (!rows.ready || !trendsShown) return;
    requestAnimationFrame(() => {
      window.__wessexResultsPaintedAt = performance.now();
    });
  }, [rows.ready, trendsShown]);
  return (
    <section aria-labelledby="h-all-results">
      <h3 id="h-all-results" ref={headingRef} tabIndex={-1}>
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
