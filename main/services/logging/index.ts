export { createAppLogger, logDirectory, logLine, type AppLogger, type AppLoggerOptions } from './logger';
export { LOG_EVENTS, type LogEvent, type LogLevel } from './events';
export { LOG_PHASES, type LogFields, type LogPhase } from './fields';
export { classifyError, type ClassifiedError, type ErrorCode } from './error-codes';
export { assertLogsFreeOf, findIdentifiersInLogs, type LogLeak } from './log-scan';
