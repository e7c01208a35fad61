// The one bridge contract between the renderer and the main process.
// - Requests: `invoke(channel, args)`; main validates every argument against the schema here before use.
// - Events: `on(event, listener)`; main pushes them (record progress, prefetch progress, session changes).
// The renderer imports this file for types only; main imports the schemas; preload only forwards channels.
import { z } from 'zod';
import { isValidNhsNumber } from '../common/nhs-number';
import {
  isCalendarDate,
  NAME_MAX,
  PERSON_NAME,
  POSTCODE,
  type PatientSearchResult,
} from '../common/patient-search';
import type { CaseloadEvent, CaseloadWatchStatus } from '../common/caseload-events';
import type { HandoverPdfRemoval } from '../common/handover-pdfs';
import type { Preferences } from '../common/preferences';
import type { RecordEvent, RecordItem } from '../common/record';
import {
  MAX_PAGE_ROWS,
  TREND_RANGES,
  type CumulativePanel,
  type RecordOverview,
  type ShownResultRow,
  TIMELINE_KINDS,
  type SearchHit,
  type TimelinePage,
  type TrendChartModel,
} from '../common/summary';

const nhsNumber = z
  .string()
  .trim()
  .regex(/^[\d\s-]{10,14}$/, 'NHS number must be ten digits');
/** A number the clinician typed to open a record: its modulus-11 check digit must be right. */
const validNhsNumber = nhsNumber.refine(
  isValidNhsNumber,
  'That is not a valid NHS number: please check the digits',
);
const requestId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const personName = z
  .string()
  .trim()
  .min(1)
  .max(NAME_MAX)
  .regex(PERSON_NAME, 'a name is letters, spaces, hyphens and apostrophes');
const caseloadListId = z
  .string()
  .regex(/^[A-Za-z0-9\-.]{1,64}$/, 'a caseload list id is letters, digits, dashes and dots');
const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

