// Exports for an IG lead: a FHIR Bundle (collection) of the logged AuditEvents, or CSV with one row per
// event. CSV cells that a spreadsheet would run as a formula are neutralised.
import type { AuditEvent, Bundle } from '../../../common/fhir';
import type { AuditRow } from './audit-log';
import { NHS_NUMBER_SYSTEM } from './balp';

export function auditBundle(rows: AuditRow[], now: Date = new Date()): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: now.toISOString(),
    total: rows.length,
    entry: rows.map((row) => {
      const event = JSON.parse(row.eventJson) as AuditEvent;
      return { fullUrl: `urn:uuid:${row.id}`, resource: event };
    }),
  } as Bundle;
}

export const CSV_COLUMNS = [
  'seq',
  'id',
  'recorded',
  'type',
  'subtype',
  'action',
  'outcome',
  'user',
  'role',
  'purpose_of_use',
  'nhs_number',
  'server',
  'request_id',
  'details',
  'uploaded_at',
  'hash',
] as const;

function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function rowValues(row: AuditRow): Record<(typeof CSV_COLUMNS)[number], string | number | null | undefined> {
  const e = JSON.parse(row.eventJson) as AuditEvent;
  const user = e.agent?.find((a) => a.requestor);
  const server = e.agent?.find((a) => a.type?.coding?.some((c) => c.code === '110152'));
  const patient = e.entity?.find((x) => x.what?.identifier?.system === NHS_NUMBER_SYSTEM);
  const requestId = e.entity?.find((x) => x.type?.code === 'XrequestId');
  const details = (e.entity ?? [])
    .flatMap((x) => x.detail ?? [])
    .map((d) => `${d.type}=${d.valueString ?? ''}`)
    .join('; ');
  return {
    seq: row.seq,
    id: row.id,
    recorded: e.recorded,
    type: e.type?.display ?? e.type?.code,
    subtype: (e.subtype ?? []).map((s) => s.code).join(' '),
    action: e.action,
    outcome: e.outcome,
    user: user?.who?.reference ?? user?.who?.display ?? user?.name,
    role: user?.role?.[0]?.coding?.[0]?.code,
    purpose_of_use: (user?.purposeOfUse ?? []).map((p) => p.coding?.[0]?.code).join(' '),
    nhs_number: patient?.what?.identifier?.value,
    server: server?.who?.identifier?.value,
    request_id: requestId?.what?.identifier?.value,
    details,
    uploaded_at: row.uploadedAt,
    hash: row.hash,
  };
}

export function auditCsv(rows: AuditRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) {
    const values = rowValues(row);
    lines.push(CSV_COLUMNS.map((c) => csvCell(values[c])).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
