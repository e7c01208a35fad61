// Schema 3 keeps snapshots, not merged records: how a schema-2 merged record becomes one. Approximate by
// nature (each source gets the item's representative copy); the next online open replaces it in full.
// Schema 2 kept each record as governed for whoever opened it last: only a copy governed for a role that sees
// everything, without dissent or break-glass, is the shared copy schema 3 keeps; the rest are not converted.
import type {
  PatientSummary,
  RecordItem,
  RecordPointer,
  SourceStatus,
  WithheldSummary,
} from '../../../common/record';
import type { Json } from '../record/fhir-read';
import type { RecordSnapshot, SourceSnapshot } from '../record/snapshot';

export interface MergedRecordRow {
  nhsNumber: string;
  /** The schema-2 record row: the merged record without its items. */
  record: {
    patient?: PatientSummary;
    sources?: SourceStatus[];
    pointers?: RecordPointer[];
    identityWarnings?: RecordSnapshot['identityWarnings'];
    withheld?: WithheldSummary;
    assembledAt?: string;
    dissent?: boolean;
    governance?: { access?: string; breakGlass?: boolean; dissentOverridden?: boolean };
  };
  items: Pick<RecordItem, 'section' | 'date' | 'resource' | 'provenance'>[];
}

export interface ConvertedRow {
  sourceId: string;
  resourceType: string;
  resourceId: string;
  section: string;
  date?: string;
  resource: Json;
}

/** Whether a schema-2 copy holds what every user may be shown after their own governance (see above). */
export function isSharedCopy(record: MergedRecordRow['record']): boolean {
  const governance = record.governance;
  return (
    !record.dissent &&
    governance?.access === 'everything' &&
    !governance.breakGlass &&
    !governance.dissentOverridden
  );
}

export function snapshotFromMergedRecord(row: MergedRecordRow): {
  meta: Omit<RecordSnapshot, 'sources'> & { sources: Omit<SourceSnapshot, 'resources'>[] };
  rows: ConvertedRow[];
} {
  const rows: ConvertedRow[] = [];
  row.items.forEach((item, position) => {
    const seen = new Set<string>();
    for (const p of item.provenance) {
      const id = p.resourceId || `#${position}`;
      const key = `${p.sourceId}|${id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push({
        sourceId: p.sourceId,
        resourceType: item.resource.resourceType,
        resourceId: id,
        section: item.section,
        ...(item.date ? { date: item.date } : {}),
        resource: { ...(item.resource as unknown as Json), id: p.resourceId || undefined },
      });
    }
  });
  const record = row.record;
  const sources = (record.sources ?? []).map((status) => ({
    status,
    pointers: (record.pointers ?? []).filter((p) => p.sourceId === status.id),
    identityWarnings: [],
  }));
  return {
    meta: {
      nhsNumber: row.nhsNumber,
      sources,
      identityWarnings: record.identityWarnings ?? [],
      assembledAt: record.assembledAt ?? '',
      withheld: record.withheld ?? { count: 0, reasons: [] },
      dissent: false,
      ...(record.patient ? { patientFallback: record.patient } : {}),
    },
    rows,
  };
}
