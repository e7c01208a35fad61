// Any list of record items as a table: plain for short lists, virtualised for long ones.
import type { RecordItem } from '../../../common/record';
import { formatDate, sourceNames } from '../../../common/summary';
import { SourceTag } from '../components/SourceTag';
import { VirtualTable, type Column } from '../components/VirtualTable';

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
  { header: 'Status', cell: (i) => i.status ?? '', className: 'wx-col-status' },
  { header: 'Source', cell: (i) => <SourceTag sources={sourceNames(i)} />, className: 'wx-col-source' },
];

export function ItemTable({ items, label, testId }: { items: RecordItem[]; label: string; testId?: string }) {
  if (!items.length) return <p className="wx-muted">None recorded in the sources that answered.</p>;
  if (items.length >= VIRTUALISE_FROM) {
    return <VirtualTable rows={items} columns={columns} label={label} testId={testId} />;
  }
  return (
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
  );
}