export const bridgeRequestSchemas = {
  /** Everything the first screen needs: policy state, who is signed in, the patient in context. */
  'app:get-state': z.object({}).strict(),
  /** Open (fetch live, or from cache when offline) a patient's Wessex record; progress arrives as `record:event`. */
  'record:open': z
    .object({
      nhsNumber: validNhsNumber,
      requestId,
      preferOffline: z.boolean().optional(),
      /** Only the saved copy on this computer; the sources are not asked (an error if there is none). */
      offlineOnly: z.boolean().optional(),
      /**
       * The caller keeps the urgent-care sections' entries from this open's events (the screen does): the
       * answer leaves out a section whose entries the events already carried, and names it in `sectionsAsSent`.
       */
      keepsSectionEvents: z.boolean().optional(),
    })
    .strict(),
  /**
   * The clinician checked the patient's surname and date of birth, so an unverified NHS number may be used to
   * search regional records (audited; the record says it was confirmed). Then open the record again.
   */
  'record:confirm-identity': z
    .object({
      nhsNumber: validNhsNumber,
      familyName: z.string().trim().min(1).max(100),
      birthDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'date of birth as YYYY-MM-DD'),
    })
    .strict(),
  /** The clinician's decision on a source held apart because its patient may be someone else (audited). */
  'record:decide-identity': z
    .object({
      nhsNumber: validNhsNumber,
      sourceId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
      decision: z.enum(['same-person', 'different-person']),
    })
    .strict(),
  /**
   * A page of one long list of the record opened by `requestId` (results, encounters, procedures,
   * appointments, other), newest first unless asked otherwise. Read from the record main holds: not audited
   * again, and refused once the session locks or another open replaces it.
   */
  'record:items': z
    .object({
      nhsNumber: validNhsNumber,
      requestId,
      section: z.enum(['encounters', 'procedures', 'appointments', 'other']),
      offset: z.number().int().min(0),
      limit: z.number().int().min(1).max(MAX_PAGE_ROWS),
      order: z.enum(['newest-first', 'oldest-first']).optional(),
    })
    .strict(),
  /** A page of the results rows (newest first), all or only those flagged high, low or abnormal. */
  'record:results': z
    .object({
      nhsNumber: validNhsNumber,
      requestId,
      offset: z.number().int().min(0),
      limit: z.number().int().min(1).max(MAX_PAGE_ROWS),
      flaggedOnly: z.boolean().optional(),
    })
    .strict(),
  /**
   * The trend charts of the opened record's repeated observations, most frequently recorded first, for the
   * period asked (default all dates), each down-sampled with every flagged reading kept.
   */
  'record:trends': z
    .object({
      nhsNumber: validNhsNumber,
      requestId,
      range: z.enum(TREND_RANGES.map((r) => r.value)).optional(),
    })
    .strict(),
  /** A page of every reading of one test (`ResultRow.testKey`), newest first. */
  'record:result-history': z
    .object({
      nhsNumber: validNhsNumber,
      requestId,
      testKey: z.string().min(1).max(500),
      offset: z.number().int().min(0),
      limit: z.number().int().min(1).max(MAX_PAGE_ROWS),
    })
    .strict(),
  /**
   * The cumulative tables by panel (tests as rows, dates as columns, newest first): every panel from its
   * newest dates, or only `panel` from `dateOffset` (to see older dates).
   */
  'record:result-panels': z
    .object({
      nhsNumber: validNhsNumber,
      requestId,
      panel: z.string().min(1).max(520).optional(),
      dateOffset: z.number().int().min(0).optional(),
    })
    .strict(),
  /** Entries of the opened record holding every word asked for (display, codes, titles), newest first. */
  'record:search': z
    .object({
      nhsNumber: validNhsNumber,
      requestId,
      query: z.string().trim().min(1).max(100),
      limit: z.number().int().min(1).max(MAX_PAGE_ROWS).optional(),
    })
    .strict(),
  /**
   * Find a patient by family name and date of birth (given name and postcode narrow it) in every configured
   * regional source and the EPR (audited as a PatientQuery before any is asked).
   */
  'patient:search': z
    .object({
      family: personName,
      given: personName.optional(),
      birthDate: z.string().refine(isCalendarDate, 'date of birth must be a real date written YYYY-MM-DD'),
      postcode: z.string().trim().regex(POSTCODE, 'a postcode, or its first part, like BH24').optional(),
    })
    .strict(),
  /**
   * A page of the opened record's timeline (encounters, results, documents, medicines started and stopped,
   * problems), newest first with month headings, filtered by type, source and inclusive date range.
   */
  'record:timeline': z
    .object({
      nhsNumber: validNhsNumber,
      requestId,
      offset: z.number().int().min(0),
      limit: z.number().int().min(1).max(MAX_PAGE_ROWS),
      kinds: z.array(z.enum(TIMELINE_KINDS)).max(TIMELINE_KINDS.length).optional(),
      sources: z
        .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/))
        .max(20)
        .optional(),
      from: isoDay.optional(),
      to: isoDay.optional(),
    })
    .strict(),
  /** Offline search over cached records (NHS number, name, date of birth). */
  'cache:search': z.object({ query: z.string().trim().min(1).max(100) }).strict(),
  'cache:list': z.object({}).strict(),
  'cache:delete': z.object({ nhsNumber }).strict(),
  'cache:delete-all': z.object({}).strict(),
  /** Caseload prefetch; progress arrives as `prefetch:progress`. */
  'prefetch:start': z
    .object({
      requestId,
      nhsNumbers: z.array(nhsNumber).max(500).optional(),
      fromSource: z.enum(['appointments-today', 'caseload-list']).optional(),
      /** With caseload-list: this List (a FHIR id); without, the clinician's current caseload List. */
      listId: caseloadListId.optional(),
      pin: z.boolean().optional(),
    })
    .strict(),
  /**
   * Watch the caseload for admissions, discharges, ED attendances, new letters and deaths in the regional
   * records (replaces any watch running). Needs the caseload reason, like a prefetch: it covers opening the
   * record of any patient the watch reports on. New events arrive as `caseload:event`.
   */
  'caseload:watch-start': z
    .object({
      fromSource: z.enum(['appointments-today', 'caseload-list']).optional(),
      listId: caseloadListId.optional(),
      nhsNumbers: z.array(validNhsNumber).max(1000).optional(),
    })
    .strict()
    .refine((a) => !!a.fromSource || !!a.nhsNumbers?.length, {
      message: 'Choose the caseload to watch: today’s appointments, a caseload list, or NHS numbers',
    }),
  'caseload:watch-stop': z.object({}).strict(),
  /**
   * A page of the watch's events (newest first, governed for the signed-in user), `total` (every event kept) and
   * the watch's status. `olderThan`: the page after this event (the last one of the page before), older, so
   * "Show older updates" goes on from what is shown however many new events arrive meanwhile.
   */
  'caseload:events': z
    .object({
      limit: z.number().int().min(1).max(MAX_PAGE_ROWS),
      offset: z.number().int().min(0),
      olderThan: z
        .object({
          at: z.string().min(1).max(100),
          receivedAt: z.string().min(1).max(100),
          id: z.string().min(1).max(300),
        })
        .strict()
        .optional(),
    })
    .strict(),
  /**
   * Opening a patient the watch reported on: the watch's caseload reason becomes that patient's own (audited
   * for them), as a prefetch's reason does for each patient it saves. Then open the record.
   */
  'caseload:open-patient': z.object({ nhsNumber: validNhsNumber }).strict(),
  /**
   * Reason for access to one patient (every patient but the EPR's patient in context needs one), or
   * break-glass for one patient with a mandatory free-text reason. Without an NHS number: the reason for the
   * next caseload prefetch, applied to and audited for each patient in it (break-glass is never for a list).
   */
  'access:declare-reason': z
    .object({
      reasonCode: z.string().min(1).max(64),
      breakGlass: z.boolean(),
      freeText: z.string().trim().max(500).optional(),
      nhsNumber: validNhsNumber.optional(),
    })
    .strict(),
  /** Direct sign-in (standalone launch) for a clinician not working in an EPR, e.g. a paramedic. */
  'session:sign-in': z.object({}).strict(),
  /** The user re-authenticated after the inactivity lock. */
  'session:unlock': z.object({}).strict(),
  'session:sign-out': z.object({}).strict(),
  /**
   * Print the handover summary on screen. The host prints the window (Electron's print dialog; the harness's
   * PDF printer) and main audits it; the renderer never calls window.print().
   */
  'handover:print': z.object({ nhsNumber: validNhsNumber }).strict(),
  /**
   * Save the handover summary on screen as a PDF (Electron printToPDF; Chromium's page PDF in the harness):
   * where it goes is machine policy (a save dialog, IT's folder, or kept only in the encrypted store).
   */
  'handover:save-pdf': z.object({ nhsNumber: validNhsNumber }).strict(),
  /** A handover PDF kept only in the encrypted store, to show in the viewer (never written to a file). */
  'handover:open-kept': z.object({ nhsNumber: validNhsNumber, exportId: z.string().uuid() }).strict(),
  'preferences:get': z.object({}).strict(),
  /** Merged into the saved preferences and validated there (unknown keys and bad values are refused). */
  'preferences:update': z.object({ patch: z.record(z.string(), z.unknown()) }).strict(),
  /** Fetch the document behind a locator pointer or DocumentReference attachment. */
  'document:get': z
    .object({
      nhsNumber,
      pointerId: z.string().min(1).max(200),
      /** Which of the entry's content parts (DocumentReference.content); the first showable one if left out. */
      part: z.number().int().min(0).max(99).optional(),
    })
    .strict(),
} as const;

