// The app's log: electron-log's Node logger (works in Electron's main process and under plain Node) writing
// to <dataDir>/logs/main.log. A line is one listed event and its allowed fields, as JSON; the logger takes no
// sentence and no object of any other shape, so no patient detail, server text or token has a way in.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import electronLog from 'electron-log/node';
import { isLogEvent, LOG_EVENTS, type LogEvent, type LogLevel } from './events';
import { allowedFields, type LogFields } from './fields';

export interface AppLogger {
  /** `event` is one of LOG_EVENTS; fields outside LogFields, or failing their checks, are dropped and counted. */
  log(event: LogEvent, fields?: LogFields): void;
  readonly logFile: string;
}

export interface AppLoggerOptions {
  logDir: string;
  /** Echo to stderr as well (development); off in the packaged app and in tests. */
  console?: boolean;
  level?: LogLevel;
  /** Rotate at this size (bytes); the previous file is kept as main.old.log. */
  maxSize?: number;
}

export function logDirectory(dataDir: string): string {
  return path.join(dataDir, 'logs');
}

/** The JSON written for one event: the name, the fields that passed, and how many did not. */
export function logLine(event: unknown, fields?: unknown): { level: LogLevel; text: string } {
  const listed = isLogEvent(event);
  const name: LogEvent = listed ? event : 'log.unlisted-event';
  const { kept, dropped } = allowedFields(fields);
  return {
    level: LOG_EVENTS[name],
    text: JSON.stringify({
      event: name,
      ...kept,
      ...(dropped > 0 && { droppedFields: dropped }),
    }),
  };
}

export function createAppLogger(options: AppLoggerOptions): AppLogger {
  const logFile = path.join(options.logDir, 'main.log');
  const log = electronLog.create({ logId: `wessex-${randomUUID()}` });
  log.transports.file.resolvePathFn = () => logFile;
  log.transports.file.level = options.level ?? 'info';
  log.transports.file.maxSize = options.maxSize ?? 5 * 1024 * 1024;
  log.transports.file.writeOptions = { flag: 'a', mode: 0o600, encoding: 'utf8' };
  log.transports.file.format = '[{y}-{m}-{d} {h}:{i}:{s}.{ms}] [{level}] {text}';
  log.transports.console.level = options.console ? (options.level ?? 'info') : false;
  for (const name of Object.keys(log.transports)) {
    if (name !== 'file' && name !== 'console') log.transports[name] = null;
  }
  return {
    log(event, fields) {
      const { level, text } = logLine(event, fields);
      log[level](text);
    },
    logFile,
  };
}
