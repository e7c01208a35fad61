// A record-locator pointer to a document a regional source also holds is one document, not two: it is listed
// once, as the regional source's entry, whose provenance says the locator lists it too (`listedOnly`). The
// pointer stays in the record (governance, offline keeping and opening it work as before); views list it on
// its own only when that entry is not shown with it (common/record.ts, pointersApart).
//
// The same document means the same business identifier (masterIdentifier or identifier), the same address
// once resolved (a relative URL against its source, a Spine Secure Proxy address as the target it proxies), or
// the same content (the SHA-1 an attachment states or its inline data has) — and nothing that says otherwise:
// a document type that differs, or an entry its source has withdrawn (superseded, entered in error) while the
// locator still lists it. Those stay two, both shown.
//
// Governance uses the same keys (documentKeysOf, DocumentKeys.sameAs) to withhold a document as a pointer and
// as a source's entry together, whatever type or status each gives it (patient-governance.ts).
import { createHash } from 'node:crypto';
import type { Provenance, RecordItem, RecordPointer } from '../../../common/record';
import { isInactiveStatus } from './clinical-codes';
import { isObject, objectsIn, str, type Json } from './fhir-read';
import { documentAddress } from './pointers';
import { factsOf } from './resource-facts';

export interface PointerSource {
  id: string;
  name: string;
  server: string;
}

/** SHA-1 of no content at all: stated by pointers whose content was never hashed, so it proves nothing. */
const EMPTY_SHA1 = '2jmj7l5rSw0yVb/vlWAYkK/YBwk=';

function sha1Of(base64: string): string {
  return createHash('sha1').update(Buffer.from(base64, 'base64')).digest('base64');
}

function hashKey(hash: string | undefined): string | undefined {
  return hash && hash !== EMPTY_SHA1 ? `sha1|${hash}` : undefined;
}

/** Pointers are never changed once read, and every progress step rebuilds the record from the same ones. */
const knownKeys = new WeakMap<RecordPointer, ReadonlySet<string>>();

/** What says which document a pointer is: its identifiers, resolved address and content hashes. */
export function pointerKeys(pointer: RecordPointer): ReadonlySet<string> {
  const known = knownKeys.get(pointer);
  if (known) return known;
  const keys = new Set<string>(pointer.identifiers ?? []);
  const address = pointer.url ? documentAddress(pointer.url) : undefined;
  if (address) keys.add(`url|${address}`);
  const stated = hashKey(pointer.hash);
  if (stated) keys.add(stated);
  const retrieved = pointer.document;
  if (retrieved?.resourceType === 'Binary' && typeof retrieved.data === 'string') {
    const content = hashKey(sha1Of(retrieved.data));
    if (content) keys.add(content);
  }
  knownKeys.set(pointer, keys);
  return keys;
}

/**
 * The same for a DocumentReference as a source sent it (`server`: the FHIR base it was read from, which its
 * relative URLs resolve against).
 */
export class DocumentKeys {
  private stated: string[] | undefined;
  private content: string[] | undefined;
  constructor(
    private readonly resource: Json,
    private readonly server: string | undefined,
  ) {}

  private attachments(): Json[] {
    return objectsIn(this.resource.content)
      .map((c) => c.attachment)
      .filter(isObject);
  }

  /** Identifiers, addresses and stated hashes: read without touching the content. */
  keys(): string[] {
    if (this.stated) return this.stated;
    const keys: string[] = [...factsOf(this.resource).identifierKeys];
    for (const attachment of this.attachments()) {
      const url = str(attachment.url);
      const address = url ? documentAddress(url, this.server) : undefined;
      if (address) keys.push(`url|${address}`);
      const hash = hashKey(str(attachment.hash));
      if (hash) keys.push(hash);
    }
    return (this.stated = keys);
  }

  /** Hashes of the inline content: worked out only when a pointer has a hash to compare them with. */
  contentKeys(): string[] {
    this.content ??= this.attachments().flatMap((a) => {
      const data = str(a.data);
      const hash = data ? hashKey(sha1Of(data)) : undefined;
      return hash ? [hash] : [];
    });
    return this.content;
  }

  /** Whether the pointer says it is this document (any key in common; content hashes only when it states one). */
  sameAs(pointer: RecordPointer): boolean {
    const wanted = pointerKeys(pointer);
    if (!wanted.size) return false;
    if (this.keys().some((k) => wanted.has(k))) return true;
    return [...wanted].some((k) => k.startsWith('sha1|')) && this.contentKeys().some((k) => wanted.has(k));
  }
}

/** A resource as a source sent it never changes: its keys are worked out once (it belongs to that one source). */
const knownDocuments = new WeakMap<Json, DocumentKeys>();

/** A source's DocumentReference's keys (`server`: the FHIR base it was read from). */
export function documentKeysOf(resource: Json, server: string | undefined): DocumentKeys {
  let keys = knownDocuments.get(resource);
  if (!keys) knownDocuments.set(resource, (keys = new DocumentKeys(resource, server)));
  return keys;
}

/** An entry's keys: its representative copy's, its URLs resolved against the source that copy came from. */
function itemKeys(item: RecordItem): DocumentKeys {
  const resource = item.resource as unknown as Json;
  const id = str(resource.id);
  const from = item.provenance.find((p) => !p.listedOnly && p.resourceId === id);
  return new DocumentKeys(resource, from?.server);
}

/** Two coded types that disagree (same code system, or none stated, and different codes). */
function typesDiffer(pointer: RecordPointer, item: RecordItem): boolean {
  const a = pointer.type;
  const b = item.code;
  if (!a.code || !b?.code) return false;
  if (a.system && b.system && a.system !== b.system) return false;
  return a.code !== b.code;
}

const mayBeListed = (item: RecordItem): boolean =>
  item.resourceType === 'DocumentReference' && !isInactiveStatus(item.status);

/**
 * The items with each pointer to a document one of them is added to that item's provenance (`listedOnly`).
 * Deterministic: pointers in the order given, each to the first matching item; one pointer per source per
 * item (a locator's second pointer to one document is a second fact by it, listed on its own, as the merge
 * never joins two entries from one source).
 */
export function linkPointers(
  items: RecordItem[],
  pointers: readonly RecordPointer[],
  sources: ReadonlyMap<string, PointerSource>,
): RecordItem[] {
  if (!pointers.length) return items;
  const candidates = items.filter(mayBeListed);
  if (!candidates.length) return items;
  const keysOf = new Map<RecordItem, DocumentKeys>();
  const added = new Map<RecordItem, Provenance[]>();
  for (const pointer of pointers) {
    const source = sources.get(pointer.sourceId);
    if (!source) continue;
    if (!pointerKeys(pointer).size) continue;
    const match = candidates.find((item) => {
      if (item.provenance.some((p) => p.sourceId === pointer.sourceId)) return false;
      if (added.get(item)?.some((p) => p.sourceId === pointer.sourceId)) return false;
      if (typesDiffer(pointer, item)) return false;
      let keys = keysOf.get(item);
      if (!keys) keysOf.set(item, (keys = itemKeys(item)));
      return keys.sameAs(pointer);
    });
    if (!match) continue;
    const listed: Provenance = {
      sourceId: source.id,
      sourceName: source.name,
      server: source.server,
      resourceType: 'DocumentReference',
      resourceId: pointer.id,
      listedOnly: true,
    };
    added.set(match, [...(added.get(match) ?? []), listed]);
  }
  if (!added.size) return items;
  return items.map((item) => {
    const listed = added.get(item);
    return listed ? { ...item, provenance: [...item.provenance, ...listed] } : item;
  });
}
