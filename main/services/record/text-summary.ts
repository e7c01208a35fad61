// A merged record as plain text for the terminal (`wessex fetch`): banner, source statuses, then sections
// in urgent-care order with each entry's sources. For the screen only — never write this to a log.
import { formatNhsNumber } from '../../../common/nhs-number';
import { SECTION_ORDER, type SectionId, type SourceStatus, type WessexRecord } from '../../../common/record';

export const SECTION_TITLES: Record<SectionId, string> = {
  advanceCare: 'Advance care decisions',
  alerts: 'Alerts',
  allergies: 'Allergies',
  medications: 'Medications',
  problems: 'Problems',
  contacts: 'Contacts, care team and social care',
  results: 'Results and observations',
  encounters: 'Encounters',
  documents: 'Documents',
  immunisations: 'Immunisations',
  carePlans: 'Care plans',
  procedures: 'Procedures',
  appointments: 'Appointments',
  other: 'Other entries',
};

/** Where two entry kinds share a section, say which one a line is. */
const KIND_HINT: Record<string, string> = {
  MedicationRequest: 'prescription',
  MedicationStatement: 'medication record',
  DiagnosticReport: 'report',
  Consent: 'consent',
  Flag: 'alert flag',
};

const STATE_MARK: Record<SourceStatus['state'], string> = {
  complete: '✓',
  partial: '!',
  failed: '✗',
  'not-reached': '–',
  pending: '…',
};

function sourceLine(s: SourceStatus): string {
  const head = `  ${STATE_MARK[s.state]} ${s.name} (${s.kind}) — ${s.state}, ${s.resourceCount} resources`;
  const lines = [s.message ? `${head}: ${s.message}` : head];
  for (const w of s.warnings) if (w !== s.message) lines.push(`      note: ${w}`);
  return lines.join('\n');
}

export interface SummaryOptions {
  /** Entries shown per section before "… and N more" (the rest are in --json). */
  perSection?: number;
}

export function formatRecordSummary(record: WessexRecord, options: SummaryOptions = {}): string {
  const limit = options.perSection ?? 25;
  const p = record.patient;
  const out: string[] = [];
  const nhs = p.nhsNumber ? `NHS ${formatNhsNumber(p.nhsNumber)} (${p.verification})` : 'NHS number unknown';
  out.push(
    [p.name, nhs, p.birthDate ? `born ${p.birthDate}` : undefined, p.sex].filter(Boolean).join('  ·  '),
  );
  const second = [p.address, p.registeredGp ? `GP: ${p.registeredGp}` : undefined]
    .filter(Boolean)
    .join('  ·  ');
  if (second) out.push(second);
  out.push('', 'Sources', ...record.sources.map(sourceLine));
  if (record.identityWarnings.length) {
    out.push('', 'Identity warnings', ...record.identityWarnings.map((w) => `  ! ${w.message}`));
  }
  if (record.conflicts.length) {
    out.push('', 'Conflicts between sources', ...record.conflicts.map((c) => `  ! ${c.message}`));
  }
  if (record.withheld.count) {
    out.push('', `Withheld: ${record.withheld.count} entries (${record.withheld.reasons.join('; ')})`);
  }
  for (const section of SECTION_ORDER) {
    const items = record.items.filter((i) => i.section === section);
    if (items.length === 0) continue;
    out.push('', `${SECTION_TITLES[section]} (${items.length})`);
    for (const item of items.slice(0, limit)) {
      const sources = [...new Set(item.provenance.map((pr) => pr.sourceName))].join(', ');
      const facts = [KIND_HINT[item.resourceType], item.date?.slice(0, 10), item.status]
        .filter(Boolean)
        .join(', ');
      out.push(`  • ${item.display}${facts ? `  (${facts})` : ''}  [${sources}]`);
      if (item.conflict) out.push(`      ⚠ ${item.conflict}`);
    }
    if (items.length > limit) out.push(`  … and ${items.length - limit} more`);
  }
  if (record.pointers.length) {
    out.push('', `Record locator pointers (${record.pointers.length})`);
    for (const ptr of record.pointers) {
      const who = [
        ptr.author && `author ${ptr.author}`,
        ptr.custodian && `held by ${ptr.custodian}`,
        ptr.date?.slice(0, 10),
      ];
      out.push(`  • ${ptr.type.display ?? ptr.type.code ?? 'Document'} — ${who.filter(Boolean).join(', ')}`);
      out.push(
        `      ${ptr.retrieval === 'retrieved' ? 'document retrieved' : (ptr.retrievalMessage ?? ptr.retrieval)}`,
      );
    }
  }
  const answered = record.sources.filter((s) => s.state === 'complete').length;
  out.push(
    '',
    `Assembled ${record.assembledAt}: ${answered} of ${record.sources.length} sources answered completely.`,
  );
  return out.join('\n');
}
