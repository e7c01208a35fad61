// A long list of the opened record, asked of main a page at a time as the table scrolls to it: the renderer
// never holds the whole list. Mount the list under a React key naming the record, filter and order, so a new
// list starts from nothing.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RecordPage } from '../../../preload/contract';
import { errorMessage } from '../bridge';

export const PAGE_ROWS = 200;

/** Rows a table can show: all of them, or pages of them (`at(i)` undefined until its page arrives). */
export interface RowSource<T> {
  count: number;
  at(index: number): T | undefined;
  /** Ask for the rows start…end (the rows in view); nothing to do for rows already held. */
  want(start: number, end: number): void;
}

export interface PagedRows<T> extends RowSource<T> {
  /** Whether the first page has arrived. */
  ready: boolean;
  error?: string;
}

export function rowsOf<T>(rows: readonly T[]): RowSource<T> {
  return { count: rows.length, at: (i) => rows[i], want: () => undefined };
}

interface Loaded<T> {
  pages: ReadonlyMap<number, readonly T[]>;
  total: number;
  error?: string;
}

/**
 * `fetchPage` (memoised by the caller) is undefined until there is a record to ask. `arrivedFirstPage`, read once,
 * gives the first page if it is already here (asked for ahead), to draw in the first render.
 */
export function usePagedRows<T>(
  expectedTotal: number,
  fetchPage: ((offset: number, limit: number) => Promise<RecordPage<T>>) | undefined,
  arrivedFirstPage?: () => RecordPage<T> | undefined,
): PagedRows<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>(() => {
    const first = arrivedFirstPage?.();
    return first
      ? { pages: new Map([[0, first.rows]]), total: first.total }
      : { pages: new Map(), total: expectedTotal };
  });
  const asked = useRef(new Set(loaded.pages.keys()));

  const want = useCallback(
    (start: number, end: number) => {
      if (!fetchPage) return;
      for (let page = Math.floor(start / PAGE_ROWS); page <= Math.floor(end / PAGE_ROWS); page++) {
        if (asked.current.has(page)) continue;
        asked.current.add(page);
        fetchPage(page * PAGE_ROWS, PAGE_ROWS).then(
          (answer) =>
            setLoaded((l) => ({
              pages: new Map(l.pages).set(page, answer.rows),
              total: answer.total,
            })),
          // Not asked again by itself (a page that fails would fail again in a loop): the error is shown.
          (e: unknown) => setLoaded((l) => ({ ...l, error: errorMessage(e) })),
        );
      }
    },
    [fetchPage],
  );
  useEffect(() => want(0, 0), [want]);

  const { pages, total, error } = loaded;
  const at = useCallback(
    (index: number) => pages.get(Math.floor(index / PAGE_ROWS))?.[index % PAGE_ROWS],
    [pages],
  );
  return { count: total, at, want, ready: pages.has(0), ...(error ? { error } : {}) };
}
