// Opens a record and paints it progressively: source and section events arrive before the full record.
import { useCallback, useEffect, useRef, useState } from 'react';
import {
  emptyRecord,
  type RecordItem,
  type SectionId,
  type SourceStatus,
  type WessexRecord,
} from '../../../common/record';
import { errorMessage, invoke, newRequestId, onBridgeEvent } from '../bridge';

export interface RecordLoad {
  nhsNumber: string;
  /** The full record once assembled; before that, `partial` holds what has arrived. */
  record?: WessexRecord;
  partial: WessexRecord;
  sources: SourceStatus[];
  arrivedSections: SectionId[];
  loading: boolean;
  error?: string;
  /** performance.now() when the final record arrived (benchmark hook). */
  readyAt?: number;
}

function initialLoad(nhsNumber: string): RecordLoad {
  return {
    nhsNumber,
    partial: emptyRecord({ name: '', nhsNumber, verification: 'unknown' }),
    sources: [],
    arrivedSections: [],
    loading: true,
  };
}

/** One record per mount (the screen is keyed by NHS number); `retry` starts the request again. */
export function useRecord(nhsNumber: string, preferOffline = false) {
  const [load, setLoad] = useState<RecordLoad>(() => initialLoad(nhsNumber));
  const [attempt, setAttempt] = useState(0);
  const requestRef = useRef<string | undefined>(undefined);

  useEffect(() => {
    const requestId = newRequestId();
    requestRef.current = requestId;
    const sections = new Map<SectionId, RecordItem[]>();
    const sources = new Map<string, SourceStatus>();
    const base = emptyRecord({ name: '', nhsNumber, verification: 'unknown' });

    const finish = (record: WessexRecord) => {
      if (requestRef.current !== requestId) return;
      // The progressive copies are superseded: let them go (a large record is hundreds of MB otherwise).
      sections.clear();
      sources.clear();
      window.__wessexRecordReadyAt = performance.now();
      setLoad({
        nhsNumber,
        record,
        partial: record,
        sources: record.sources,
        arrivedSections: [...new Set(record.items.map((i) => i.section))],
        loading: false,
        readyAt: performance.now(),
      });
    };

    const stop = onBridgeEvent('record:event', (event) => {
      if (event.requestId !== requestId || requestRef.current !== requestId) return;
      if (event.type === 'source') {
        sources.set(event.source.id, event.source);
        setLoad((l) => (!l.record ? { ...l, sources: [...sources.values()] } : l));
      } else if (event.type === 'section') {
        sections.set(event.section, event.items);
        // An empty section is only "none recorded" once every source has answered it.
        if (!event.items.length && event.allSourcesAnswered === false) sections.delete(event.section);
        const items = [...sections.values()].flat();
        setLoad((l) =>
          !l.record
            ? {
                ...l,
                partial: { ...base, items, sources: [...sources.values()] },
                arrivedSections: [...sections.keys()],
              }
            : l,
        );
      } else if (event.type === 'record') {
        finish(event.record);
      } else if (event.type === 'error') {
        setLoad((l) => ({ ...l, loading: false, error: event.message }));
      }
    });

    invoke('record:open', { nhsNumber, requestId, preferOffline }).then(finish, (e: unknown) => {
      if (requestRef.current !== requestId) return;
      setLoad((l) => ({ ...l, loading: false, error: errorMessage(e) }));
    });
    return () => {
      stop();
      if (requestRef.current === requestId) requestRef.current = undefined;
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
    /** Benchmark hooks: when the record arrived and when the summary first painted with it. */
    __wessexRecordReadyAt?: number;
    __wessexSummaryPaintedAt?: number;
  }
}
