// Advance care decisions, alerts, allergies, problems and contacts as the urgent-care summary shows them.
import type { AllergyIntolerance, Condition, Flag } from '../fhir';
import type { RecordItem, RecordPointer, WessexRecord } from '../record';
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
