// The view model the renderer (and the cache benchmark) builds from a WessexRecord: banner, sections in
// urgent-care order, and the honesty notices that must accompany every screen.
import { formatNhsNumber } from '../nhs-number';
import {
  CRITICAL_SECTIONS,
  SECTION_ORDER,
  type IdentityWarning,
  type NhsNumberVerification,
  type RecordItem,
  type SectionId,
  type SourceStatus,
  type WessexRecord,
} from '../record';
import {
  advanceCareEntries,
  alertEntries,
  allergySummary,
  contactEntries,
  resuscitationCard,
  splitProblems,
  type AdvanceCareEntry,
  type ResuscitationCard,
  type AlertEntry,
  type AllergySummary,
  type ContactEntry,
} from './clinical-sections';
import { savedCopyText } from './completeness';
import { hospitalActivity, type HospitalActivity } from './hospital-activity';
import { ageFrom, ageOfRecord, dateKey, formatDate } from './dates';
import { splitMedications, type MedicineRow } from './medications';
import { resultRows, trendSeries, type ShownResultRow, type TrendSeries } from './observations';
import { isOverview, isPagedSection, sortedNewestFirst, type RecordOverview } from './record-overview';
import { lookup } from '../json';

export const SECTION_TITLES: Record<SectionId, string> = {
  advanceCare: 'Advance care decisions',
  alerts: 'Alerts',
  allergies: 'Allergies',
  medications: 'Current medications',
  problems: 'Active problems',
  contacts: 'Contacts and care team',
  results: 'Results and vitals',
  encounters: 'Encounters',
  documents: 'Documents and letters',
  immunisations: 'Immunisations',
  carePlans: 'Care plans',
  procedures: 'Procedures',
  appointments: 'Appointments',
  other: 'Other information',
};

export interface BannerModel {
  name: string;
  nhsNumber?: string;
  verification: NhsNumberVerification;
  verificationLabel: string;
  verified: boolean;
  birthDate?: string;
  age?: string;
  sex?: string;
  address?: string;
  registeredGp?: string;
  /** "Died 3 October 2025 (aged 88)" or "Died (date not recorded)"; the current age is then not given. */
  died?: string;
  warnings: IdentityWarning[];
}

const VERIFICATION_LABELS: Record<NhsNumberVerification, string> = {
  verified: 'Verified',
  unverified: 'Not verified',
  'not-traced': 'Not traced',
  invalid: 'Invalid NHS number',
  unknown: 'Verification status unknown',
};

export function bannerModel(
  record: Pick<WessexRecord, 'patient' | 'identityWarnings' | 'identityConfirmation'>,
  now: Date,
): BannerModel {
  const p = record.patient;
  const warnings = [...record.identityWarnings];
  if (p.verification !== 'verified' && !warnings.some((w) => w.kind === 'unverified-nhs-number')) {
    const status = `NHS number status: ${p.verificationDisplay ?? VERIFICATION_LABELS[p.verification]}.`;
    warnings.push({
      kind: 'unverified-nhs-number',
      message: record.identityConfirmation
        ? `${status} The patient's surname and date of birth were checked instead.`
        : `${status} Confirm the patient's identity before relying on this record.`,
    });
  }
  const deathDate = p.deceased?.date;
  const ageAtDeath =
    p.deceased && deathDate
      ? ageFrom(p.birthDate, new Date(`${deathDate.slice(0, 10)}T12:00:00Z`))
      : undefined;
  const died = p.deceased
    ? deathDate
      ? `Died ${formatDate(deathDate)}${ageAtDeath ? ` (aged ${ageAtDeath})` : ''}`
      : 'Died (date not recorded)'
    : undefined;
  return {
    name: p.name || 'Name not recorded',
    nhsNumber: p.nhsNumber ? formatNhsNumber(p.nhsNumber) : undefined,
    verification: p.verification,
    verificationLabel: p.verificationDisplay ?? VERIFICATION_LABELS[p.verification],
    verified: p.verification === 'verified',
    birthDate: p.birthDate ? formatDate(p.birthDate) : undefined,
    age: p.deceased ? undefined : ageFrom(p.birthDate, now),
    sex: p.sex ? p.sex.charAt(0).toUpperCase() + p.sex.slice(1) : undefined,
    address: p.address,
    registeredGp: p.registeredGp,
    ...(died ? { died } : {}),
    warnings,
  };
}

