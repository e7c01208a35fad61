// Every reading of one test, newest first, asked of main a page at a time (a daily reading over years is
// thousands of rows), with a way back to where the clinician came from.
import { useEffect, useMemo, useRef } from 'react';
import { formatDate, type ShownResultRow } from '../../../common/summary';
import { invoke } from '../bridge';
import { ResultFlag } from '../components/ResultFlag';
import { SourceTag } from '../components/SourceTag';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { useRecordView } from '../state/recordView';
import { usePagedRows } from '../state/usePagedRows';

const columns: Column<ShownResultRow>[] = [
  { header: 'Date', cell: (r) => (r.date ? formatDate(r.date) : 'Not recorded'), className: 'wx-col-date' },
  { header: 'Result', cell: (r) => r.value, className: 'wx-col-value' },
  { header: 'Reference range', cell: (r) => r.range ?? '—', className: 'wx-col-range' },
  { header: 'Flag', cell: (r) => <ResultFlag flag={r.flag} derived={r.derived} />, className: 'wx-col-flag' },
  { header: 'Source', cell: (r) => <SourceTag provenance={r.item.provenance} />, className: 'wx-col-source' },
];

export interface OpenTest {
  testKey: string;
  name: string;
}

export function ResultHistory({
  test,
  backLabel,
  onBack,
}: {
  test: OpenTest;
  backLabel: string;
  onBack: () => void;
}) {
  const { nhsNumber, requestId } = useRecordView();
  const fetchPage = useMemo(
    () =>
      requestId
        ? (offset: number, limit: number) =>
            invoke('record:result-history', { nhsNumber, requestId, testKey: test.testKey, offset, limit })
        : undefined,
    [nhsNumber, requestId, test.testKey],
  );
  const rows = usePagedRows(0, fetchPage);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section aria-labelledby="h-result-history" data-testid="result-history">
      <button type="button" className="wx-linkbutton wx-back" onClick={onBack}>
        {backLabel}
      </button>
      <h3 id="h-result-history" ref={heading} tabIndex={-1}>
        History: <span>{test.name}</span>
        {rows.ready &&
          ` (${rows.count.toLocaleString('en-GB')} ${rows.count === 1 ? 'reading' : 'readings'})`}
      </h3>
      {rows.error && (
        <p className="wx-error" role="alert">
          The history could not be shown: {rows.error}
        </p>
      )}
      {!rows.ready ? (
        !rows.error && <p role="status">Loading the history…</p>
      ) : rows.count === 0 ? (
        <p className="wx-muted">No reading of this test is in the record shown.</p>
      ) : (
        <VirtualTable
          rows={rows}
          columns={columns}
          label={`Every ${test.name} result, newest first`}
          testId="result-history-table"
        />
      )}
    </section>
  );
}
