// Advance care decisions, alerts, allergies, problems and contacts as the urgent-care summary shows them.
import type { AllergyIntolerance, Condition, Flag } from '../fhir';
import type { RecordItem, RecordPointer, WessexRecord } from '../record';
import { CPR_STATUS_LABEL, cprStatusOf, type CprStatus } from '../resuscitation';
import { formatDate } from './dates';
import { newestFirst, sourceNames } from './provenance';

// ---- Advance care decisions -------------------------------------------------------------------------

export type AdvanceCareKind =
  'ReSPECT' | 'DNACPR' | 'ADRT' | 'End of life care plan' | 'Crisis plan' | 'Other';

export interface AdvanceCareEntry {
  key: string;
  kind: AdvanceCareKind;
  title: string;
  date?: string;
  status?: string;
  sources: string[];
  /** "Document held at …" for locator pointers. */
  heldAt?: string;
  pointer?: RecordPointer;
  item?: RecordItem;
  conflict?: string;
}

const ADVANCE_CARE_CODES: Record<string, AdvanceCareKind> = {
  '1382601000000107': 'ReSPECT',
  '304253006': 'DNACPR',
  '450476008': 'DNACPR',
  '816301000000100': 'ADRT',
  '736373009': 'End of life care plan',
  '736253002': 'Crisis plan',
};

export function advanceCareKind(code: string | undefined, text: string): AdvanceCareKind {
  const byCode = code ? ADVANCE_CARE_CODES[code] : undefined;
  if (byCode) return byCode;
  if (/respect/i.test(text)) return 'ReSPECT';
  if (
    /dnacpr|do not attempt|not for (cardiopulmonary )?resus|dnar|refuses? (cardiopulmonary )?resus/i.test(
      text,
    )
  )
    return 'DNACPR';
  if (/advance decision|adrt|refuse treatment/i.test(text)) return 'ADRT';
  if (/end of life|eol|palliative/i.test(text)) return 'End of life care plan';
  if (/crisis|mental health plan/i.test(text)) return 'Crisis plan';
  return 'Other';
}

const ADVANCE_ORDER: AdvanceCareKind[] = [
  'ReSPECT',
  'DNACPR',
  'ADRT',
  'End of life care plan',
  'Crisis plan',
  'Other',
];

export function advanceCareEntries(items: RecordItem[], pointers: RecordPointer[]): AdvanceCareEntry[] {
  const fromItems: AdvanceCareEntry[] = items.map((item) => ({
    key: item.key,
    kind: advanceCareKind(item.code?.code, item.display),
    title: item.display,
    date: item.date,
    status: item.status,
    sources: sourceNames(item),
    item,
    conflict: item.conflict,
  }));
  const fromPointers: AdvanceCareEntry[] = pointers.map((pointer) => {
    const title = pointer.type.display ?? pointer.type.code ?? 'Care document';
    return {
      key: `pointer:${pointer.id}`,
      kind: advanceCareKind(pointer.type.code, title),
      title,
      date: pointer.date,
      sources: ['Record locator'],
      heldAt: pointer.custodian ?? pointer.author ?? 'an organisation that did not give its name',
      pointer,
    };
  });
  return [...fromItems, ...fromPointers].sort(
    (a, b) => ADVANCE_ORDER.indexOf(a.kind) - ADVANCE_ORDER.indexOf(b.kind) || newestFirst(a, b),
  );
}

// ---- Resuscitation status ---------------------------------------------------------------------------

/** One decision about CPR, however many sources and entries record it. */
export interface CprDecisionLine {
  key: string;
  status: CprStatus;
  label: string;
  date?: string;
  author?: string;
  sources: string[];
  /** Not withdrawn (entered in error, cancelled, inactive) by the sources that hold it. */
  current: boolean;
  entries: AdvanceCareEntry[];
}

export interface ResuscitationCard {
  /** The newest current decision. */
  decision?: CprDecisionLine;
  /** Older, withdrawn or disagreeing decisions, each once. */
  earlier: CprDecisionLine[];
  /** One line when current decisions disagree. */
  conflict?: string;
  /** The newest ReSPECT form (a record entry or a locator pointer), to open in one click. */
  respect?: AdvanceCareEntry;
  /** Every entry the card shows (the advance care list leaves them out). */
  shown: Set<string>;
}

/** For the same day, the clinical decision heads the card, then the patient's own refusal. */
const STATUS_RANK: CprStatus[] = ['not-for-cpr', 'declines-cpr', 'for-cpr'];

const WITHDRAWN = /entered in error|inactive|cancelled|revoked|refuted|superseded|rejected/i;

function authorOf(item: RecordItem | undefined): string | undefined {
  const r = item?.resource as Record<string, unknown> | undefined;
  if (!r) return undefined;
  const candidates = [r.author, r.recorder, r.asserter, r.performer, r.organization].flatMap((v) =>
    Array.isArray(v) ? v : [v],
  );
  for (const c of candidates) {
    const display = (c as { display?: unknown } | undefined)?.display;
    if (typeof display === 'string' && display.trim()) return display.trim();
  }
  return undefined;
}

