// The records opened in this session, by NHS number: documents and the pages of long lists are read from what
// the clinician has open. Forgotten when the session locks or ends.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { normaliseNhsNumber } from '../../../common/nhs-number';
import type { WessexRecord } from '../../../common/record';
import { recordLists, type RecordLists } from '../../../common/summary';

export interface OpenedRecord {
  /** The `record:open` request that opened it: pages are cut only from the copy the screen was given. */
  requestId: string;
  /** What the screen was given (its summary; of an offline open, perhaps only the newest of the long lists). */
  record: WessexRecord;
  /** Its long lists, sorted once, for the overview. */
  lists: RecordLists;
  /** The whole record and its long lists, for pages (the same as above unless the summary came first). */
  whole(): Promise<{ record: WessexRecord; lists: RecordLists }>;
  /**
   * A newer open of the patient has begun: a read of the whole record under way stops, and none starts again
   * (the screen that wanted it has gone), so nothing competes with the newer open.
   */
  stopReading(): void;
}

/**
 * After an open, when its long lists are made ready for the first page (if the record is still open): soon
 * after the answer for a record already whole; after a second of idleness for one whose whole saved copy has
 * still to be read (a clinician who moves on at once never pays for it).
 */
const READ_WHOLE_AFTER_MS = 1_000;

const REOPENED = 'This record has been opened again since: its pages come from the newer copy.';

export class OpenedRecords {
  private readonly records = new Map<string, OpenedRecord>();
  /** The open each patient's screen is waiting for: an older open finishing later never replaces it. */
  private readonly latest = new Map<string, string>();
  /**
   * The patient whose open began last. Other patients' records are set aside: their long lists are no longer
   * made ready in the background (their pages are still made when asked for), so that work never competes with
   * the open the clinician is waiting for, even when a record's own open finishes after it began.
   */
  private focus: string | undefined;

  /**
   * An open has started for this patient (the screen now waits for this one, not any before it). The screen
   * it replaces no longer wants that record's whole saved copy, so its read stops rather than compete; other
   * patients' records are set aside.
   */
  begin(nhsNumber: string, requestId: string): void {
    const key = normaliseNhsNumber(nhsNumber);
    this.latest.set(key, requestId);
    this.focus = key;
    const previous = this.records.get(key);
    if (previous && previous.requestId !== requestId) previous.stopReading();
  }

  /**
   * `readWhole`: how to read the whole record when `record` is its summary (an offline open). It is read on
   * the first page request or when the long lists are prepared, whichever comes first.
   */
  set(
    nhsNumber: string,
    requestId: string,
    record: WessexRecord,
    readWhole?: (signal: AbortSignal) => Promise<WessexRecord>,
  ): OpenedRecord {
    const lists = recordLists(record);
    let whole: Promise<{ record: WessexRecord; lists: RecordLists }> | undefined;
    // Stopped once a newer open of the patient begins; a read that merely failed is tried again.
    const stop = new AbortController();
    const opened: OpenedRecord = {
      requestId,
      record,
      lists,
      whole: () => {
        if (whole) return whole;
        if (!readWhole) return (whole = Promise.resolve({ record, lists }));
        if (stop.signal.aborted) return Promise.reject(stop.signal.reason as Error);
        whole = readWhole(stop.signal).then(
          (full) => ({ record: full, lists: recordLists(full) }),
          (error: unknown) => {
            whole = undefined;
            throw error;
          },
        );
        return whole;
      },
      stopReading: () => stop.abort(new Error(REOPENED)),
    };
    const key = normaliseNhsNumber(nhsNumber);
    const waitedFor = this.latest.get(key);
    if (waitedFor === undefined || waitedFor === requestId) this.records.set(key, opened);
    // Whether the lists are still worth making ready: the record is still the patient's, and no other opened since.
    const wanted = () => this.records.get(key) === opened && (this.focus ?? key) === key;
    setTimeout(
      () => {
        if (!wanted()) return;
        // A failure is the page request's to report; unasked, it must not go unhandled.
        opened
          .whole()
          .then(async ({ lists: all }) => {
            // The whole saved copy may have been read while the clinician moved on.
            if (!wanted()) return;
            // What the results view needs first, made while the summary is read (its rows a slice at a time,
            // so pages asked for meanwhile are answered); then the record search's index, also in slices.
            const yieldNow = async () => {
              await nextTurn();
              if (!wanted()) throw new Error('set aside');
            };
            await all.prepareResultRows(yieldNow);
            if (!wanted()) return;
            // The series, then their charts: two shorter turns rather than one long one.
            all.trends();
            await yieldNow();
            all.trendCharts('all', new Date());
            await yieldNow();
            await all.search().prepareInSlices(yieldNow);
          })
          .catch(() => undefined);
      },
      // A record already whole: straight after its answer has gone, so the results view is ready sooner.
      readWhole ? READ_WHOLE_AFTER_MS : 0,
    ).unref();
    return opened;
  }

  get(nhsNumber: string): WessexRecord | undefined {
    return this.records.get(normaliseNhsNumber(nhsNumber))?.record;
  }

  /** The whole record opened for the patient (read now if only its summary was). */
  async whole(nhsNumber: string): Promise<WessexRecord | undefined> {
    return (await this.records.get(normaliseNhsNumber(nhsNumber))?.whole())?.record;
  }

  /** The record `requestId` opened, or undefined when it has been replaced or forgotten since. */
  byRequest(nhsNumber: string, requestId: string): OpenedRecord | undefined {
    const opened = this.records.get(normaliseNhsNumber(nhsNumber));
    return opened?.requestId === requestId ? opened : undefined;
  }

  clear(): void {
    this.records.clear();
    this.latest.clear();
    this.focus = undefined;
  }
}
