// Incremental de-duplication across sources: every copy is kept with its provenance, one is shown.
// Map-based (identifier and fingerprint keys), so adding n resources costs O(n).
import type { Provenance, RecordItem, SectionId } from '../../../common/record';
import type { Resource } from '../../../common/fhir';
import { isObject, type Json, resourceDisplay, str } from './fhir-read';
import { factsOf } from './resource-facts';
import { SUPPORTING_TYPES } from './sections';

export interface SourceRef {
  id: string;
  name: string;
  /** The FHIR base the copy was read from. */
  server: string;
}

export interface EntryCopy {
  provenance: Provenance;
  resource: Json;
}

export interface MergedEntry {
  key: string;
  section: SectionId;
  resourceType: string;
  copies: EntryCopy[];
  /** The sources with a copy here (a source's second copy of a fact is a second fact, never merged). */
  sourceIds: string[];
}

/**
 * Entries sharing one key. Almost every key names one entry, kept bare; a shared key keeps its entries in
 * order with, per source, the first that may still lack a copy from it (and, once large and asked whether it
 * holds an entry filed under another key, a membership set: new entries never need one).
 */
interface SharedKey {
  entries: MergedEntry[];
  cursor: Map<string, number>;
  members?: Set<MergedEntry>;
}

type KeyBucket = MergedEntry | SharedKey;

/** Past this many entries under one key, membership is looked up in a set rather than by scanning. */
const SCAN_LIMIT = 8;

function time(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? -Infinity : t;
}

export class RecordMerger {
  private readonly byKey = new Map<string, KeyBucket>();
  private readonly list: MergedEntry[] = [];
  /** Per source, per type: the resource ids already merged. */
  private readonly seen = new Map<string, Map<string, Set<string>>>();
  private readonly supporting = new Map<string, Json[]>();
  private readonly medicationNames = new Map<string, Map<string, string>>();
  private anonymous = 0;

  /** Adds one source's resources; returns the sections that changed. Repeated copies (same id) are ignored. */
  add(source: SourceRef, resources: readonly unknown[]): Set<SectionId> {
    const touched = new Set<SectionId>();
    for (const raw of resources) {
      if (!isObject(raw) || typeof raw.resourceType !== 'string') continue;
      const resource = raw;
      const type = raw.resourceType;
      const id = str(resource.id);
      if (id) {
        const seen = this.seenIds(source.id, type);
        if (seen.has(id)) continue;
        seen.add(id);
      }
      if (SUPPORTING_TYPES.has(type)) {
        this.addSupporting(source, type, id, resource);
        continue;
      }
      touched.add(this.addEntry(source, type, id, resource).section);
    }
    return touched;
  }

  /** The ids already merged from this source for this type (a search may send one resource twice). */
  private seenIds(sourceId: string, type: string): Set<string> {
    let byType = this.seen.get(sourceId);
    if (!byType) this.seen.set(sourceId, (byType = new Map()));
    let ids = byType.get(type);
    if (!ids) byType.set(type, (ids = new Set()));
    return ids;
  }

  private addSupporting(source: SourceRef, type: string, id: string | undefined, resource: Json): void {
    const list = this.supporting.get(type) ?? [];
    list.push(resource);
    this.supporting.set(type, list);
    if (type === 'Medication' && id) {
      const name = resourceDisplay(resource);
      const names = this.medicationNames.get(source.id) ?? new Map<string, string>();
      names.set(`Medication/${id}`, name);
      this.medicationNames.set(source.id, names);
    }
  }