export type BridgeChannel = keyof typeof bridgeRequestSchemas;
/** Every request channel, derived from the schemas (no second list to keep in step). */
export const bridgeChannels = Object.keys(bridgeRequestSchemas) as BridgeChannel[];
export type BridgeArgs<C extends BridgeChannel> = z.input<(typeof bridgeRequestSchemas)[C]>;

export interface SessionInfo {
  /** This sign-in (a new launch is a new session, even with the same patient in context). */
  id: string;
  /** `role`: the policy's role code; `roleDisplay`: the sign-in's name for it, for the screen. */
  user: { display: string; fhirUser?: string; role: string; roleDisplay?: string; organisation?: string };
  /** How the session began: an EPR launch carries patient context; a standalone launch needs a reason. */
  launch: 'ehr' | 'standalone' | 'os-user';
  patientNhsNumber?: string;
  grantedScopes: string[];
  ungrantedScopes: string[];
  /** The patients this session may see and why: the EPR's patient in context, a declared reason, break-glass. */
  patientReasons: PatientAccessReason[];
  /** A reason declared for the next caseload prefetch (taken by it). */
  caseloadReason?: string;
  /** While locked the session carries no patient (no NHS numbers, no reasons); unlocking restores them. */
  locked: boolean;
  /** Unlocking (a fresh sign-in in the browser): under way, or why the last attempt left it locked. */
  unlock?: { waiting: boolean; problem?: string };
  /**
   * The EPR launched for a patient it sent no NHS number for: who (as the EPR names them), so the screen can say
   * Wessex records cannot be matched (and offer Find a patient) instead of showing anyone else.
   */
  eprPatientWithoutNhsNumber?: { name: string; birthDate?: string; message: string };
}