const lineText = (line: CprDecisionLine) =>
  `${line.sources.join(' and ')} ${line.sources.length > 1 ? 'record' : 'records'} ${line.label}${line.date ? ` (${formatDate(line.date)})` : ''}`;

export function resuscitationCard(entries: AdvanceCareEntry[]): ResuscitationCard {
  const lines = new Map<string, CprDecisionLine>();
  for (const entry of entries) {
    const status = entry.item
      ? cprStatusOf(entry.item.resource as unknown as Record<string, unknown>)
      : undefined;
    if (!status) continue;
    const current = !WITHDRAWN.test(entry.status ?? '');
    const key = `${status}|${entry.date?.slice(0, 10) ?? ''}|${current}`;
    const line = lines.get(key);
    if (line) {
      line.entries.push(entry);
      for (const s of entry.sources) if (!line.sources.includes(s)) line.sources.push(s);
      line.author ??= authorOf(entry.item);
      continue;
    }
    lines.set(key, {
      key,
      status,
      label: CPR_STATUS_LABEL[status],
      date: entry.date,
      author: authorOf(entry.item),
      sources: [...entry.sources],
      current,
      entries: [entry],
    });
  }
  const sorted = [...lines.values()].sort(
    (a, b) =>
      Number(b.current) - Number(a.current) ||
      newestFirst(a, b) ||
      STATUS_RANK.indexOf(a.status) - STATUS_RANK.indexOf(b.status),
  );
  const decision = sorted.find((l) => l.current);
  const respects = entries.filter((e) => e.kind === 'ReSPECT').sort(newestFirst);
  // Only the form the card links to leaves the list: another ReSPECT form (an older one, a copy held
  // elsewhere) stays listed below it.
  const shown = new Set([...sorted.flatMap((l) => l.entries), ...respects.slice(0, 1)].map((e) => e.key));
  const currentLines = sorted.filter((l) => l.current);
  // A patient's refusal and a DNACPR decision agree; only "for CPR" against either is a disagreement.
  const disagree =
    currentLines.some((l) => l.status === 'for-cpr') && currentLines.some((l) => l.status !== 'for-cpr');
  return {
    ...(decision ? { decision } : {}),
    earlier: sorted.filter((l) => l !== decision),
    ...(disagree ? { conflict: currentLines.map(lineText).join('; ') } : {}),
    ...(respects[0] ? { respect: respects[0] } : {}),
    shown,
  };
}

// ---- Alerts -----------------------------------------------------------------------------------------

export type AlertKind =
  | 'Safeguarding'
  | 'Risk to staff'
  | 'Scene safety'
  | 'Reasonable adjustment'
  | 'Communication needs'
  | 'Alert';

export interface AlertEntry {
  item: RecordItem;
  kind: AlertKind;
  text: string;
  sources: string[];
}

export function alertKind(item: RecordItem): AlertKind {
  const flag = item.resource.resourceType === 'Flag' ? (item.resource as Flag) : undefined;
  const category = (flag?.category ?? [])
    .map((c) => `${c.text ?? ''} ${c.coding?.[0]?.display ?? ''}`)
    .join(' ');
  const text = `${category} ${item.display}`;
  if (/safeguard|child protection|vulnerable adult/i.test(text)) return 'Safeguarding';
  if (/scene|dog|weapon|access to property|oxygen.*(smok|fire)/i.test(text)) return 'Scene safety';
  if (/risk to staff|violent|aggress|abusive|lone work/i.test(text)) return 'Risk to staff';
  if (/communicat|interpreter|deaf|sign language|braille|easy read/i.test(text)) return 'Communication needs';
  if (/reasonable adjust|learning disab|autis|dementia|wheelchair/i.test(text))
    return 'Reasonable adjustment';
  return 'Alert';
}

const ALERT_ORDER: AlertKind[] = [
  'Scene safety',
  'Risk to staff',
  'Safeguarding',
  'Reasonable adjustment',
  'Communication needs',
  'Alert',
];

export function alertEntries(items: RecordItem[]): AlertEntry[] {
  return items
    .filter((item) => !/inactive|entered in error|entered-in-error/i.test(item.status ?? ''))
    .map((item) => ({ item, kind: alertKind(item), text: item.display, sources: sourceNames(item) }))
    .sort((a, b) => ALERT_ORDER.indexOf(a.kind) - ALERT_ORDER.indexOf(b.kind));
}

// ---- Allergies --------------------------------------------------------------------------------------

const NO_KNOWN_ALLERGY_CODES = new Set(['716186003', '409137002', '428607008', '429625007', '428197003']);

export function isNoKnownAllergy(item: RecordItem): boolean {
  const codes = [
    item.code?.code,
    ...((item.resource as AllergyIntolerance).code?.coding ?? []).map((c) => c.code),
  ];
  if (codes.some((c) => c && NO_KNOWN_ALLERGY_CODES.has(c))) return true;
  return /^no known (drug )?allerg/i.test(item.display.trim());
}

export interface AllergyEntry {
  item: RecordItem;
  substance: string;
  reaction?: string;
  severity?: string;
  sources: string[];
  conflict?: string;
}

