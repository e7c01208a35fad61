// Any list of record items as a table: plain for short lists, virtualised for long ones. Above it, what the
// section may honestly say: "None recorded" only when complete, otherwise which source is missing and why.
import { useContext } from 'react';
import type { RecordItem, SectionId } from '../../../common/record';
import { formatDate } from '../../../common/summary';
import { DeceasedMarker } from '../components/DeceasedMarker';
import { EmptyOrStatus } from '../components/SectionStatus';
import { SourceTag } from '../components/SourceTag';
import { VirtualTable, type Column } from '../components/VirtualTable';
import { useSectionNotice } from '../state/recordView';
import { DISSENT_WITHHELD_TEXT, HiddenSections, WithheldByDissent } from './SummarySections';

const VIRTUALISE_FROM = 150;

const columns: Column<RecordItem>[] = [
  { header: 'Date', cell: (i) => (i.date ? formatDate(i.date) : 'Not recorded'), className: 'wx-col-date' },
  {
    header: 'Entry',
    cell: (i) => (
      <>
        {i.display}
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

/**
 * `section`: whose completeness applies (and whether this role may see it). `inSection`: the table sits
 * inside a SectionShell, which already says whether the section is complete, hidden or withheld.
 */
export function ItemTable({
  items,
  label,
  section,
  inSection = false,
  testId,
}: {
  items: RecordItem[];
  label: string;
  section: SectionId;
  inSection?: boolean;
  testId?: string;
}) {
  const notice = useSectionNotice(section, items.length === 0);
  const hidden = useContext(HiddenSections).includes(section);
  const dissent = useContext(WithheldByDissent);
  if (!inSection && (hidden || dissent)) {
    return <p className="wx-muted">{hidden ? 'Not available for your role.' : DISSENT_WITHHELD_TEXT}</p>;
  }
  const status = inSection ? null : <EmptyOrStatus notice={notice} empty={items.length === 0} />;
  if (!items.length) return status;
  if (items.length >= VIRTUALISE_FROM) {
    return (
      <>
        {status}
        <VirtualTable rows={items} columns={columns} label={label} testId={testId} />
      </>
    );
  }
  return (
    <>
      {status}
      <table className="nhsuk-table wx-table" data-testid={testId}>
        <caption className="nhsuk-u-visually-hidden">{label}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c.header}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.key}>
              {columns.map((c) => (
                <td key={c.header}>{c.cell(i)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
