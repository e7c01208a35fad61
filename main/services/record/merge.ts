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
  sourceIds: Set<string>;
}

/** The entries sharing one key, and per source the first that may still lack a copy from it. */
interface KeyBucket {
  entries: MergedEntry[];
  members: Set<MergedEntry>;
  cursor: Map<string, number>;
}

function time(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? -Infinity : t;
}

export class RecordMerger {
  private readonly byKey = new Map<string, KeyBucket>();
  private readonly list: MergedEntry[] = [];
  private readonly seen = new Map<string, Set<string>>();
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
    const key = `${sourceId}|${type}`;
    let ids = this.seen.get(key);
    if (!ids) this.seen.set(key, (ids = new Set()));
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
    if (target) {
      target.copies.push(copy);
      target.sourceIds.add(source.id);
    } else {
      target = {
        key: `${type}/${source.id}/${id ?? `anonymous-${++this.anonymous}`}`,
        section: facts.section,
        resourceType: type,
        copies: [copy],
        sourceIds: new Set([source.id]),
      };
      this.list.push(target);
    }
    for (const k of keys) {
      const bucket = this.byKey.get(k);
      if (!bucket) this.byKey.set(k, { entries: [target], members: new Set([target]), cursor: new Map() });
      else if (!bucket.members.has(target)) {
        bucket.entries.push(target);
        bucket.members.add(target);
      }
    }
    return target;
  }

  /**
   * The first entry under this key with no copy from the source yet. Entries only gain copies, so the
   * per-source cursor never moves back: many same-source entries sharing a key cost O(n), not O(n²).
   */
  private openEntry(key: string, sourceId: string): MergedEntry | undefined {
    const bucket = this.byKey.get(key);
    if (!bucket) return undefined;
    let i = bucket.cursor.get(sourceId) ?? 0;
    while (i < bucket.entries.length && bucket.entries[i]!.sourceIds.has(sourceId)) i++;
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
