// The "My caseload" screen's sections from the watch's events (newest first): who is in hospital now, who was
// admitted or discharged, ED attendances, new letters, and the other updates (deaths, activity withheld), and
// whether "nothing happened" may be said — only when every source is connected.
import type { CaseloadEvent, CaseloadSourceStatus, CaseloadWatchStatus } from './caseload-events';
import { formatUkDateTime } from './london-date';
import { dateKey } from './summary/dates';

export const CASELOAD_WINDOW_DAYS = 7;
const DAY = 86_400_000;

export interface CaseloadOverview {
  /** The latest admission of each patient with no later discharge: the stay's start and where. */
  inHospital: CaseloadEvent[];
  admittedOrDischarged: CaseloadEvent[];
  edAttendances: CaseloadEvent[];
  newLetters: CaseloadEvent[];
  /** Deaths, and activity whose details the user may not see: never dropped for lack of a section. */
  otherUpdates: CaseloadEvent[];
}

const STAY = new Set<CaseloadEvent['kind']>(['admitted', 'discharged']);
const ED = new Set<CaseloadEvent['kind']>(['ed-arrival', 'ed-departure']);

export function caseloadOverview(events: readonly CaseloadEvent[], now: Date): CaseloadOverview {
  const since = now.getTime() - CASELOAD_WINDOW_DAYS * DAY;
  const recent = (e: CaseloadEvent) => dateKey(e.at) >= since;
  const newestFirst = [...events].sort((a, b) => dateKey(b.at) - dateKey(a.at));
  // A death after the admission ends the stay as a discharge does.
  const latestStay = new Map<string, CaseloadEvent>();
  for (const e of newestFirst) {
    if ((STAY.has(e.kind) || e.kind === 'died') && !latestStay.has(e.nhsNumber))
      latestStay.set(e.nhsNumber, e);
  }
  return {
    inHospital: [...latestStay.values()].filter((e) => e.kind === 'admitted'),
    admittedOrDischarged: newestFirst.filter((e) => STAY.has(e.kind) && recent(e)),
    edAttendances: newestFirst.filter((e) => ED.has(e.kind) && recent(e)),
    newLetters: newestFirst.filter((e) => e.kind === 'new-letter' && recent(e)),
    otherUpdates: newestFirst.filter((e) => (e.kind === 'died' || e.kind === 'new-activity') && recent(e)),
  };
}

/** Sources not connected now, with why in plain words. */
export function sourcesNotConnected(status: CaseloadWatchStatus): CaseloadSourceStatus[] {
  return status.sources.filter((s) => !s.connected);
}

/** "No activity" may be said only when the watch runs and every source is connected. */
export function everySourceConnected(status: CaseloadWatchStatus): boolean {
  return status.watching && status.sources.length > 0 && sourcesNotConnected(status).length === 0;
}

/** Sources that missed updates which are not here (even while connected), with what in plain words. */
export function sourcesIncomplete(status: CaseloadWatchStatus): CaseloadSourceStatus[] {
  return status.sources.filter((s) => !!s.incomplete);
}

/**
 * "Nothing happened" may be said only while every source is connected, none has missed updates, and every
 * update received could be read (an unreadable one may have been an admission).
 */
export function everySourceComplete(status: CaseloadWatchStatus): boolean {
  return everySourceConnected(status) && sourcesIncomplete(status).length === 0 && !(status.unreadable ?? 0);
}

/**
 * The time "nothing happened" covers: the watch sees only what happens after it began, so the last
 * ${CASELOAD_WINDOW_DAYS} days only once it has run that long.
 */
export function quietPeriod(status: CaseloadWatchStatus, now: Date): string {
  const since = dateKey(status.watchingSince);
  if (!Number.isFinite(since) || now.getTime() - since >= CASELOAD_WINDOW_DAYS * DAY)
    return `in the last ${CASELOAD_WINDOW_DAYS} days`;
  return `since you started watching (${formatUkDateTime(status.watchingSince)})`;
}

/** How a source is connected, as the screen says it. */
export function describeSourceConnection(source: CaseloadSourceStatus): string {
  if (!source.connected) return `Not connected${source.problem ? `: ${source.problem}` : ''}`;
  return source.mode === 'polling' ? 'Checked regularly (polling)' : 'Live';
}

export const CASELOAD_EVENT_LABELS: Record<CaseloadEvent['kind'], string> = {
  admitted: 'Admitted',
  discharged: 'Discharged',
  'ed-arrival': 'Arrived at the emergency department',
  'ed-departure': 'Left the emergency department',
  'new-letter': 'New letter',
  died: 'Death recorded',
  'new-activity': 'New activity (details withheld)',
};
