// Any list of record items as a table: plain for short lists, virtualised for long ones. Above it, what the
// section may honestly say: "None recorded" only when complete, otherwise which source is missing and why.
import { Fragment, useContext, useMemo, useState, type ReactNode } from 'react';
import type { RecordItem, SectionId } from '../../../common/record';
import { formatDate, type PagedSection } from '../../../common/summary';
import type { RecordPage } from '../../../preload/contract';
import { invoke } from '../bridge';
import { DeceasedMarker } from '../components/DeceasedMarker';
import { EmptyOrStatus } from '../components/SectionStatus';
import { SourceTag } from '../components/SourceTag';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { useRecordView, useSectionNotice } from '../state/recordView';
import { rowsOf, usePagedRows, type PagedRows } from '../state/usePagedRows';
import { DISSENT_WITHHELD_TEXT, HiddenSections, WithheldByDissent } from './SummarySections';

const VIRTUALISE_FROM = 150;

/** An entry that opens to show more (an encounter's detail): its name is the disclosure button. */
interface Disclosure {
  isOpen: (item: RecordItem) => boolean;
  toggle: (item: RecordItem) => void;
  controls: (item: RecordItem) => string;
}

function columnsFor(disclosure?: Disclosure): Column<RecordItem>[] {
  return [
    {
      header: 'Date',
      cell: (i) => (i.date ? formatDate(i.date) : 'Not recorded'),
      className: 'wx-col-date',
    },
    {
      header: 'Entry',
      cell: (i) => (
        <>
          {disclosure ? (
            <button
              type="button"
              className="wx-linkbutton wx-disclosure"
              aria-expanded={disclosure.isOpen(i)}
              aria-controls={disclosure.isOpen(i) ? disclosure.controls(i) : undefined}
              onClick={() => disclosure.toggle(i)}
              data-testid="entry-disclosure"
            >
              {i.display}
            </button>
          ) : (
            i.display
          )}
          {i.conflict && <span className="wx-conflict wx-block">Sources disagree: {i.conflict}</span>}
        </>
      ),
      className: 'wx-col-main',
    },
    {
      header: 'Status',
      cell: (i) => (
        <>
          {i.status ?? ''}
          <DeceasedMarker item={i} />
        </>
      ),
      className: 'wx-col-status',
    },
    { header: 'Source', cell: (i) => <SourceTag provenance={i.provenance} />, className: 'wx-col-source' },
  ];
}

const columns = columnsFor();

/**
 * `section`: whose completeness applies (and whether this role may see it). `inSection`: the table sits
 * inside a SectionShell, which already says whether the section is complete, hidden or withheld.
 * `items`: the whole list; or `paged`: a long list whose pages main sends as they come into view.
 * `detail`: what an entry shows when opened (its name becomes a disclosure button): under its row in a short
 * table, under the table in a long (virtualised) one.
 */