  private addEntry(source: SourceRef, type: string, id: string | undefined, resource: Json): MergedEntry {
    const facts = factsOf(resource);
    const copy: EntryCopy = {
      resource,
      provenance: {
        sourceId: source.id,
        sourceName: source.name,
        server: source.server,
        resourceType: type,
        resourceId: id ?? '',
        lastUpdated: facts.lastUpdated,
      },
    };
    const keys = facts.matchKeys;
    // Two entries from the same source are two facts by that source, never merged with each other.
    let target: MergedEntry | undefined;
    for (const k of keys) {
      target = this.openEntry(k, source.id);
      if (target) break;
    }
    const created = !target;
    if (target) {
      target.copies.push(copy);
      if (!target.sourceIds.includes(source.id)) target.sourceIds.push(source.id);
    } else {
      target = {
        // Joined, so it is one flat string (kept for as long as the record is open) rather than a tree of pieces.
        key: [type, source.id, id ?? `anonymous-${++this.anonymous}`].join('/'),
        section: facts.section,
        resourceType: type,
        copies: [copy],
        sourceIds: [source.id],
      };
      this.list.push(target);
    }
    for (const k of keys) this.file(k, target, created);
    return target;
  }

  /** Files the entry under a key (once: a new entry cannot be there yet). */
  private file(key: string, entry: MergedEntry, created: boolean): void {
    const bucket = this.byKey.get(key);
    if (!bucket) {
      this.byKey.set(key, entry);
      return;
    }
    if (!('cursor' in bucket)) {
      if (bucket !== entry) this.byKey.set(key, { entries: [bucket, entry], cursor: new Map() });
      return;
    }
    // A new entry can only be the last one filed (a resource may repeat one of its identifiers).
    if (created ? bucket.entries.at(-1) === entry : hasMember(bucket, entry)) return;
    bucket.entries.push(entry);
    bucket.members?.add(entry);
  }

  /**
   * The first entry under this key with no copy from the source yet. Entries only gain copies, so the
   * per-source cursor never moves back: many same-source entries sharing a key cost O(n), not O(n²).
   */
  private openEntry(key: string, sourceId: string): MergedEntry | undefined {
    const bucket = this.byKey.get(key);
    if (!bucket) return undefined;
    if (!('cursor' in bucket)) return bucket.sourceIds.includes(sourceId) ? undefined : bucket;
    let i = bucket.cursor.get(sourceId) ?? 0;
    while (i < bucket.entries.length && bucket.entries[i]!.sourceIds.includes(sourceId)) i++;
    bucket.cursor.set(sourceId, i);
    return bucket.entries[i];
  }

  entries(): readonly MergedEntry[] {
    return this.list;
  }

  supportingResources(type: string): readonly Json[] {
    return this.supporting.get(type) ?? [];
  }

  /** The merged item for one entry: representative = most recently updated copy. */
  toItem(entry: MergedEntry, conflict?: string): RecordItem {
    let representative = entry.copies[0]!;
    if (entry.copies.length > 1) {
      let newest = time(representative.provenance.lastUpdated);
      for (const c of entry.copies) {
        const t = time(c.provenance.lastUpdated);
        if (t > newest) [representative, newest] = [c, t];
      }
    }
    const resource = representative.resource;
    const facts = factsOf(resource);
    const names = this.medicationNames.get(representative.provenance.sourceId);
    const item: RecordItem = {
      key: entry.key,
      section: entry.section,
      resourceType: entry.resourceType,
      // Only a medication named by reference reads differently once the source's Medication names are known.
      display: names && resource.medicationReference ? resourceDisplay(resource, names) : facts.display,
      resource: resource as unknown as Resource,
      provenance: entry.copies.map((c) => c.provenance),
    };
    if (facts.date) item.date = facts.date;
    if (facts.status) item.status = facts.status;
    if (facts.code) item.code = facts.code;
    if (conflict) item.conflict = conflict;
    return item;
  }

  sectionEntries(section: SectionId): MergedEntry[] {
    return this.list.filter((e) => e.section === section);
  }
}

/** Whether the entry is filed under the key; a large bucket gets its membership set on the first question. */
function hasMember(bucket: SharedKey, entry: MergedEntry): boolean {
  if (!bucket.members && bucket.entries.length > SCAN_LIMIT) bucket.members = new Set(bucket.entries);
  return bucket.members ? bucket.members.has(entry) : bucket.entries.includes(entry);
}
