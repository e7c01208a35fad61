// A merged record as plain text for the terminal (`wessex fetch`): banner, source statuses, then sections
// in urgent-care order with each entry's sources. For the screen only — never write this to a log.
// Every word a source sent passes through terminalText (`t`): a name, display or server message can carry
// escape sequences (retitling the terminal, recolouring or hiding what follows) or line breaks that forge a
// line of this summary; the format controls that reorder text are already gone when a field is read (`str`).
import { formatUkDateTime } from '../../../common/london-date';
import { formatNhsNumber } from '../../../common/nhs-number';
import {
  CRITICAL_SECTIONS,
  SECTION_ORDER,
  pointersApart,
  type RecordItem,
  type SectionCompleteness,
  type SectionId,
  type SourceStatus,
  type WessexRecord,
} from '../../../common/record';
import { isCurrentMedication, isIssueRecord, splitMedications } from '../../../common/summary/medications';
import { provenanceName } from '../../../common/summary/provenance';
import { terminalText as t } from '../../../common/text-safety';
import { isInactiveStatus } from './clinical-codes';
import { lookup } from '../../../common/json';

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
  MedicationDispense: 'dispensing',
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
  const saved = s.savedCopy ? ` — showing its saved copy from ${t(s.savedCopy.asOf)}` : '';
  // A source that refused this user withheld its record: not a failure to fix, and not "none".
  const state = s.refusal ? 'withheld' : s.state;
  const mark = s.refusal ? '⊘' : STATE_MARK[s.state];
  const head = `  ${mark} ${t(s.name)} (${s.kind}) — ${state}, ${s.resourceCount} resources${saved}`;
  const lines = [s.message ? `${head}: ${t(s.message)}` : head];
  for (const w of s.warnings) if (w !== s.message) lines.push(`      note: ${t(w)}`);
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
  const nhs = p.nhsNumber
    ? `NHS ${t(formatNhsNumber(p.nhsNumber))} (${p.verification})`
    : 'NHS number unknown';
  const died = p.deceased
    ? `DIED ${p.deceased.date ? t(p.deceased.date) : '(date not recorded)'}`
    : undefined;
  out.push(
    [t(p.name), nhs, p.birthDate ? `born ${t(p.birthDate)}` : undefined, p.sex && t(p.sex), died]
      .filter(Boolean)
      .join('  ·  '),
  );
  if (record.identityConfirmation) {
    const c = record.identityConfirmation;
    out.push(`Identity confirmed by ${t(c.confirmedBy)} at ${t(c.at)} (surname and date of birth checked)`);
  }
  const second = [p.address && t(p.address), p.registeredGp ? `GP: ${t(p.registeredGp)}` : undefined]
    .filter(Boolean)
    .join('  ·  ');
  if (second) out.push(second);
  out.push('', 'Sources', ...record.sources.map(sourceLine));
  if (record.identityWarnings.length) {
    out.push('', 'Identity warnings', ...record.identityWarnings.map((w) => `  ! ${t(w.message)}`));
  }
  if (record.conflicts.length) {
    out.push('', 'Conflicts between sources', ...record.conflicts.map((c) => `  ! ${t(c.message)}`));
  }
  if (record.withheld.count) {
    out.push('', `Withheld: ${record.withheld.count} entries (${record.withheld.reasons.map(t).join('; ')})`);
  }
  for (const section of SECTION_ORDER) {
    const items = record.items.filter((i) => i.section === section);
    const completeness = record.completeness[section];
    const critical = CRITICAL_SECTIONS.includes(section);
    // Urgent-care sections always say whether they are whole; others are listed when they hold something.
    if (items.length === 0 && !critical) continue;
    out.push('', `${SECTION_TITLES[section]} (${items.length})`);
    out.push(...completenessLines(completeness, items.length));
    const issues = section === 'medications' ? foldedIssues(items) : undefined;
    const listed = issues ? items.filter((i) => !issues.folded.has(i.key)) : items;
    const { shown, more } = entriesToShow(section, listed, limit);
    for (const item of shown) out.push(...itemLines(item, !!p.deceased, issues?.countOf.get(item.key)));
    if (more) out.push(`  … and ${more} more${ACTIVE_FIRST.has(section) ? ' (none of them current)' : ''}`);
    if (issues?.folded.size) {
      out.push(
        `  (${issues.folded.size} earlier issues and dispensings are counted on their medicine's line)`,
      );
    }
  }
  for (const apart of record.heldApart) {
    const who = [
      apart.patient.name,
      apart.patient.birthDate && `born ${apart.patient.birthDate}`,
      apart.patient.sex,
    ];
    out.push(
      '',
      `Held apart: ${t(apart.sourceName)}'s record for ${t(who.filter(Boolean).join(', '))} (${apart.items.length} entries)`,
      `  ! may be a different person: ${t(apart.differences.join('; '))}`,
      '  Not merged into this record.',
    );
  }
  // A pointer to a document listed above is that entry ("also listed in …"), not listed again.
  const pointers = pointersApart(record.pointers, record.items);
  if (pointers.length) {
    out.push('', `Record locator pointers (${pointers.length})`);
    for (const ptr of pointers) {
      const who = [
        ptr.author && `author ${ptr.author}`,
        ptr.custodian && `held by ${ptr.custodian}`,
        ptr.date?.slice(0, 10),
      ];
      out.push(
        `  • ${t(ptr.type.display ?? ptr.type.code ?? 'Document')} — ${t(who.filter(Boolean).join(', '))}`,
      );
      out.push(
        `      ${ptr.retrieval === 'retrieved' ? 'document retrieved' : t(ptr.retrievalMessage ?? ptr.retrieval)}`,
      );
    }
  }
  const answered = record.sources.filter((s) => s.state === 'complete').length;
  out.push(
    '',
    `Assembled ${formatUkDateTime(record.assembledAt)}: ${answered} of ${record.sources.length} sources answered completely.`,
  );
  return out.join('\n');
}

