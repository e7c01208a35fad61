// The documents an urgent-care clinician needs offline, kept with the saved copy of the record: advance care
// documents (ReSPECT, end-of-life and crisis plans) first, then the latest discharge letter, within a per-record
// size budget from policy. Documents that came inline with the record are already in the saved copy.
import type { RecordItem, RecordPointer, WessexRecord } from '../../../common/record';
import type { OfflineCache } from '../cache/offline-cache';
import { ADVANCE_CARE_CODES, ADVANCE_CARE_TEXT } from '../record/clinical-codes';

export interface KeptDocumentSource {
  /** Where the document is (an attachment or pointer URL at a configured source). */
  address: string;
  title: string;
  contentType?: string;
}

export interface DocumentKeeperOptions {
  cache: OfflineCache;
  /** Reads a document from the configured source holding `address`, with that source's token only. */
  /** Reads at most `maxBytes`: a larger document fails rather than being held in memory. */
  fetchDocument: (
    address: string,
    contentType: string | undefined,
    maxBytes: number,
  ) => Promise<{ contentType: string; bytes: Buffer }>;
  /** The most bytes of documents kept per record. */
  budgetBytes: number;
}

const DISCHARGE = /discharge/i;
const DISCHARGE_CODES = new Set(['373942005', '18842-5', '1054331000000103']);

interface Attachment {
  url?: string;
  data?: string;
  contentType?: string;
}

function urlAttachment(item: RecordItem): Attachment | undefined {
  const resource = item.resource as { content?: { attachment?: Attachment }[]; presentedForm?: Attachment[] };
  const attachments = [
    ...(resource.content ?? []).map((c) => c.attachment),
    ...(resource.presentedForm ?? []),
  ];
  return attachments.find((a): a is Attachment => !!a?.url && !a.data);
}

function isDischargeLetter(item: RecordItem): boolean {
  const type = (item.resource as { type?: { coding?: { code?: string }[]; text?: string } }).type;
  return (
    (type?.coding ?? []).some((c) => c.code !== undefined && DISCHARGE_CODES.has(c.code)) ||
    DISCHARGE.test(type?.text ?? '') ||
    DISCHARGE.test(item.display)
  );
}

/** A locator pointer to an advance care or crisis plan (not any document a locator happens to list). */
function isAdvanceCarePointer(pointer: RecordPointer): boolean {
  return (
    (pointer.type.code !== undefined && ADVANCE_CARE_CODES.has(pointer.type.code)) ||
    ADVANCE_CARE_TEXT.test(pointer.type.display ?? '')
  );
}

/** What to keep, most needed first. */
export function urgentCareDocuments(record: WessexRecord): KeptDocumentSource[] {
  const wanted: KeptDocumentSource[] = [];
  const add = (address: string | undefined, title: string, contentType?: string) => {
    if (address && !wanted.some((w) => w.address === address)) {
      wanted.push({ address, title, ...(contentType ? { contentType } : {}) });
    }
  };
  for (const item of record.items.filter((i) => i.section === 'advanceCare')) {
    const attachment = urlAttachment(item);
    add(attachment?.url, item.display, attachment?.contentType);
  }
  for (const pointer of record.pointers) {
    if (pointer.retrieval !== 'retrieved' && isAdvanceCarePointer(pointer))
      add(pointer.url, pointer.type.display ?? 'Document', pointer.contentType);
  }
  const letters = record.items
    .filter((i) => i.section === 'documents' && isDischargeLetter(i))
    .sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
  for (const letter of letters) {
    const attachment = urlAttachment(letter);
    if (!attachment) continue;
    add(attachment.url, letter.display, attachment.contentType);
    break;
  }
  return wanted;
}

/** Fetches and keeps what is not kept yet, most needed first, while it fits the budget. Never throws. */
export async function keepUrgentCareDocuments(
  nhsNumber: string,
  record: WessexRecord,
  options: DocumentKeeperOptions,
): Promise<{ kept: string[]; skipped: string[] }> {
  const result = { kept: [] as string[], skipped: [] as string[] };
  const already = await options.cache.documentAddresses(nhsNumber);
  let used = already.bytes;
  for (const doc of urgentCareDocuments(record)) {
    if (already.addresses.includes(doc.address)) continue;
    const remaining = options.budgetBytes - used;
    if (remaining <= 0) {
      result.skipped.push(doc.address);
      continue;
    }
    try {
      const { contentType, bytes } = await options.fetchDocument(doc.address, doc.contentType, remaining);
      if (bytes.length > remaining) {
        result.skipped.push(doc.address);
        continue;
      }
      await options.cache.saveDocument(nhsNumber, doc.address, { contentType, title: doc.title, bytes });
      used += bytes.length;
      result.kept.push(doc.address);
    } catch {
      result.skipped.push(doc.address);
    }
  }
  return result;
}
