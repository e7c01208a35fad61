// The records opened in this session, by NHS number: documents and the pages of long lists are read from what
// the clinician has open. Forgotten when the session locks or ends.
import { normaliseNhsNumber } from '../../../common/nhs-number';
import type { WessexRecord } from '../../../common/record';
import { recordLists, type RecordLists } from '../../../common/summary';
import { afterTheAnswer } from '../answer-first';

export interface OpenedRecord {
  /** The `record:open` request that opened it: pages are cut only from the copy the screen was given. */
  requestId: string;
  /** What the screen was given (its summary; of an offline open, perhaps only the newest of the long lists). */
  record: WessexRecord;
  /** Its long lists, sorted once, for the overview. */
  lists: RecordLists;
  /** The whole record and its long lists, for pages (the same as above unless the summary came first). */
  whole: Promise<{ record: WessexRecord; lists: RecordLists }>;
}

export class OpenedRecords {
  private readonly records = new Map<string, OpenedRecord>();

  set(
    nhsNumber: string,
    requestId: string,
    record: WessexRecord,
    whole?: Promise<WessexRecord>,
  ): OpenedRecord {
    const lists = recordLists(record);
    const opened: OpenedRecord = {
      requestId,
      record,
      lists,
      whole: whole
        ? whole.then((full) => ({ record: full, lists: recordLists(full) }))
        : Promise.resolve({ record, lists }),
    };
    // The results view's rows and trends are made ahead of the first click on it, once the answer has gone.
    // A failure is the page request's to report; unasked, it must not go unhandled.
    opened.whole
      .then(({ lists: whole }) => afterTheAnswer().then(() => whole.trends()))
      .catch(() => undefined);
    this.records.set(normaliseNhsNumber(nhsNumber), opened);
    return opened;
  }

  /** The whole record opened for the patient (waiting for it when the summary came first). */
  async whole(nhsNumber: string): Promise<WessexRecord | undefined> {
    return (await this.records.get(normaliseNhsNumber(nhsNumber))?.whole)?.record;
  }

  get(nhsNumber: string): WessexRecord | undefined {
    return this.records.get(normaliseNhsNumber(nhsNumber))?.record;
  }

  /** The record `requestId` opened, or undefined when it has been replaced or forgotten since. */
  byRequest(nhsNumber: string, requestId: string): OpenedRecord | undefined {
    const opened = this.records.get(normaliseNhsNumber(nhsNumber));
    return opened?.requestId === requestId ? opened : undefined;
  }

  clear(): void {
    this.records.clear();
  }
}