/**
 * A launch from the EPR in progress, or why the last one failed. While set, no patient from before the launch
 * is shown (the EPR has changed context); a launch that opens a session clears it.
 */
export type LaunchStatus = { state: 'opening' } | { state: 'failed'; message: string };

export interface PatientAccessReason {
  nhsNumber: string;
  label: string;
  at: string;
  /** Emergency access to this patient, with the reason in the clinician's words. */
  breakGlass?: { reason: string; at: string };
}

export interface SandboxPatientInfo {
  nhsNumber: string;
  name: string;
  demonstrates: string;
}

export interface CachedRecordSummary {
  nhsNumber: string;
  name: string;
  birthDate?: string;
  fetchedAt: string;
  expiresAt: string;
  pinned: boolean;
  sources: { name: string; state: string }[];
}

export type PolicyState =
  | { ok: true; sandbox: boolean; sourceNames: string[] }
  | { ok: false; problems: { key: string; message: string }[] };

export interface AppState {
  policy: PolicyState;
  session?: SessionInfo;
  /** A launch from the EPR under way, or the last one's failure. */
  launch?: LaunchStatus;
  sandboxPatients: SandboxPatientInfo[];
  /** Plain-words notices the user must see once (e.g. the offline store was reset after key loss). */
  notices: string[];
  defaultView: 'urgent-care' | 'full-summary';
  /** Legitimate-relationship reasons a direct sign-in must choose from (break-glass is separate). */
  accessReasons: {
    code: string;
    label: string;
    /** The same reason for a list of patients. */ listLabel: string;
  }[];
}

export interface PrefetchProgress {
  requestId: string;
  total: number;
  done: number;
  results: { nhsNumber: string; ok: boolean; message?: string }[];
  finished: boolean;
}

export interface DocumentContent {
  contentType: string;
  /** base64 for binary content (PDF), text for HTML/plain. */
  data: string;
  encoding: 'base64' | 'text';
  title: string;
}

/** Rows `offset`… of a list of `total` (the total also tells the screen if the list changed under it). */
export interface RecordPage<T> {
  total: number;
  offset: number;
  rows: T[];
}

/** Record progress as the screen receives it: the finished record is the `record:open` result. */
export type RecordProgress = Exclude<RecordEvent, { type: 'record' }>;