export interface SourceLine {
  id: string;
  name: string;
  state: SourceStatus['state'];
  stateLabel: string;
  /** The state as it reads within a sentence ("CHIE: failed", "DCR: saved copy, 18:00 GMT today"). */
  stateInSentence: string;
  message?: string;
  fetchedAt?: string;
  resourceCount: number;
  warnings: string[];
  problem: boolean;
  /** "saved copy, 09:14 today": what is shown from this source is a saved copy (never "Answered"). */
  savedCopy?: string;
  /** The source refused this user's read (its regional policy): `message` says why. */
  withheld?: boolean;
}

const STATE_LABELS: Record<SourceStatus['state'], string> = {
  pending: 'Loading',
  complete: 'Answered',
  partial: 'Partly answered',
  failed: 'Failed',
  'not-reached': 'Not contacted',
};

/** "1 entry", "5 entries"; "1 or more entries" while only the newest of the long lists have been read. */
export function entriesCount(count: number, atLeast = false): string {
  if (atLeast) return `${count} or more entries`;
  return `${count} ${count === 1 ? 'entry' : 'entries'}`;
}

/**
 * A label as it reads within a sentence: only its first letter lower-cased, so the zone, months and names in it
 * keep their capitals ("saved copy, 18:00 GMT today", never "18:00 gmt").
 */
export function inSentence(label: string): string {
  return /^[A-Z][a-z]/.test(label) ? label.charAt(0).toLowerCase() + label.slice(1) : label;
}

/** One line per source; a source shown from a saved copy is labelled so ("Saved copy, 09:14 today"). */
export function sourceLines(sources: SourceStatus[], now: Date = new Date()): SourceLine[] {
  return sources.map((s) => {
    const savedCopy = s.savedCopy ? savedCopyText(s.savedCopy.asOf, now) : undefined;
    const stateLabel = savedCopy
      ? savedCopy.charAt(0).toUpperCase() + savedCopy.slice(1)
      : s.refusal
        ? 'Withheld'
        : STATE_LABELS[s.state];
    return {
      id: s.id,
      name: s.name,
      state: s.state,
      stateLabel,
      stateInSentence: savedCopy ?? inSentence(stateLabel),
      ...(savedCopy ? { savedCopy } : {}),
      message: s.message,
      fetchedAt: s.fetchedAt,
      resourceCount: s.resourceCount,
      warnings: s.warnings,
      // A source that refused this user withheld its record on purpose: not a fetch problem.
      problem:
        !s.refusal &&
        (s.state === 'failed' || s.state === 'partial' || s.state === 'not-reached' || s.warnings.length > 0),
      ...(s.refusal ? { withheld: true } : {}),
    };
  });
}

export interface Notices {
  offline?: { asOf: string; age: string };
  withheld: boolean;
  dissent: boolean;
  ungrantedScopes: string[];
  failedSources: SourceLine[];
  /** Sources that refused this user (dissent, role): withheld, in their own words per source. */
  withheldSources: SourceLine[];
}

export function notices(record: WessexRecord, now: Date): Notices {
  const lines = sourceLines(record.sources, now);
  return {
    offline: record.offline
      ? { asOf: record.offline.asOf, age: ageOfRecord(record.offline.asOf, now) }
      : undefined,
    withheld: record.withheld.count > 0,
    dissent: record.dissent,
    ungrantedScopes: record.ungrantedScopes,
    failedSources: lines.filter((s) => s.problem),
    withheldSources: lines.filter((s) => s.withheld),
  };
}

