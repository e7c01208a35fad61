export {
  createAppLogger,
  logDirectory,
  type AppLogger,
  type AppLoggerOptions,
  type LogLevel,
} from './logger';
export { identifierPattern, redactText, redactValue, REDACTED } from './redact';
export { assertLogsFreeOf, findIdentifiersInLogs, type LogLeak } from './log-scan';
export { patientIdentifiers } from './patient-identifiers';