export interface BridgeResults {
  'app:get-state': AppState;
  /** Everything but the long lists, which come in pages (`record:items`, `record:results`, `record:trends`). */
  'record:open': RecordOverview;
  'record:items': RecordPage<RecordItem>;
  'record:results': RecordPage<ShownResultRow>;
  'record:trends': { charts: TrendChartModel[]; total: number };
  'record:result-history': RecordPage<ShownResultRow>;
  'record:result-panels': { panels: CumulativePanel[]; columns: number };
  'record:search': { total: number; hits: SearchHit[] };
  'record:timeline': TimelinePage;
  'record:confirm-identity': { confirmed: true };
  'record:decide-identity': { decided: true };
  'patient:search': PatientSearchResult;
  'cache:search': CachedRecordSummary[];
  'cache:list': CachedRecordSummary[];
  'cache:delete': { deleted: boolean };
  /** `handoverPdfs`: the handover PDFs the viewer made, removed with the records. */
  'cache:delete-all': { deleted: number; handoverPdfs: HandoverPdfRemoval };
  'prefetch:start': PrefetchProgress;
  'access:declare-reason': SessionInfo;
  'session:sign-in': SessionInfo | null;
  'session:unlock': SessionInfo;
  'session:sign-out': { signedOut: true };
  /** "unconfirmed" where the host cannot tell whether the user printed (a browser's own dialog). */
  'handover:print': { outcome: 'printed' | 'cancelled' | 'unconfirmed' };
  'document:get': DocumentContent;
  /** saved: written to `path`; kept: only in the encrypted store (open it with handover:open-kept). */
  'handover:save-pdf':
    { outcome: 'saved'; path: string } | { outcome: 'kept'; exportId: string } | { outcome: 'cancelled' };
  'handover:open-kept': DocumentContent;
  'preferences:get': Preferences;
  'preferences:update': Preferences;
  'caseload:watch-start': CaseloadWatchStatus;
  'caseload:watch-stop': Record<string, never>;
  'caseload:events': { rows: CaseloadEvent[]; total: number; status: CaseloadWatchStatus };
  'caseload:open-patient': SessionInfo;
}

export interface BridgeEvents {
  'record:event': RecordProgress;
  'prefetch:progress': PrefetchProgress;
  'session:changed': SessionInfo | null;
  /** A launch from the EPR began (the previous patient leaves the screen), failed, or (null) opened a session. */
  'launch:status': LaunchStatus | null;
  /** A new governed event from the caseload watch (after it was stored and audited). */
  'caseload:event': CaseloadEvent;
  'caseload:status': CaseloadWatchStatus;
  /** The clinician clicked a caseload notification: show the "My caseload" screen. */
  'caseload:show': Record<string, never>;
}
export type BridgeEventName = keyof BridgeEvents;

export const bridgeEventNames: readonly BridgeEventName[] = [
  'record:event',
  'prefetch:progress',
  'session:changed',
  'launch:status',
  'caseload:event',
  'caseload:status',
  'caseload:show',
];

/** Errors cross the bridge as plain-words messages; `code` lets the UI choose a screen. */
export interface BridgeErrorShape {
  code: 'invalid-argument' | 'not-permitted' | 'locked' | 'unavailable' | 'configuration' | 'internal';
  message: string;
}

/** What the renderer sees as `window.wessex` (Electron preload, or the e2e/desktop harness). */
export interface WessexBridge {
  invoke<C extends BridgeChannel>(channel: C, args: BridgeArgs<C>): Promise<BridgeResults[C]>;
  on<E extends BridgeEventName>(event: E, listener: (payload: BridgeEvents[E]) => void): () => void;
}

/** IPC channel names as they appear on the wire (Electron ipcMain.handle / webContents.send). */
export const IPC_INVOKE = 'wessex:invoke';
export const IPC_EVENT = 'wessex:event';
