// Record-locator (NRL-style) DocumentReference → RecordPointer: what the document is, who holds it, where.
import type { CodeRef, RecordPointer } from '../../../common/record';
import { asArray, conceptDisplay, isObject, objectsIn, type Json, primaryCoding, str } from './fhir-read';
import { codingsIn } from '../governance/sensitive-filter';
import { identifierKeys } from './fingerprint';

function orgDisplay(ref: unknown): string | undefined {
  if (!isObject(ref)) return undefined;
  const display = str(ref.display);
  const ods = isObject(ref.identifier) ? str(ref.identifier.value) : undefined;
  if (display && ods) return `${display} (${ods})`;
  return display ?? ods ?? str(ref.reference);
}

/** Codings as `meta.security` holds them, or as `securityLabel` does (CodeableConcepts, or Codings). */
function labelCodings(labels: unknown): CodeRef[] {
  return objectsIn(labels)
    .flatMap((label) => (Array.isArray(label.coding) ? objectsIn(label.coding) : [label]))
    .flatMap((coding) => {
      const code = str(coding.code);
      const system = str(coding.system);
      return code ? [{ ...(system ? { system } : {}), code }] : [];
    });
}

/**
 * The security labels a pointer carries: its own `meta.security`, its `securityLabel` (its document's labels),
 * and its contained resources' — kept with it so governance decides on them, now and in a saved copy.
 */
function pointerLabels(doc: Json): CodeRef[] {
  return [doc, ...objectsIn(doc.contained)].flatMap((r) => [
    ...labelCodings(isObject(r.meta) ? r.meta.security : undefined),
    ...labelCodings(r.securityLabel),
  ]);
}

export function toRecordPointer(doc: Json, sourceId: string, index: number): RecordPointer {
  const code = primaryCoding(doc.type) ?? {};
  const type = { ...code, display: conceptDisplay(doc.type) ?? code.display ?? 'Document' };
  const attachment = objectsIn(doc.content)
    .map((c) => c.attachment)
    .find(isObject);
  const pointer: RecordPointer = {
    id: str(doc.id) ?? `pointer-${index + 1}`,
    type,
    retrieval: 'not-attempted',
    sourceId,
  };
  const author = asArray(doc.author).map(orgDisplay).find(Boolean);
  if (author) pointer.author = author;
  const custodian = orgDisplay(doc.custodian);
  if (custodian) pointer.custodian = custodian;
  const date =
    str(doc.date) ??
    str(attachment?.creation) ??
    (isObject(doc.meta) ? str(doc.meta.lastUpdated) : undefined);
  if (date) pointer.date = date;
  const url = str(attachment?.url);
  if (url) pointer.url = url;
  const contentType = str(attachment?.contentType);
  if (contentType) pointer.contentType = contentType;
  const identifiers = identifierKeys(doc);
  if (identifiers.length) pointer.identifiers = [...identifiers];
  const hash = str(attachment?.hash);
  if (hash) pointer.hash = hash;
  const labels = pointerLabels(doc);
  if (labels.length) pointer.labels = labels;
  // Every other coding it carries (category, practice setting …), for governance to read as it reads a regional
  // DocumentReference: the whole resource.
  const { codes, tooDeep } = codingsIn(doc);
  const others = codes.filter((c) => !(c.system === code.system && c.code === code.code));
  if (others.length) pointer.codes = others;
  if (tooDeep) pointer.codesUnchecked = true;
  return pointer;
}

/**
 * The address a document's URL resolves to: relative ones against the FHIR base it was read from, and a Spine
 * Secure Proxy address (`ssp://` or `https://<proxy>/`, the target URL percent-encoded as its path, as NRL
 * pointers carry them) as the target it proxies. Undefined when it is not an address at all.
 */
export function documentAddress(url: string, base?: string): string | undefined {
  let address: URL;
  try {
    address = base ? new URL(url, base.endsWith('/') ? base : `${base}/`) : new URL(url);
  } catch {
    return undefined;
  }
  const proxied = /^\/(https?%3A%2F%2F[^/]+)$/i.exec(address.pathname)?.[1];
  if (proxied) {
    try {
      return new URL(decodeURIComponent(proxied)).href;
    } catch {
      return address.href;
    }
  }
  return address.href;
}

/** Where a document is held, in words, for "not configured" pointers. */
export function holderOf(pointer: RecordPointer): string {
  let host: string | undefined;
  try {
    host = pointer.url ? new URL(pointer.url).host : undefined;
  } catch {
    host = undefined;
  }
  return [host, pointer.custodian].filter(Boolean).join(' / ') || 'an unknown holder';
}
