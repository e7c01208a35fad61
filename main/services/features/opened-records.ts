// The records opened in this session, by NHS number: documents and the pages of long lists are read from what
// the clinician has open. Forgotten when the session locks or ends.
import { normaliseNhsNumber } from '../../../common/nhs-number';
import type { WessexRecord } from '../../../common/record';
import { recordLists, type RecordLists } from '../../../common/summary';

export interface OpenedRecord {
  /** The `record:open` request that opened it: pages are cut only from the copy the screen was given. */
  requestId: string;
  record: WessexRecord;
  /** The long lists sorted once, when the overview was made. */
  lists: RecordLists;
}

export class OpenedRecords {
  private readonly records = new Map<string, OpenedRecord>();

  set(nhsNumber: string, requestId: string, record: WessexRecord): OpenedRecord {
    const opened = { requestId, record, lists: recordLists(record) };
    this.records.set(normaliseNhsNumber(nhsNumber), opened);
    return opened;
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