export function ItemTable({
  items,
  paged,
  label,
  section,
  inSection = false,
  testId,
  detail,
}: {
  items?: RecordItem[];
  paged?: PagedRows<RecordItem>;
  label: string;
  section: SectionId;
  inSection?: boolean;
  testId?: string;
  detail?: (item: RecordItem) => ReactNode;
}) {
  const count = paged ? paged.count : (items?.length ?? 0);
  const [opened, setOpened] = useState<RecordItem[]>([]);
  const virtual = count >= VIRTUALISE_FROM;
  const cols = useMemo(() => {
    if (!detail) return columns;
    const isOpen = (item: RecordItem) => opened.some((o) => o.key === item.key);
    return columnsFor({
      isOpen,
      // A long table shows one entry's detail at a time, under the table.
      toggle: (item) =>
        setOpened(
          isOpen(item) ? opened.filter((o) => o.key !== item.key) : virtual ? [item] : [...opened, item],
        ),
      controls: (item) => (virtual ? 'entry-detail' : `entry-detail-${item.key}`),
    });
  }, [detail, opened, virtual]);
  const notice = useSectionNotice(section, count === 0);
  const hidden = useContext(HiddenSections).includes(section);
  const dissent = useContext(WithheldByDissent);
  const whole = useMemo(() => rowsOf(items ?? []), [items]);
  if (!inSection && (hidden || dissent)) {
    return <p className="wx-muted">{hidden ? 'Not available for your role.' : DISSENT_WITHHELD_TEXT}</p>;
  }
  const status = inSection ? null : <EmptyOrStatus notice={notice} empty={count === 0} />;
  if (!count) return status;
  const problem = paged?.error && (
    <p className="wx-error" role="alert">
      Some of these entries could not be shown: {paged.error}
    </p>
  );
  if (paged && !paged.ready) {
    return (
      <>
        {status}
        {problem || (
          <p role="status" className="wx-muted">
            Loading the entries…
          </p>
        )}
      </>
    );
  }
  if (count >= VIRTUALISE_FROM) {
    return (
      <>
        {status}
        {problem}
        <VirtualTable rows={paged ?? whole} columns={cols} label={label} testId={testId} />
        {detail && (
          <div id="entry-detail" className="wx-entry-detail" data-testid="entry-detail" aria-live="polite">
            {opened[0] && detail(opened[0])}
          </div>
        )}
      </>
    );
  }
  const rows = paged ? pageRows(paged) : (items ?? []);
  return (
    <>
      {status}
      {problem}
      <table className="nhsuk-table wx-table" data-testid={testId}>
        <caption className="nhsuk-u-visually-hidden">{label}</caption>
        <thead>
          <tr>
            {cols.map((c) => (
              <th scope="col" key={c.header}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((i) => (
            <Fragment key={i.key}>
              <tr>
                {cols.map((c) => (
                  <td key={c.header}>{c.cell(i)}</td>
                ))}
              </tr>
              {detail && opened.some((o) => o.key === i.key) && (
                <tr id={`entry-detail-${i.key}`} className="wx-entry-detail-row">
                  <td colSpan={cols.length} className="wx-entry-detail" data-testid="entry-detail">
                    {detail(i)}
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** A short list's rows, all in its first page. */
function pageRows(paged: PagedRows<RecordItem>): RecordItem[] {
  const rows: RecordItem[] = [];
  for (let i = 0; i < paged.count; i++) {
    const row = paged.at(i);
    if (row) rows.push(row);
  }
  return rows;
}

/** One long section of the opened record (encounters, procedures, appointments, other), asked of main in pages. */
export function PagedItemTable({
  section,
  total,
  order = 'newest-first',
  ...table
}: {
  section: Exclude<PagedSection, 'results'>;
  /** The overview's count for the section. */
  total: number;
  order?: 'newest-first' | 'oldest-first';
  label: string;
  testId?: string;
  detail?: (item: RecordItem) => ReactNode;
}) {
  const { nhsNumber, requestId } = useRecordView();
  const fetchPage = useMemo(
    () =>
      requestId
        ? (offset: number, limit: number) =>
            invoke('record:items', { nhsNumber, requestId, section, offset, limit, order })
        : undefined,
    [nhsNumber, requestId, section, order],
  );
  return (
    <PagedSectionTable
      key={`${requestId ?? 'loading'}:${order}`}
      section={section}
      total={total}
      fetchPage={fetchPage}
      {...table}
    />
  );
}

function PagedSectionTable({
  section,
  total,
  fetchPage,
  label,
  testId,
  detail,
}: {
  section: SectionId;
  total: number;
  fetchPage: ((offset: number, limit: number) => Promise<RecordPage<RecordItem>>) | undefined;
  label: string;
  testId?: string;
  detail?: (item: RecordItem) => ReactNode;
}) {
  const paged = usePagedRows(total, fetchPage);
  // Still loading the record: the section's notice says what is awaited.
  if (!fetchPage) return <ItemTable items={[]} label={label} section={section} testId={testId} />;
  return (
    <ItemTable
      paged={paged}
      label={label}
      section={section}
      testId={testId}
      {...(detail ? { detail } : {})}
    />
  );
}
