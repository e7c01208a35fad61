// Every line the app may log: a fixed name from this list, at the level it is listed with. A line never
// carries a sentence; what happened is the name, and the details are typed fields (fields.ts).

export type LogLevel = 'error' | 'warn' | 'info';

export const LOG_EVENTS = {
  'viewer.started': 'info',
  'launch.failed': 'warn',
  'record.opened': 'info',
  /** One per source of a record just opened: how it ended, and how many resources it gave. */
  'record.source': 'info',
  /** The fetched record could not be kept offline (the offline store failed); the clinician still has it. */
  'record.not-kept-offline': 'warn',
  'record.offline-save-failed': 'error',
  /**
   * A progress update of a record being opened was skipped (the window could not take it, or it could not be
   * made): the open went on and the screen gets the whole record. With the source when it was a source's status.
   */
  'record.progress-skipped': 'warn',
  'bridge.request-failed': 'error',
  /** An event could not be given to a window (closing, crashed); the work that emitted it went on. */
  'bridge.event-failed': 'error',
  'handover.failed': 'error',
  /** Written in place of an event name that is not listed here (a caller that bypassed the types). */
  'log.unlisted-event': 'warn',
} as const satisfies Record<string, LogLevel>;

export type LogEvent = keyof typeof LOG_EVENTS;

export function isLogEvent(value: unknown): value is LogEvent {
  return typeof value === 'string' && Object.hasOwn(LOG_EVENTS, value);
}
