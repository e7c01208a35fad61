// The records opened in this session, by NHS number: documents are read from what the clinician has open.
// Forgotten when the session locks or ends.
import { normaliseNhsNumber } from '../../../common/nhs-number';
import type { WessexRecord } from '../../../common/record';

export class OpenedRecords {
  private readonly records = new Map<string, WessexRecord>();

  set(nhsNumber: string, record: WessexRecord): void {
    this.records.set(normaliseNhsNumber(nhsNumber), record);
  }

  get(nhsNumber: string): WessexRecord | undefined {
    return this.records.get(normaliseNhsNumber(nhsNumber));
  }

  clear(): void {
    this.records.clear();
  }
}
