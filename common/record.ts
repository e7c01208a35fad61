// The merged Wessex record as every layer sees it: produced by the record engine (main), governed,
// cached and rendered. Pure data: no Node, DOM or Electron here, so main, preload and renderer all share it.
import type { AccessRefusalCode } from './access-refusal';
import type { Resource } from './fhir';

/** How one source ended. "not-reached" means we never asked it (offline, dissent, identity not safe to use). */
export type SourceState = 'pending' | 'complete' | 'partial' | 'failed' | 'not-reached';

export type SourceKind = 'epr' | 'regional' | 'locator';

export interface SourceStatus {
  id: string;
  name: string;
  kind: SourceKind;
  baseUrl: string;
  state: SourceState;
  /** Plain-words reason for anything other than complete (shown to the clinician). */
  message?: string;
  /** ISO instant the source last answered. */
  fetchedAt?: string;
  resourceCount: number;
  /** Pages skipped because of the page cap, resource types that could not be read, etc. */
  warnings: string[];
  /**
   * The entries shown from this source are a saved copy from this instant: the source failed just now (its
   * state says why) or the whole record was opened offline. Never shown as "answered".
   */
  savedCopy?: { asOf: string };
  /** Resource types this source did not return in full (a partial source); undefined: all or nothing. */
  incompleteTypes?: string[];
  /** The patient has declined to share this source's record: its entries are withheld from this user. */
  declined?: boolean;
  /** The source itself refused this user's read (regional policy: dissent, role…): withheld, not failed. */
  refusal?: AccessRefusalCode;
}

/** Where one contributing copy of an item came from. */
export interface Provenance {
  sourceId: string;
  sourceName: string;
  server: string;
  resourceType: string;
  resourceId: string;
  lastUpdated?: string;
  /** This copy comes from a saved copy of the source as of this instant (the source did not answer now). */
  savedCopy?: { asOf: string };
  /**
   * The source (a record locator) only lists this document: its pointer (`resourceId`) points at the copy
   * another source holds, and no content of it comes from here.
   */
  listedOnly?: true;
}

/** Sections in urgent-care order (ARCHITECTURE.md, "Clinical priority"). */
export const SECTION_ORDER = [
  'advanceCare',
  'alerts',
  'allergies',
  'medications',
  'problems',
  'contacts',
  'results',
  'encounters',
  'documents',
  'immunisations',
  'carePlans',
  'procedures',
  'appointments',
  'other',
] as const;
export type SectionId = (typeof SECTION_ORDER)[number];

/** The sections a paramedic needs before anything else; the engine fetches and emits these first. */
export const CRITICAL_SECTIONS: readonly SectionId[] = [
  'advanceCare',
  'alerts',
  'allergies',
  'medications',
  'problems',
];

/**
 * What a paramedic looks for first, among the critical sections: painted on their own, before the medicines and
 * problems (hundreds of rows) are laid out.
 */
export const FIRST_PAINTED_SECTIONS: ReadonlySet<SectionId> = new Set<SectionId>([
  'advanceCare',
  'alerts',
  'allergies',
]);

/**
 * What a source's urgent-care reads settle on their own. A resuscitation decision can also be an observation or a
 * document worded as one (searched for by code up front, found by its words only among the rest of the record), so
 * the advance care section waits for a source's whole read: until then it says the source is still loading.
 */
export const SETTLED_BY_URGENT_CARE_READS: readonly SectionId[] = CRITICAL_SECTIONS.filter(
  (s) => s !== 'advanceCare',
);

export interface CodeRef {
  system?: string;
  code?: string;
  display?: string;
}