/** "patient/Observation.rs" → "Observation (results and vitals)": why a section may be missing. */
export function explainScope(scope: string): string {
  const match = /^(?:patient|user|system)\/([A-Za-z*]+)\./.exec(scope);
  const type = match?.[1] ?? scope;
  const known: Record<string, string> = {
    Observation: 'results and vitals',
    MedicationRequest: 'medications',
    MedicationStatement: 'medications',
    AllergyIntolerance: 'allergies',
    Condition: 'problems',
    DocumentReference: 'documents and letters',
    Immunization: 'immunisations',
    Encounter: 'encounters',
    CarePlan: 'care plans',
    Flag: 'alerts',
  };
  const words = lookup(known, type);
  return words ? `${type} (${words})` : type;
}

export interface SummaryModel {
  banner: BannerModel;
  /** Sections that hold anything, in urgent-care order, with counts (for navigation and "nothing recorded"). */
  counts: Record<SectionId, number>;
  advanceCare: AdvanceCareEntry[];
  /** Resuscitation status, first on the urgent-care view. */
  resuscitation: ResuscitationCard;
  /** In hospital now, and admissions and ED attendances of the last 30 days. */
  hospital: HospitalActivity;
  alerts: AlertEntry[];
  allergies: AllergySummary;
  medications: { current: MedicineRow[]; past: MedicineRow[] };
  problems: { active: RecordItem[]; past: RecordItem[] };
  contacts: { entries: ContactEntry[]; knownToSocialCare: string[] };
  results: ShownResultRow[];
  trends: TrendSeries[];
  bySection: Record<SectionId, RecordItem[]>;
}

export function itemsBySection(items: RecordItem[]): Record<SectionId, RecordItem[]> {
  const groups = Object.fromEntries(SECTION_ORDER.map((s) => [s, [] as RecordItem[]])) as Record<
    SectionId,
    RecordItem[]
  >;
  for (const item of items) (groups[item.section] ?? groups.other).push(item);
  for (const id of SECTION_ORDER) if (id !== 'results') groups[id] = sortedNewestFirst(groups[id]);
  return groups;
}

export interface SummaryOptions {
  /** Only the newest N results rows, and no trends (the full summary's "recent results"). */
  recentResults?: number;
}

/** The items holding the newest `n` result dates (ties kept, so the rows' own order decides between them). */
function newestResults(items: RecordItem[], n: number): RecordItem[] {
  if (items.length <= n) return items;
  const keys = items.map((i) => dateKey(i.date));
  const threshold = [...keys].sort((a, b) => b - a)[n - 1]!;
  return items.filter((_, i) => keys[i]! >= threshold);
}

/**
 * The summary of a whole record, or of the overview the screen receives (whose long lists hold only their
 * newest entries: their counts are the overview's totals, and its results rows are the newest few).
 */
export function buildSummary(
  record: WessexRecord | RecordOverview,
  now: Date,
  options: SummaryOptions = {},
): SummaryModel {
  const bySection = itemsBySection(record.items);
  const overview = isOverview(record) ? record : undefined;
  const counts = Object.fromEntries(
    SECTION_ORDER.map((s) => [
      s,
      overview && isPagedSection(s) ? overview.lists[s].total : bySection[s].length,
    ]),
  ) as Record<SectionId, number>;
  const advanceCare = advanceCareEntries(bySection.advanceCare, record.pointers);
  return {
    banner: bannerModel(record, now),
    counts,
    advanceCare,
    resuscitation: resuscitationCard(advanceCare),
    hospital: overview?.hospital ?? hospitalActivity(bySection.encounters, now),
    alerts: alertEntries(bySection.alerts),
    allergies: allergySummary(bySection.allergies, record),
    medications: splitMedications(bySection.medications),
    problems: splitProblems(bySection.problems),
    contacts: contactEntries(bySection.contacts),
    ...(overview
      ? { results: overview.recentResults, trends: [] }
      : summaryResults(bySection.results, options.recentResults)),
    bySection,
  };
}

/** The results rows (all, or the newest `recent` with no trends) from the results section's items. */
export function summaryResults(
  items: RecordItem[],
  recent?: number,
): Pick<SummaryModel, 'results' | 'trends'> {
  if (recent !== undefined)
    return { results: resultRows(newestResults(items, recent)).slice(0, recent), trends: [] };
  const results = resultRows(items);
  return { results, trends: trendSeries(results) };
}

export { CRITICAL_SECTIONS, SECTION_ORDER };
