// Opens a record and paints it progressively: source and section events arrive before the full record.
// Each urgent-care section event replaces that section's items and completeness; a section no event has
// described yet is still loading. The finished record (the invoke result, an overview) replaces everything.
import { startTransition, useCallback, useEffect, useRef, useState } from 'react';
import {
  emptyRecord,
  FIRST_PAINTED_SECTIONS,
  screenGap,
  sectionItemsAfter,
  uniformCompleteness,
  type RecordCompleteness,
  type RecordItem,
  type SectionCompleteness,
  type SectionId,
  type SourceStatus,
} from '../../../common/record';
import { emptyLists, withSectionsAsSent, type RecordOverview } from '../../../common/summary';
import { errorMessage, invoke, newRequestId, onBridgeEvent } from '../bridge';

export interface RecordLoad {
  nhsNumber: string;
  /**
   * The record once assembled (an overview: its long lists come in pages); before that, `partial` holds what
   * has arrived. `requestId` names the open the pages are asked of.
   */
  record?: RecordOverview;
  partial: RecordOverview;
  requestId?: string;
  sources: SourceStatus[];
  loading: boolean;
  error?: string;
  /** performance.now() when the final record arrived (benchmark hook). */
  readyAt?: number;
}

interface SectionSoFar {
  items: RecordItem[];
  completeness: SectionCompleteness;
}

function emptyOverview(nhsNumber: string): RecordOverview {
  return {
    ...emptyRecord({ name: '', nhsNumber, verification: 'unknown' }),
    lists: emptyLists(),
    recentResults: [],
    hospital: { recent: [] },
  };
}

function initialLoad(nhsNumber: string): RecordLoad {
  return { nhsNumber, partial: emptyOverview(nhsNumber), sources: [], loading: true };
}

/** The partial record's completeness: from the section events, 'loading' for the rest. */
function completenessSoFar(sections: ReadonlyMap<SectionId, SectionSoFar>): RecordCompleteness {
  const completeness = uniformCompleteness({ state: 'loading', gaps: [] });
  for (const [section, value] of sections) completeness[section] = value.completeness;
  return completeness;
}

/** After a failed open nothing more will arrive: sections still loading say why instead. */
function failedCompleteness(record: RecordOverview, message: string): RecordCompleteness {
  const completeness = { ...record.completeness };
  for (const [section, value] of Object.entries(completeness) as [SectionId, SectionCompleteness][]) {
    if (value.state !== 'loading') continue;
    completeness[section] = {
      state: 'incomplete',
      gaps: [screenGap(`The record could not be opened: ${message}`)],
    };
  }
  return completeness;
}

/**
 * Runs `fn` once the page has painted what is committed now; after 100 ms at the latest, as a hidden window
 * does not paint.
 */
function afterNextPaint(fn: () => void): Promise<void> {
  return new Promise<void>((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, 100);
  }).then(fn);
}

/** One record per mount (the screen is keyed by NHS number); `retry` starts the request again. */
export function useRecord(nhsNumber: string, preferOffline = false) {
  const [load, setLoad] = useState<RecordLoad>(() => initialLoad(nhsNumber));
  const [attempt, setAttempt] = useState(0);
  const requestRef = useRef<string | undefined>(undefined);

  useEffect(() => {
    const requestId = newRequestId();
    requestRef.current = requestId;
    const sections = new Map<SectionId, SectionSoFar>();
    const sources = new Map<string, SourceStatus>();
    let base = emptyOverview(nhsNumber);
    let showLaterSections: Promise<void> | undefined;
    const current = () => requestRef.current === requestId;

    const partialNow = (): RecordOverview => ({
      ...base,
      items: [...sections.values()].flatMap((s) => s.items),
      sources: [...sources.values()],
      completeness: completenessSoFar(sections),
    });

    const finish = (answer: RecordOverview) => {
      if (!current()) return;
      // The progressive copies are superseded: let them go, and stop listening (progress sent after the answer,
      // a turn behind it, would only be kept). The answer leaves out the sections the events carried as they are.
      stop();
      const record = withSectionsAsSent(answer, (section) => sections.get(section)?.items);
      sections.clear();
      sources.clear();
      window.__wessexRecordReadyAt = performance.now();
      setLoad({
        nhsNumber,
        record,
        partial: record,
        requestId,
        sources: record.sources,
        loading: false,
        readyAt: performance.now(),
      });
    };

    const fail = (message: string) => {
      if (!current()) return;
      setLoad((l) =>
        l.record
          ? l
          : {
              ...l,
              loading: false,
              error: message,
              partial: { ...l.partial, completeness: failedCompleteness(l.partial, message) },
            },
      );
    };

    const stop = onBridgeEvent('record:event', (event) => {
      if (event.requestId !== requestId || !current()) return;
      if (event.type === 'source') {
        sources.set(event.source.id, event.source);
        const partial = partialNow();
        setLoad((l) => (!l.record ? { ...l, sources: partial.sources, partial } : l));
      } else if (event.type === 'section') {
        const items = sectionItemsAfter(event, sections.get(event.section)?.items);
        sections.set(event.section, { items, completeness: event.completeness });
        if (FIRST_PAINTED_SECTIONS.has(event.section)) {
          const partial = partialNow();
          setLoad((l) => (!l.record ? { ...l, partial } : l));
        } else {
          // The advance care decisions, alerts and allergies paint first, even when they arrive together with
          // the rest (hundreds of medicines): the rest is laid out once they are on screen, as it is by then.
          showLaterSections ??= afterNextPaint(() => {
            showLaterSections = undefined;
            if (!current()) return;
            const partial = partialNow();
            // Not once the open has ended (finished, or failed: its sections say why they are missing).
            startTransition(() => setLoad((l) => (l.loading && !l.record ? { ...l, partial } : l)));
          });
        }
      } else if (event.type === 'patient') {
        base = { ...base, patient: event.patient, ...(event.offline ? { offline: event.offline } : {}) };
        const partial = partialNow();
        setLoad((l) => (!l.record ? { ...l, partial } : l));
      } else if (event.type === 'error') {
        fail(event.message);
      }
    });

    window.__wessexRecordRequestedAt = performance.now();
    invoke('record:open', { nhsNumber, requestId, preferOffline, keepsSectionEvents: true }).then(
      finish,
      (e: unknown) => fail(errorMessage(e)),
    );
    return () => {
      stop();
      if (current()) requestRef.current = undefined;
    };
  }, [nhsNumber, preferOffline, attempt]);

  const retry = useCallback(() => {
    setLoad(initialLoad(nhsNumber));
    setAttempt((a) => a + 1);
  }, [nhsNumber]);
  return { load: load.nhsNumber === nhsNumber ? load : undefined, retry };
}

declare global {
  interface Window {
    /**
     * Benchmark hooks: when the record was asked for, when the advance care decisions and allergies first
     * painted, when the whole record arrived and when the summary first painted with it.
     */
    __wessexRecordRequestedAt?: number;
    __wessexUrgentPaintedAt?: number;
    __wessexRecordReadyAt?: number;
    __wessexSummaryPaintedAt?: number;
  }
}
