// Synthetic merged Wessex records (common/record.ts) of realistic shape and size: what a version-2 offline
// cache held (the cache-migration tests write them as schema-2 rows) and what the banner tests show. Built by
// hand from the same entries as synthetic-snapshot.ts, one item per entry, so they do not depend on the merge.
// Synthetic people only; test NHS numbers (999 range).
import type { Resource } from '../../common/fhir';
import { uniformCompleteness, type RecordItem, type WessexRecord } from '../../common/record';
import {
  SYNTHETIC_SOURCES,
  syntheticEntry,
  syntheticSourceStatus,
  type SyntheticEntry,
} from './synthetic-snapshot';

export interface SyntheticRecordOptions {
  nhsNumber?: string;
  name?: string;
  birthDate?: string;
  /** Total items; the first few are urgent-care items, the rest observations (results). */
  items?: number;
  assembledAt?: string;
}

function item(entry: SyntheticEntry): RecordItem {
  const source = SYNTHETIC_SOURCES.find((s) => s.id === entry.sourceId)!;
  const id = String(entry.resource.id);
  return {
    key: `${entry.resourceType}|${entry.code}|${entry.date}|${id}`,
    section: entry.section,
    resourceType: entry.resourceType,
    display: entry.display,
    date: entry.date,
    status: entry.resourceType === 'Observation' ? 'final' : 'active',
    code: { system: 'http://snomed.info/sct', code: entry.code, display: entry.display },
    resource: entry.resource as unknown as Resource,
    provenance: [
      {
        sourceId: source.id,
        sourceName: source.name,
        server: source.baseUrl,
        resourceType: entry.resourceType,
        resourceId: id,
        lastUpdated: entry.date,
      },
    ],
  };
}

export function syntheticRecord(options: SyntheticRecordOptions = {}): WessexRecord {
  const nhsNumber = options.nhsNumber ?? '9434765919';
  const at = options.assembledAt ?? '2024-06-01T08:14:00.000Z';
  const items = Array.from({ length: options.items ?? 20 }, (_, i) => item(syntheticEntry(i, nhsNumber)));
  return {
    patient: {
      name: options.name ?? 'Margaret WINTERBOURNE',
      nhsNumber,
      verification: 'verified',
      birthDate: options.birthDate ?? '1941-03-12',
      sex: 'female',
      address: '1 Harbour View, Weymouth, DT4 8AA',
      registeredGp: 'Wyke Regis Surgery',
    },
    sources: SYNTHETIC_SOURCES.map((s) =>
      syntheticSourceStatus(s, at, items.filter((i) => i.provenance[0]?.sourceId === s.id).length),
    ),
    items,
    conflicts: [],
    identityWarnings: [],
    pointers: [],
    withheld: { count: 0, reasons: [] },
    dissent: false,
    assembledAt: at,
    ungrantedScopes: [],
    completeness: uniformCompleteness({ state: 'complete', gaps: [] }),
    heldApart: [],
  };
}
