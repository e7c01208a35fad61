// What the caseload watch tells a community team or GP about their patients (issue 18): admissions, discharges,
// ED attendances, new letters and deaths from the regional records, governed for the signed-in user. Shared by
// main (the watch service, the CLI) and the renderer (the "My caseload" screen) through the bridge contract.

export type CaseloadEventKind =
  | 'admitted'
  | 'discharged'
  | 'ed-arrival'
  | 'ed-departure'
  | 'new-letter'
  | 'died'
  /** The user's role may not see what happened, or the patient has dissented: only that something did. */
  | 'new-activity';

export interface CaseloadEvent {
  /**
   * Stable across redelivery and across websocket and polling: `${sourceId}|${focus type}/${id}|${kind}` (one
   * admission per encounter), or `${sourceId}|Subscription/${id}#${event number}` for an event the server sent
   * without details (the patient declined sharing).
   */
  id: string;
  sourceId: string;
  /** The source's display name, e.g. "Dorset Care Record". */
  sourceName: string;
  nhsNumber: string;
  /** As the source names the patient (may be absent when governed away). */
  patientName?: string;
  kind: CaseloadEventKind;
  /** When it happened (ISO date-time), as the source says; else when it was received. */
  at: string;
  receivedAt: string;
  /** Hospital or ward, where the source says. */
  where?: string;
  /** For a stay: since when (ISO), and the end when discharged. */
  since?: string;
  until?: string;
  /** For a letter: its title or type. */
  title?: string;
  /** Why details are missing, for 'new-activity' ("your role does not include encounters"). */
  withheldReason?: string;
}

/**
 * Where a page of the watch's events goes on from: the last event of the page before. Events are listed newest
 * first (by when they happened, then when they were received, then id), so the next page is the events listed
 * after this one — older — however many newer ones are kept meanwhile.
 */
export type CaseloadEventCursor = Pick<CaseloadEvent, 'at' | 'receivedAt' | 'id'>;

/**
 * The order events are listed in: newest first (when it happened, then when received), then by id; strings
 * compared code unit by code unit, as the offline store's SQL compares them.
 */
export function newestFirst(a: CaseloadEventCursor, b: CaseloadEventCursor): number {
  const order = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return order(b.at, a.at) || order(b.receivedAt, a.receivedAt) || order(a.id, b.id);
}

/** A page of the watch's events, newest first. */
export interface CaseloadEventQuery {
  /** Only events that happened at or after this instant (ISO). */
  since?: string;
  /** Only events listed after this one (older); `offset` counts from it. */
  olderThan?: CaseloadEventCursor;
  limit: number;
  offset: number;
}

/** A page of the kept events about some patients (the caseload watched: one store holds every user's). */
export interface KeptEventQuery extends CaseloadEventQuery {
  patients: readonly string[];
}

export type CaseloadSourceMode = 'websocket' | 'polling' | 'unavailable';

export interface CaseloadSourceStatus {
  sourceId: string;
  sourceName: string;
  mode: CaseloadSourceMode;
  /** Live: the websocket is bound and heartbeats arrive, or the last poll succeeded. */
  connected: boolean;
  /** Plain words for the clinician when not connected ("CHIE could not be reached; retrying"). */
  problem?: string;
  /**
   * Plain words when updates were missed and are not here (even while connected): "Some updates between
   * 08:10 and 08:25 could not be fetched from CHIE yet". "No activity" may not be said while it is set.
   */
  incomplete?: string;
  lastEventAt?: string;
  lastCheckedAt?: string;
}

export interface CaseloadWatchStatus {
  watching: boolean;
  /** When this watch began (ISO): it sees only what happens from then on. */
  watchingSince?: string;
  patients: number;
  sources: CaseloadSourceStatus[];
  /** Events about patients not on the caseload, ignored since the watch started. */
  ignoredNotOnCaseload: number;
  /** Updates that could not be read (malformed messages or resources) since the watch started. */
  unreadable?: number;
}

/** No watch (none started, or none this clinician may see). */
export function notWatching(): CaseloadWatchStatus {
  return { watching: false, patients: 0, sources: [], ignoredNotOnCaseload: 0 };
}

export interface CaseloadSelection {
  nhsNumbers?: string[];
  fromSource?: 'appointments-today' | 'caseload-list';
  listId?: string;
}