/** Sections where what is current matters more than what is newest: current entries first, never cut. */
const ACTIVE_FIRST = new Set<SectionId>([...CRITICAL_SECTIONS, 'contacts', 'carePlans']);

function entriesToShow(
  section: SectionId,
  items: RecordItem[],
  limit: number,
): { shown: RecordItem[]; more: number } {
  if (!ACTIVE_FIRST.has(section))
    return { shown: items.slice(0, limit), more: Math.max(0, items.length - limit) };
  const current = items.filter((i) => !isInactiveStatus(i.status));
  const ended = items.filter((i) => isInactiveStatus(i.status));
  const room = Math.max(0, limit - current.length);
  return { shown: [...current, ...ended.slice(0, room)], more: Math.max(0, ended.length - room) };
}

function completenessLines(completeness: SectionCompleteness, count: number): string[] {
  switch (completeness.state) {
    case 'complete':
      return count === 0
        ? [
            `  None recorded${completeness.savedCopyAsOf ? ` (saved copy from ${t(completeness.savedCopyAsOf)})` : ''}`,
          ]
        : [];
    case 'withheld':
    case 'not-requested':
      return [`  ${t(completeness.reason ?? 'Not available.')}`];
    default:
      return [
        `  ⚠ ${count === 0 ? 'Nothing shown, but the record may be incomplete' : 'May be incomplete'}:`,
        ...completeness.gaps.map((g) => `      ${t(g.reason)}`),
      ];
  }
}

/**
 * A current medicine's past issues (completed prescriptions, dispensings) are counted on its line, not listed
 * one by one: a repeat issued monthly for two years is one line saying "24 issues", not 24 lines.
 */
function foldedIssues(items: RecordItem[]): { folded: Set<string>; countOf: Map<string, number> } {
  const folded = new Set<string>();
  const countOf = new Map<string, number>();
  for (const row of splitMedications(items).current) {
    const done = row.items.filter((i) => !isCurrentMedication(i) && isIssueRecord(i.resource));
    if (!done.length) continue;
    for (const i of done) folded.add(i.key);
    countOf.set(row.item.key, row.issues.length);
  }
  return { folded, countOf };
}

function itemLines(item: RecordItem, deceased: boolean, issues?: number): string[] {
  const sources = [
    ...new Set(
      item.provenance.map((pr) =>
        pr.savedCopy ? `${t(provenanceName(pr))} (saved copy)` : t(provenanceName(pr)),
      ),
    ),
  ].join(', ');
  const facts = [
    lookup(KIND_HINT, item.resourceType),
    item.date && t(item.date.slice(0, 10)),
    item.status && t(item.status),
    issues ? `${issues} issue${issues === 1 ? '' : 's'}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  const lines = [`  • ${t(item.display)}${facts ? `  (${facts})` : ''}  [${sources}]`];
  if (
    deceased &&
    item.status === 'active' &&
    (item.section === 'medications' || item.section === 'carePlans')
  ) {
    lines.push('      ⚠ recorded as active, but the patient has died');
  }
  if (item.conflict) lines.push(`      ⚠ ${t(item.conflict)}`);
  return lines;
}
