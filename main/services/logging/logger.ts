// The app's log: electron-log's Node logger (works in Electron's main process and under plain Node) writing
// to <dataDir>/logs/main.log, with redaction applied before any transport sees a message and again to each
// formatted line before it reaches the file.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import electronLog from 'electron-log/node';
import { identifierPattern, redactText, redactValue } from './redact';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface AppLogger {
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  info(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  /**
   * Names and local ids of patients opened in this session: redacted from every later line, for the rest of
   * the process (a late error about a closed patient must not leak either). NHS numbers and tokens are always
   * redacted without being registered.
   */
  rememberIdentifiers(identifiers: Iterable<string>): void;
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

export function createAppLogger(options: AppLoggerOptions): AppLogger {
  const logFile = path.join(options.logDir, 'main.log');
  const known = new Set<string>();
  let pattern: RegExp | undefined;

  const log = electronLog.create({ logId: `wessex-${randomUUID()}` });
  log.transports.file.resolvePathFn = () => logFile;
  log.transports.file.level = options.level ?? 'info';
  log.transports.file.maxSize = options.maxSize ?? 5 * 1024 * 1024;
  log.transports.file.writeOptions = { flag: 'a', mode: 0o600, encoding: 'utf8' };
  log.transports.file.transforms = [
    ...log.transports.file.transforms,
    ({ data }) => (typeof data === 'string' ? redactText(data, pattern) : redactValue(data, pattern)),
  ];
  log.transports.console.level = options.console ? (options.level ?? 'info') : false;
  for (const name of Object.keys(log.transports)) {
    if (name !== 'file' && name !== 'console') log.transports[name] = null;
  }
  log.hooks.push((message) => ({
    ...message,
    data: message.data.map((item) => redactValue(item, pattern)),
    ...(message.scope ? { scope: redactText(message.scope, pattern) } : {}),
  }));

  return {
    error: (...args) => log.error(...args),
    warn: (...args) => log.warn(...args),
    info: (...args) => log.info(...args),
    debug: (...args) => log.debug(...args),
    rememberIdentifiers(identifiers) {
      for (const identifier of identifiers) known.add(identifier);
      pattern = identifierPattern(known);
    },
    logFile,
  };
}