/** One clinical entry after de-duplication: one representative resource plus every source that holds it. */
export interface RecordItem {
  /** Stable key for the merged item (fingerprint), unique within a record. */
  key: string;
  section: SectionId;
  resourceType: string;
  /** Display text with fallbacks (text → coding.display → code); never empty. */
  display: string;
  /** Clinically relevant date (onset, recorded, effective, authored, period start), ISO. */
  date?: string;
  /** Clinical/verification status in plain words (e.g. "active", "stopped", "entered in error"). */
  status?: string;
  code?: CodeRef;
  /** The representative resource (from the most recently updated source). */
  resource: Resource;
  provenance: Provenance[];
  /** Set when the sources disagree about this item; the text is shown to the clinician. */
  conflict?: string;
}

export type ConflictKind = 'allergy-vs-no-known-allergies' | 'medication-status' | 'resuscitation-status';

export interface RecordConflict {
  kind: ConflictKind;
  message: string;
  itemKeys: string[];
}

export type IdentityWarningKind =
  'multiple-matches' | 'demographic-mismatch' | 'unverified-nhs-number' | 'invalid-nhs-number' | 'not-found';

export interface IdentityWarning {
  kind: IdentityWarningKind;
  message: string;
  sourceId?: string;
}

/** A record-locator pointer (NRL-style DocumentReference) to a document held elsewhere. */
export interface RecordPointer {
  id: string;
  type: CodeRef;
  author?: string;
  custodian?: string;
  date?: string;
  url?: string;
  contentType?: string;
  /** The pointer's masterIdentifier and identifiers, as the merge keys them (`DocumentReference|id|system|value`). */
  identifiers?: string[];
  /** The pointed-to content's SHA-1 (base64), as the pointer's attachment states it. */
  hash?: string;
  /**
   * The pointer's own security labels as the locator sent them (its `meta.security` and `securityLabel`
   * codings, and its contained resources'): patient-level governance withholds on them, here and in a saved copy.
   */
  labels?: CodeRef[];
  /**
   * Every coding the pointer carries besides its type's first (its type's others, category,
   * context.practiceSetting, facilityType, event, contained resources, extensions …): patient-level governance
   * withholds on sensitive codes anywhere in it, as in a DCR or CHIE DocumentReference, here and in a saved copy.
   */
  codes?: CodeRef[];
  /** The pointer is nested too deeply for its codings to be read all: withheld as one that could not be checked. */
  codesUnchecked?: true;
  /** Whether the pointed-to document was fetched, and if not, why. */
  retrieval: 'retrieved' | 'not-configured' | 'unreachable' | 'not-attempted';
  retrievalMessage?: string;
  /** The retrieved document when retrieval === 'retrieved' (text/HTML/PDF as a FHIR Binary or DocumentReference). */
  document?: Resource;
  sourceId: string;
}

export type NhsNumberVerification = 'verified' | 'unverified' | 'not-traced' | 'invalid' | 'unknown';

export interface PatientSummary {
  name: string;
  nhsNumber?: string;
  verification: NhsNumberVerification;
  /** Display of the verification extension's coding when present (e.g. "Number present and verified"). */
  verificationDisplay?: string;
  birthDate?: string;
  sex?: string;
  address?: string;
  registeredGp?: string;
  /** The patient has died (date when the source gives one). */
  deceased?: { date?: string };
}

/**
 * A regional source whose patient does not agree with the others (or with the EPR) on name, date of birth or
 * sex: its entries are kept apart, labelled, never merged into the record until the clinician decides.
 */
export interface HeldApartRecord {
  sourceId: string;
  sourceName: string;
  /** Who that source says the patient is. */
  patient: PatientSummary;
  /** What disagrees, in plain words ("date of birth 2 March 1987 where DCR has 20 November 1956"). */
  differences: string[];
  /** Which patient this is (a decision is about this patient only, not whoever the source holds later). */
  patientKey: string;
  items: RecordItem[];
  /** Entries held apart in all, when `items` holds only the newest of them (the screen's overview). */
  itemCount?: number;
}

/** The clinician's decision on a held-apart source (audited). */
export interface IdentityDecision {
  sourceId: string;
  /** HeldApartRecord.patientKey of the patient decided about. */
  patientKey: string;
  decision: 'same-person' | 'different-person';
  decidedBy: string;
  at: string;
}

