// What every section on the record screen needs to say about itself: how complete it is, which sources are
// still loading, whether the patient has died, and "now" for saved-copy times ("09:14 today").
import { createContext, useContext } from 'react';
import { uniformCompleteness, type RecordCompleteness, type SectionId } from '../../../common/record';
import {
  emptyLists,
  sectionNotice,
  type PagedSection,
  type RecordOverview,
  type SectionNotice,
} from '../../../common/summary';

export interface RecordView {
  nhsNumber: string;
  /** The open whose record main holds (pages of long lists are asked of it); undefined while loading. */
  requestId?: string;
  completeness: RecordCompleteness;
  /** The long lists' totals (lower bounds where `atLeast`: an offline open's summary came first). */
  lists: RecordOverview['lists'];
  /** Names of sources that have not answered yet (for sections no progress event has described). */
  pendingSources: string[];
  now: Date;
  deceased: boolean;
  /** The whole record was opened from the offline store (the sticky banner says when it is from). */
  offline: boolean;
  /** Shows the documents view with this document (record entry key or `pointer:id`) open. */
  openDocument?: (key: string) => void;
  /** The document the documents view opens with. */
  documentToOpen?: string;
  /**
   * Set by `openDocument` until the documents view has moved the keyboard to the document it opened (and says
   * so with `documentFocused`): coming back to the view later by its tab leaves the keyboard where it is.
   */
  focusDocument?: boolean;
  documentFocused?: () => void;
}

export const RecordViewContext = createContext<RecordView>({
  nhsNumber: '',
  completeness: uniformCompleteness({ state: 'loading', gaps: [] }),
  lists: emptyLists(),
  pendingSources: [],
  now: new Date(),
  deceased: false,
  offline: false,
});

export function useRecordView(): RecordView {
  return useContext(RecordViewContext);
}

/** What one section may say: "None recorded" only when complete, otherwise which source is missing and why. */
export function useSectionNotice(section: SectionId, empty: boolean): SectionNotice {
  const view = useRecordView();
  return sectionNotice(view.completeness[section], {
    empty,
    now: view.now,
    pendingSources: view.pendingSources,
  });
}

/** "1,234", or "100 or more" while only the newest of a long list has been read (`exact` once known). */
export function useListCount(section: PagedSection, exact?: number): string {
  const { total, atLeast } = useRecordView().lists[section];
  if (exact !== undefined) return exact.toLocaleString('en-GB');
  return `${total.toLocaleString('en-GB')}${atLeast ? ' or more' : ''}`;
}
