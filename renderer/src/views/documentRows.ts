// The documents list's rows: record entries and locator pointers, each with its type and every content part,
// read loosely (a source's attachment fields of the wrong type are dropped, never trusted).
import type { Provenance, RecordItem, RecordPointer } from '../../../common/record';
import { asArray, isObject, str } from '../../../common/json';
import { referenceDisplay, sourceNames } from '../../../common/summary';

const TYPE_NOT_RECORDED = 'Type not recorded';

export interface Attachment {
  contentType?: string;
  data?: string;
  url?: string;
  title?: string;
  size?: number;
}

export interface DocumentRow {
  key: string;
  title: string;
  /** The document type as the source named it (what the type filter offers). */
  type: string;
  date?: string;
  heldBy?: string;
  sources: string[];
  provenance?: Provenance[];
  narrative?: string;
  /** Every content entry, in the source's order. */
  parts: Attachment[];
  pointerId?: string;
}

/** Only objects can be attachments; fields of the wrong type are dropped, never trusted. */
function readAttachment(value: unknown): Attachment | undefined {
  if (!isObject(value)) return undefined;
  const attachment: Attachment = {};
  for (const field of ['contentType', 'data', 'url', 'title'] as const) {
    const text = str(value[field]);
    if (text) attachment[field] = text;
  }
  if (typeof value.size === 'number' && value.size >= 0) attachment.size = value.size;
  return attachment;
}

function attachmentsOf(item: RecordItem): Attachment[] {
  const r = item.resource as { content?: unknown; presentedForm?: unknown };
  const entries = Array.isArray(r.content)
    ? r.content.map((c) => (isObject(c) ? c.attachment : undefined))
    : Array.isArray(r.presentedForm)
      ? r.presentedForm
      : [];
  return entries.map(readAttachment).filter((a): a is Attachment => a !== undefined);
}

function typeOf(item: RecordItem): string {
  const type = (item.resource as { type?: unknown }).type;
  if (!isObject(type)) return TYPE_NOT_RECORDED;
  const coded = Array.isArray(type.coding)
    ? type.coding.map((c) => (isObject(c) ? str(c.display) : undefined)).find(Boolean)
    : undefined;
  return str(type.text) ?? coded ?? TYPE_NOT_RECORDED;
}

const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/**
 * The entry's name, then its first part's title where that says more ("Discharge summary — Ward 7 letter");
 * not where every word of it is in the name already ("ReSPECT (…) form — ReSPECT form").
 */
export function documentTitle(display: string, partTitle: string | undefined): string {
  if (!partTitle?.trim()) return display;
  const named = new Set(words(display));
  return words(partTitle).every((w) => named.has(w)) ? display : `${display} — ${partTitle}`;
}

export function rowFromItem(item: RecordItem): DocumentRow {
  const parts = attachmentsOf(item);
  const r = item.resource as { text?: unknown; custodian?: unknown; author?: unknown };
  const narrative = isObject(r.text) && typeof r.text.div === 'string' ? r.text.div : undefined;
  return {
    key: item.key,
    title: documentTitle(item.display, parts[0]?.title),
    type: typeOf(item),
    date: item.date,
    heldBy: referenceDisplay(r.custodian) ?? referenceDisplay(asArray(r.author)[0]),
    sources: sourceNames(item),
    provenance: item.provenance,
    narrative,
    parts,
    // document:get takes the merged item's key (or a locator pointer's id).
    pointerId: item.key,
  };
}

export function rowFromPointer(p: RecordPointer): DocumentRow {
  return {
    key: `pointer:${p.id}`,
    title: p.type.display ?? 'Document',
    type: p.type.display ?? TYPE_NOT_RECORDED,
    date: p.date,
    heldBy: p.custodian ?? p.author,
    sources: ['Record locator'],
    parts: [],
    pointerId: p.id,
  };
}

export function typeCounts(rows: DocumentRow[]): { type: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts]
    .map(([type, count]) => ({ type, count }))
    .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type, 'en-GB'));
}