/** An unverified NHS number the clinician confirmed against the regional match (audited, shown on the record). */
export interface IdentityConfirmation {
  confirmedBy: string;
  at: string;
  /** The demographics the clinician checked. */
  familyName: string;
  birthDate: string;
}

/**
 * Whether a section can be trusted to be whole:
 * - complete: every source that could hold it answered completely ("None recorded" may be said);
 * - incomplete: a source failed, timed out or answered in part (`gaps` says which and why);
 * - loading: a source has not answered yet (progress only; never in a finished record);
 * - withheld: policy, dissent or role keeps it from this user (`reason`);
 * - not-requested: the sources were not asked (identity not safe to search, for example; `reason`).
 */
export type CompletenessState = 'complete' | 'incomplete' | 'loading' | 'withheld' | 'not-requested';

/** A gap that is the screen's own, not a source's: the record could not be opened, or a section was lost. */
export function screenGap(reason: string): SectionGap {
  return { sourceId: 'record', sourceName: 'Record', reason };
}

export interface SectionGap {
  sourceId: string;
  sourceName: string;
  /** "CHIE could not be checked: no response in 30 s". */
  reason: string;
  /** The source has not answered yet (it may still). */
  loading?: boolean;
  /** …and the urgent-care deadline has passed: the section is shown as incomplete while it keeps trying. */
  overdue?: boolean;
  /** The gap is a withholding (the patient declined to share that source's record), not a failure. */
  withheld?: boolean;
  /** Its entries shown in this section come from a saved copy as of this instant. */
  savedCopyAsOf?: string;
}

export interface SectionCompleteness {
  state: CompletenessState;
  gaps: SectionGap[];
  reason?: string;
  /** The whole section comes from a saved copy as of this instant (offline). */
  savedCopyAsOf?: string;
}

export type RecordCompleteness = Record<SectionId, SectionCompleteness>;

/** What governance withheld (counts only: never what). */
export interface WithheldSummary {
  count: number;
  reasons: string[];
  /**
   * The sections something was withheld from, each with the reasons why (patient-level governance): none of
   * them may say "None recorded".
   */
  sections?: Partial<Record<SectionId, string[]>>;
}

/** What the governance step did, so the UI can explain it (issue 7). Set by governForUser, the last step of every read. */
export interface GovernanceSummary {
  access: 'everything' | 'urgent-care-and-documents' | 'demographics-only';
  /** Sections this user's role may not see: the UI says "not available for your role". */
  hiddenSections: SectionId[];
  /** Items and pointers hidden because of the role (not counted in `withheld`). */
  hiddenForRoleCount: number;
  /** Viewed under break-glass (banner for the rest of the session). */
  breakGlass: boolean;
  /** The patient declined sharing, and break-glass overrode it because policy allows that (audited). */
  dissentOverridden: boolean;
}

export interface WessexRecord {
  patient: PatientSummary;
  sources: SourceStatus[];
  items: RecordItem[];
  conflicts: RecordConflict[];
  identityWarnings: IdentityWarning[];
  pointers: RecordPointer[];
  withheld: WithheldSummary;
  /** The patient has declined sharing: the shared record is withheld (governance issue). */
  dissent: boolean;
  /** ISO instant the record was assembled. */
  assembledAt: string;
  /** Scopes asked for but not granted, explained in the UI ("could not read …"). */
  ungrantedScopes: string[];
  /** Set when the record comes from the offline cache rather than live sources. */
  offline?: { asOf: string };
  /** Set by the governance step (role access, break-glass, dissent override). */
  governance?: GovernanceSummary;
  /** Per section: may an empty section be called "none recorded", and if not, why not. */
  completeness: RecordCompleteness;
  /** Sources whose patient did not agree with the others: shown apart, never merged. */
  heldApart: HeldApartRecord[];
  /** Decisions the clinician took on held-apart sources in this session. */
  identityDecisions?: IdentityDecision[];
  /** Set when the clinician confirmed an unverified NHS number before regional records were searched. */
  identityConfirmation?: IdentityConfirmation;
}