export interface AllergySummary {
  allergies: AllergyEntry[];
  /** "No known allergies" statements, kept apart: they are meaningful, but conflict with any real allergy. */
  noKnownAllergies: AllergyEntry[];
  conflicts: string[];
}

function allergyEntry(item: RecordItem): AllergyEntry {
  const resource = item.resource as AllergyIntolerance;
  const reaction = resource.reaction
    ?.flatMap((r) => r.manifestation ?? [])
    .map((m) => m.text ?? m.coding?.[0]?.display)
    .filter(Boolean)
    .join(', ');
  const severity = resource.reaction?.find((r) => r.severity)?.severity ?? resource.criticality;
  return {
    item,
    substance: item.display,
    reaction: reaction || undefined,
    severity,
    sources: sourceNames(item),
    conflict: item.conflict,
  };
}

export function allergySummary(items: RecordItem[], record: Pick<WessexRecord, 'conflicts'>): AllergySummary {
  const current = items.filter(
    (i) => !/entered in error|entered-in-error|refuted|resolved/i.test(i.status ?? ''),
  );
  const allergies = current.filter((i) => !isNoKnownAllergy(i)).map(allergyEntry);
  const noKnownAllergies = current.filter(isNoKnownAllergy).map(allergyEntry);
  const conflicts = record.conflicts
    .filter((c) => c.kind === 'allergy-vs-no-known-allergies')
    .map((c) => c.message);
  if (!conflicts.length && allergies.length && noKnownAllergies.length) {
    const nka = noKnownAllergies.flatMap((e) => e.sources).join(', ');
    conflicts.push(
      `${nka} records "no known allergies", but allergies are recorded elsewhere. Check with the patient.`,
    );
  }
  return { allergies, noKnownAllergies, conflicts };
}

// ---- Problems ---------------------------------------------------------------------------------------

export function isActiveProblem(item: RecordItem): boolean {
  const condition = item.resource.resourceType === 'Condition' ? (item.resource as Condition) : undefined;
  const clinical = condition?.clinicalStatus?.coding?.[0]?.code ?? item.status ?? 'active';
  const verification = condition?.verificationStatus?.coding?.[0]?.code;
  if (verification === 'entered-in-error' || verification === 'refuted') return false;
  return /active|recurrence|relapse/i.test(clinical) && !/inactive/i.test(clinical);
}

export function splitProblems(items: RecordItem[]): { active: RecordItem[]; past: RecordItem[] } {
  const sorted = [...items].sort(newestFirst);
  return { active: sorted.filter(isActiveProblem), past: sorted.filter((i) => !isActiveProblem(i)) };
}

// ---- Contacts and care team -------------------------------------------------------------------------

export type ContactRole = 'Next of kin' | 'Contact' | 'Care team' | 'Social care';

export interface ContactEntry {
  item: RecordItem;
  role: ContactRole;
  name: string;
  detail?: string;
  sources: string[];
}

const SOCIAL_CARE = /social (care|services|worker)|adult services|children'?s services/i;

function contactDetail(item: RecordItem): string | undefined {
  const resource = item.resource as {
    relationship?: { text?: string; coding?: { display?: string }[] }[];
    telecom?: { value?: string }[];
    participant?: { role?: { text?: string; coding?: { display?: string }[] }[] }[];
  };
  const relationship = resource.relationship?.map((r) => r.text ?? r.coding?.[0]?.display).filter(Boolean);
  const telecom = resource.telecom?.map((t) => t.value).filter(Boolean);
  const roles = resource.participant
    ?.flatMap((p) => p.role ?? [])
    .map((r) => r.text ?? r.coding?.[0]?.display);
  const parts = [...(relationship ?? []), ...(roles?.filter(Boolean) ?? []), ...(telecom ?? [])];
  return parts.length ? parts.join(' · ') : undefined;
}

export function contactRole(item: RecordItem): ContactRole {
  const detail = `${item.display} ${contactDetail(item) ?? ''} ${JSON.stringify((item.resource as { type?: unknown }).type ?? '')}`;
  if (SOCIAL_CARE.test(detail)) return 'Social care';
  if (item.resourceType === 'CareTeam' || item.resourceType === 'PractitionerRole') return 'Care team';
  if (/next[- ]of[- ]kin|\bNOK\b/i.test(detail)) return 'Next of kin';
  return 'Contact';
}

export function contactEntries(items: RecordItem[]): {
  entries: ContactEntry[];
  knownToSocialCare: string[];
} {
  const order: ContactRole[] = ['Next of kin', 'Contact', 'Care team', 'Social care'];
  const entries = items
    .map((item) => ({
      item,
      role: contactRole(item),
      name: item.display,
      detail: contactDetail(item),
      sources: sourceNames(item),
    }))
    .sort((a, b) => order.indexOf(a.role) - order.indexOf(b.role));
  const knownToSocialCare = [
    ...new Set(entries.filter((e) => e.role === 'Social care').flatMap((e) => e.sources)),
  ];
  return { entries, knownToSocialCare };
}
