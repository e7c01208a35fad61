// One chronological view of the record: encounters, results, documents, medicines started and stopped and
// problems, newest first under month headings, filtered by source, type and date range. Main builds it from
// the record it holds and sends it a page at a time; above it, what the timeline may be missing.
import { useContext, useEffect, useMemo, useState } from 'react';
import { londonDate } from '../../../common/london-date';
import type { SourceStatus } from '../../../common/record';
import {
  TIMELINE_KINDS,
  TIMELINE_KIND_LABELS,
  formatDate,
  sourceLines,
  timelineNotice,
  type TimelineKind,
  type TimelineRow,
} from '../../../common/summary';
import type { BridgeArgs } from '../../../preload/contract';
import { invoke } from '../bridge';
import { SectionStatus } from '../components/SectionStatus';
import { SourceTag } from '../components/SourceTag';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { useRecordView } from '../state/recordView';
import { PAGE_ROWS, usePagedRows } from '../state/usePagedRows';
import { DISSENT_WITHHELD_TEXT, HiddenSections, WithheldByDissent } from './SummarySections';

type TimelineFilter = Omit<BridgeArgs<'record:timeline'>, 'nhsNumber' | 'requestId' | 'offset' | 'limit'>;

const VIRTUALISE_FROM = 150;
const DAY = 86_400_000;

/** The UK calendar day (Europe/London) of an instant, as a date field holds it. */
const isoDay = (at: number) => londonDate(new Date(at));
const VALID_DAY = /^\d{4}-\d{2}-\d{2}$/;

const columns: Column<TimelineRow>[] = [
  {
    header: 'Date',
    cell: (r) =>
      r.type === 'month' ? <strong>{r.label}</strong> : r.date ? formatDate(r.date) : 'Not recorded',
    className: 'wx-col-date',
  },
  {
    header: 'Type',
    cell: (r) => (r.type === 'month' ? '' : TIMELINE_KIND_LABELS[r.kind]),
    className: 'wx-col-kind',
  },
  {
    header: 'Entry',
    cell: (r) =>
      r.type === 'month' ? (
        <span className="wx-muted">{entriesText(r.count)}</span>
      ) : (
        <>
          <bdi>{r.what}</bdi>
          {r.detail && (
            <span className="wx-muted">
              {' '}
              · <bdi>{r.detail}</bdi>
            </span>
          )}
        </>
      ),
    className: 'wx-col-main',
  },
  {
    header: 'Source',
    cell: (r) => (r.type === 'month' ? '' : <SourceTag provenance={r.provenance} />),
    className: 'wx-col-source',
  },
];

