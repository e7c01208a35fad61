// A table that renders only the rows in view, so thousands of results stay fast. ARIA table roles keep
// it a table for screen readers (aria-rowcount/aria-rowindex say where each visible row sits).
// Rows are keyed by their slot in the window, not by record: scrolling then rewrites the text of the same
// few DOM rows instead of creating new ones, whose style matching against the NHS.UK stylesheet cost
// 7–200 ms a frame. The window moves with one transform; rows have a fixed height and are never measured.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type ReactNode } from 'react';
import type { RowSource } from '../state/usePagedRows';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
}

const ROW_HEIGHT = 40;

export function VirtualTable<T>({
  rows,
  columns,
  label,
  testId,
}: {
  rows: RowSource<T>;
  columns: Column<T>[];
  label: string;
  testId?: string;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualiser is read during render by design
  const virtualizer = useVirtualizer({
    count: rows.count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  const want = rows.want;
  useEffect(() => want(first, last), [want, first, last]);
  const template = `wx-vtable--cols-${columns.length}`;
  return (
    <div className={`wx-vtable ${template}`} role="table" aria-label={label} aria-rowcount={rows.count + 1}>
      <div role="rowgroup">
        <div role="row" aria-rowindex={1} className="wx-vtable__row wx-vtable__head">
          {columns.map((c) => (
            <span role="columnheader" key={c.header} className={c.className}>
              {c.header}
            </span>
          ))}
        </div>
      </div>
      <div
        ref={scrollRef}
        className="wx-vtable__scroll"
        tabIndex={0}
        role="rowgroup"
        aria-label={`${label}: ${rows.count} rows, scroll to see more`}
        data-testid={testId}
      >
        <div className="wx-vtable__spacer" style={{ height: virtualizer.getTotalSize() }}>
          <div className="wx-vtable__window" style={{ transform: `translateY(${items[0]?.start ?? 0}px)` }}>
            {items.map((v, slot) => {
              const row = rows.at(v.index);
              return (
                <div role="row" aria-rowindex={v.index + 2} key={slot} className="wx-vtable__row">
                  {row === undefined ? (
                    <span role="cell" className="wx-muted wx-vtable__loading">
                      Loading…
                    </span>
                  ) : (
                    columns.map((c) => (
                      <span role="cell" key={c.header} className={c.className}>
                        {c.cell(row)}
                      </span>
                    ))
                  )}
                </div>
              );
            })}
          </div>
        </div>
      </div>
    </div>
  );
}