/** Progress events the engine emits while assembling a record (progressive paint). */
export type RecordEvent =
  | { type: 'source'; requestId: string; source: SourceStatus }
  | {
      type: 'section';
      requestId: string;
      section: SectionId;
      /**
       * The section's merged items so far: replaces any earlier event for the same section. Omitted when they
       * are exactly those of this request's previous event for the section (only the completeness changed).
       */
      items?: RecordItem[];
      /** What is still loading or missing: the section says "None recorded" only when this is complete. */
      completeness: SectionCompleteness;
    }
  /**
   * Who the record is for, as soon as it is known (the launch context first, then the sources' agreed patient);
   * `offline` when what follows is the saved copy, so it is labelled as one from the first paint.
   */
  | { type: 'patient'; requestId: string; patient: PatientSummary; offline?: { asOf: string } }
  | { type: 'record'; requestId: string; record: WessexRecord }
  | { type: 'error'; requestId: string; message: string };

export type SectionEvent = Extract<RecordEvent, { type: 'section' }>;

/** A section's items once its event is applied: an event without items keeps the ones the section has. */
export function sectionItemsAfter(event: SectionEvent, earlier: RecordItem[] | undefined): RecordItem[] {
  return event.items ?? earlier ?? [];
}

/** A record with nothing in it yet: the start of progressive paint, or a container for a section's items. */
export function emptyRecord(patient: PatientSummary = { name: '', verification: 'unknown' }): WessexRecord {
  return {
    patient,
    sources: [],
    items: [],
    conflicts: [],
    identityWarnings: [],
    pointers: [],
    withheld: { count: 0, reasons: [] },
    dissent: false,
    assembledAt: '',
    ungrantedScopes: [],
    completeness: uniformCompleteness({ state: 'loading', gaps: [] }),
    heldApart: [],
  };
}

/** The same completeness for every section. */
export function uniformCompleteness(value: SectionCompleteness): RecordCompleteness {
  return Object.fromEntries(SECTION_ORDER.map((s) => [s, value])) as RecordCompleteness;
}

/**
 * Each source's count of what the record shows from it (items, or pointers for the locator). Counted after
 * governance, so a count never reveals how much was withheld.
 */
export function recountSources(
  sources: SourceStatus[],
  items: RecordItem[],
  pointers: RecordPointer[],
): SourceStatus[] {
  const counts = new Map<string, number>();
  const add = (id: string) => counts.set(id, (counts.get(id) ?? 0) + 1);
  // Each source once per item (its second copy of one entry is not a second entry), without a set per item.
  for (const { provenance } of items) {
    provenance.forEach(({ sourceId }, i) => {
      if (provenance.findIndex((p) => p.sourceId === sourceId) === i) add(sourceId);
    });
  }
  for (const pointer of pointersApart(pointers, items)) add(pointer.sourceId);
  return sources.map((s) => ({ ...s, resourceCount: counts.get(s.id) ?? 0 }));
}

/**
 * The pointers not already shown as one of these items: a pointer to a document a regional source also holds
 * is listed once, as that source's entry (its provenance says the locator lists it too). Relative to the items
 * given, so a view that does not show that entry (another section, hidden for the role) still lists the pointer.
 */
export function pointersApart(pointers: RecordPointer[], items: readonly RecordItem[]): RecordPointer[] {
  if (!pointers.length) return pointers;
  const listed = new Set<string>();
  for (const { provenance } of items) {
    for (const p of provenance) if (p.listedOnly) listed.add(`${p.sourceId}|${p.resourceId}`);
  }
  return listed.size ? pointers.filter((p) => !listed.has(`${p.sourceId}|${p.id}`)) : pointers;
}