function entriesText(n: number): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? 'entry' : 'entries'}`;
}

export function TimelineView({
  sources,
  heldApart,
}: {
  sources: SourceStatus[];
  /** Sources whose patient may be someone else: their entries are not on the timeline, and it says so. */
  heldApart: readonly { sourceId: string; sourceName: string }[];
}) {
  const { completeness, now, pendingSources } = useRecordView();
  const hidden = useContext(HiddenSections);
  const dissent = useContext(WithheldByDissent);
  // The record locator holds pointers, not entries, and a held-apart source's entries are kept off the
  // timeline: neither has anything on it to filter.
  const lines = useMemo(
    () =>
      sourceLines(
        sources.filter((s) => s.kind !== 'locator' && !heldApart.some((h) => h.sourceId === s.id)),
        now,
      ),
    [sources, heldApart, now],
  );
  const [kinds, setKinds] = useState<readonly TimelineKind[]>(TIMELINE_KINDS);
  // The sources the clinician unticked: a source that reports after the tab opened is shown, not left out.
  const [untickedSources, setUntickedSources] = useState<readonly string[]>([]);
  const chosenSources = useMemo(
    () => lines.map((s) => s.id).filter((id) => !untickedSources.includes(id)),
    [lines, untickedSources],
  );
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');

  const toggle = <T,>(list: readonly T[], value: T, on: boolean, order: readonly T[]) =>
    order.filter((v) => (v === value ? on : list.includes(v)));
  const rangeWrong = !!from && !!to && from > to;
  const filter = useMemo<TimelineFilter>(
    () => ({
      ...(kinds.length < TIMELINE_KINDS.length ? { kinds: [...kinds] } : {}),
      ...(chosenSources.length < lines.length ? { sources: [...chosenSources] } : {}),
      ...(VALID_DAY.test(from) ? { from } : {}),
      ...(VALID_DAY.test(to) ? { to } : {}),
    }),
    [kinds, chosenSources, lines.length, from, to],
  );
  const notice = timelineNotice(completeness, kinds, {
    now,
    hiddenSections: hidden,
    pendingSources,
    heldApart: heldApart.map((h) => h.sourceName),
  });
  const quick = (days?: number) => {
    setFrom(days === undefined ? '' : isoDay(now.getTime() - days * DAY));
    setTo('');
  };

  return (
    <div data-testid="view-timeline" className="wx-timeline">
      <h2>Timeline</h2>
      {dissent ? (
        <p className="wx-muted">{DISSENT_WITHHELD_TEXT}</p>
      ) : (
        <>
          <div className="wx-timeline__filters" data-testid="timeline-filters">
            <fieldset className="wx-view-choice" data-testid="timeline-types">
              <legend className="wx-view-choice__legend">Type</legend>
              {TIMELINE_KINDS.map((kind) => (
                <label key={kind} className="wx-view-choice__option">
                  <input
                    type="checkbox"
                    checked={kinds.includes(kind)}
                    onChange={(e) => setKinds(toggle(kinds, kind, e.target.checked, TIMELINE_KINDS))}
                  />{' '}
                  {TIMELINE_KIND_LABELS[kind]}
                </label>
              ))}
            </fieldset>
            <fieldset className="wx-view-choice" data-testid="timeline-sources">
              <legend className="wx-view-choice__legend">Source</legend>
              {lines.map((s) => (
                <label key={s.id} className="wx-view-choice__option">
                  <input
                    type="checkbox"
                    checked={chosenSources.includes(s.id)}
                    onChange={(e) =>
                      setUntickedSources(
                        e.target.checked
                          ? untickedSources.filter((id) => id !== s.id)
                          : [...untickedSources, s.id],
                      )
                    }
                  />{' '}
                  <bdi>{s.name}</bdi>
                  {s.problem || s.savedCopy ? ` (${s.stateInSentence})` : ''}
                </label>
              ))}
            </fieldset>
            <fieldset className="wx-view-choice" data-testid="timeline-dates">
              <legend className="wx-view-choice__legend">Dates</legend>
              <label className="wx-view-choice__option">
                From{' '}
                <input
                  type="date"
                  value={from}
                  max={to || undefined}
                  onChange={(e) => setFrom(e.target.value)}
                  data-testid="timeline-from"
                />
              </label>
              <label className="wx-view-choice__option">
                To{' '}
                <input
                  type="date"
                  value={to}
                  min={from || undefined}
                  onChange={(e) => setTo(e.target.value)}
                  data-testid="timeline-to"
                />
              </label>
              <button type="button" className="wx-linkbutton" onClick={() => quick(30)}>
                Last 30 days
              </button>
              <button type="button" className="wx-linkbutton" onClick={() => quick(365)}>
                Last year
              </button>
              <button type="button" className="wx-linkbutton" onClick={() => quick()}>
                All dates
              </button>
            </fieldset>
          </div>
          {!notice.complete && (
            <SectionStatus
              notice={{
                complete: false,
                tone: 'incomplete',
                heading: 'This timeline may be incomplete:',
                lines: notice.lines,
              }}
            />
          )}
          {rangeWrong ? (
            <p className="wx-error" role="alert">
              The “from” date is after the “to” date: nothing can match. Change one of them.
            </p>
          ) : !kinds.length || !chosenSources.length ? (
            <p className="wx-muted" role="status">
              Choose at least one {kinds.length ? 'source' : 'type'} to see entries.
            </p>
          ) : (
            <PagedTimeline key={JSON.stringify(filter)} filter={filter} complete={notice.complete} />
          )}
        </>
      )}
    </div>
  );
}

interface Counts {
  entries: number;
  undatedHidden: number;
}

function PagedTimeline({ filter, complete }: { filter: TimelineFilter; complete: boolean }) {
  const { nhsNumber, requestId } = useRecordView();
  const [counts, setCounts] = useState<Counts>();
  const fetchPage = useMemo(
    () =>
      requestId
        ? (offset: number, limit: number) =>
            invoke('record:timeline', { nhsNumber, requestId, offset, limit, ...filter }).then((page) => {
              setCounts({ entries: page.entries, undatedHidden: page.undatedHidden });
              return page;
            })
        : undefined,
    [nhsNumber, requestId, filter],
  );
  const paged = usePagedRows<TimelineRow>(0, fetchPage);
  useEffect(() => {
    if (!paged.ready) return;
    requestAnimationFrame(() => {
      window.__wessexTimelinePaintedAt = performance.now();
    });
  }, [paged.ready]);

  if (paged.error) {
    return (
      <p className="wx-error" role="alert">
        The timeline could not be shown: {paged.error}
      </p>
    );
  }
  if (!paged.ready || !counts) {
    return (
      <p role="status" className="wx-muted">
        Loading the timeline…
      </p>
    );
  }
  const filtered = Object.keys(filter).length > 0;
  const status = (
    <p role="status" data-testid="timeline-count">
      <strong>{entriesText(counts.entries)}</strong>
      {filtered ? ' match these filters' : ''}, newest first.
      {counts.undatedHidden > 0 &&
        ` ${entriesText(counts.undatedHidden)} with no date ${counts.undatedHidden === 1 ? 'is' : 'are'} not shown while a date range is set.`}
    </p>
  );
  if (!counts.entries) {
    return (
      <>
        {status}
        <p className="wx-muted" data-testid="timeline-empty">
          {complete
            ? filtered
              ? 'Nothing recorded matches these filters.'
              : 'None recorded.'
            : 'No entries shown, but this timeline may be incomplete (see above).'}
        </p>
      </>
    );
  }
  if (paged.count >= VIRTUALISE_FROM) {
    return (
      <>
        {status}
        <VirtualTable rows={paged} columns={columns} label="Timeline" testId="timeline-table" />
      </>
    );
  }
  const rows: TimelineRow[] = [];
  for (let i = 0; i < Math.min(paged.count, PAGE_ROWS); i++) {
    const row = paged.at(i);
    if (row) rows.push(row);
  }
  return (
    <>
      {status}
      <table className="nhsuk-table wx-table" data-testid="timeline-table">
        <caption className="nhsuk-u-visually-hidden">Timeline, newest first</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c.header}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        {groups(rows).map(({ month, entries }) => (
          <tbody key={month.key} data-testid="timeline-month">
            <tr className="wx-timeline__month">
              <th scope="colgroup" colSpan={columns.length}>
                {month.label} <span className="wx-muted">({entriesText(month.count)})</span>
              </th>
            </tr>
            {entries.map((r) => (
              <tr key={r.key} data-testid="timeline-entry">
                {columns.map((c) => (
                  <td key={c.header} className={c.className}>
                    {c.cell(r)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        ))}
      </table>
    </>
  );
}

/** Month headings with the entries under each (a short timeline's rows, all in its first page). */
function groups(rows: TimelineRow[]) {
  const out: { month: Extract<TimelineRow, { type: 'month' }>; entries: TimelineRow[] }[] = [];
  for (const row of rows) {
    if (row.type === 'month') out.push({ month: row, entries: [] });
    else out[out.length - 1]?.entries.push(row);
  }
  return out;
}

declare global {
  interface Window {
    __wessexTimelinePaintedAt?: number;
  }
}
