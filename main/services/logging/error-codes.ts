// An error, as the log may name it: a code from our own error classes (or SQLite's and the operating
// system's fixed codes), never its message, which can hold a server's words or a patient's details.
import type { BridgeErrorShape } from '../../../preload/contract';
import { AuditDatabaseUnavailableError } from '../audit/audit-database';
import { BridgeError } from '../bridge/dispatch';
import { NewerSchemaError } from '../cache/encrypted-database';
import { StoreBusyError } from '../cache/store-lock';
import { DeadlineExceeded } from '../http/deadline';
import { FAILURE_KINDS, FetchFailure } from '../http/failure';
import { KeystoreUnavailableError } from '../keystore/secret-store';
import { LaunchError, RelaunchRequiredError, TokenOriginError, type LaunchErrorCode } from '../launch/errors';
import { OfflineUnavailableError } from '../offline/record-reader';

/** LaunchErrorCode and the bridge's codes as lists (their types live in launch/ and the contract). */
export const LAUNCH_ERROR_CODES = [
  'bad-launch-input',
  'issuer-not-allowed',
  'discovery-failed',
  'pkce-unsupported',
  'callback-error',
  'state-missing',
  'state-unknown',
  'state-expired',
  'token-exchange-failed',
  'id-token-invalid',
  'context-incomplete',
  'interactive-login-required',
  'reauthentication-refused',
  'patient-not-found',
  'superseded',
] as const satisfies readonly LaunchErrorCode[];

export const BRIDGE_ERROR_CODES = [
  'invalid-argument',
  'not-permitted',
  'locked',
  'unavailable',
  'configuration',
  'internal',
] as const satisfies readonly BridgeErrorShape['code'][];

/** SQLite's primary result codes; an extended code (SQLITE_IOERR_READ) is logged as its primary one. */
const SQLITE_CODES = [
  'SQLITE_ERROR',
  'SQLITE_INTERNAL',
  'SQLITE_PERM',
  'SQLITE_ABORT',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_NOMEM',
  'SQLITE_READONLY',
  'SQLITE_INTERRUPT',
  'SQLITE_IOERR',
  'SQLITE_CORRUPT',
  'SQLITE_NOTFOUND',
  'SQLITE_FULL',
  'SQLITE_CANTOPEN',
  'SQLITE_PROTOCOL',
  'SQLITE_EMPTY',
  'SQLITE_SCHEMA',
  'SQLITE_TOOBIG',
  'SQLITE_CONSTRAINT',
  'SQLITE_MISMATCH',
  'SQLITE_MISUSE',
  'SQLITE_NOLFS',
  'SQLITE_AUTH',
  'SQLITE_FORMAT',
  'SQLITE_RANGE',
  'SQLITE_NOTADB',
  'SQLITE_NOTICE',
  'SQLITE_WARNING',
] as const;

/** Operating-system error codes worth telling apart in a support call (files, disk, network). */
const SYSTEM_CODES = [
  'ENOENT',
  'EACCES',
  'EPERM',
  'ENOSPC',
  'EEXIST',
  'EISDIR',
  'ENOTDIR',
  'EROFS',
  'EBUSY',
  'EMFILE',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
] as const;

const OTHER_CODES = [
  'launch.relaunch-required',
  'launch.token-origin',
  'deadline.exceeded',
  'keystore.unavailable',
  'store.busy',
  'store.newer-schema',
  'audit.unavailable',
  'offline.unavailable',
  'unclassified',
] as const;

export type ErrorCode =
  | `fetch.${(typeof FAILURE_KINDS)[number]}`
  | `launch.${(typeof LAUNCH_ERROR_CODES)[number]}`
  | `bridge.${(typeof BRIDGE_ERROR_CODES)[number]}`
  | `sqlite.${(typeof SQLITE_CODES)[number]}`
  | `system.${(typeof SYSTEM_CODES)[number]}`
  | (typeof OTHER_CODES)[number];

const ERROR_CODES: ReadonlySet<string> = new Set<string>([
  ...FAILURE_KINDS.map((kind) => `fetch.${kind}`),
  ...LAUNCH_ERROR_CODES.map((code) => `launch.${code}`),
  ...BRIDGE_ERROR_CODES.map((code) => `bridge.${code}`),
  ...SQLITE_CODES.map((code) => `sqlite.${code}`),
  ...SYSTEM_CODES.map((code) => `system.${code}`),
  ...OTHER_CODES,
]);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && ERROR_CODES.has(value);
}

/** What the log may say about an error: its code, the HTTP status behind it, the source it concerns. */
export interface ClassifiedError {
  errorCode: ErrorCode;
  httpStatus?: number;
  sourceId?: string;
}

/** Only a listed code: a kind or code our types do not list yet is "unclassified", never written as is. */
function listed(code: string): ErrorCode | undefined {
  return isErrorCode(code) ? code : undefined;
}

function codeOf(error: unknown): ErrorCode | undefined {
  if (error instanceof RelaunchRequiredError) return 'launch.relaunch-required';
  if (error instanceof TokenOriginError) return 'launch.token-origin';
  if (error instanceof LaunchError) return listed(`launch.${error.code}`);
  if (error instanceof FetchFailure) return listed(`fetch.${error.kind}`);
  if (error instanceof DeadlineExceeded) return 'deadline.exceeded';
  if (error instanceof BridgeError) return listed(`bridge.${error.code}`);
  if (error instanceof KeystoreUnavailableError) return 'keystore.unavailable';
  if (error instanceof StoreBusyError) return 'store.busy';
  if (error instanceof NewerSchemaError) return 'store.newer-schema';
  if (error instanceof AuditDatabaseUnavailableError) return 'audit.unavailable';
  if (error instanceof OfflineUnavailableError) return 'offline.unavailable';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code.startsWith('SQLITE_')) {
    const primary = SQLITE_CODES.find((c) => code === c || code.startsWith(`${c}_`));
    return primary ? `sqlite.${primary}` : undefined;
  }
  return listed(`system.${code}`);
}

/**
 * The first error in the `cause` chain that we can name gives the code; the HTTP status and the source id
 * come from wherever in the chain they are (a source's sign-in error wraps the fetch failure it met).
 */
export function classifyError(error: unknown): ClassifiedError {
  let errorCode: ErrorCode | undefined;
  let httpStatus: number | undefined;
  let sourceId: string | undefined;
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    errorCode ??= codeOf(e);
    if (e instanceof FetchFailure) httpStatus ??= e.status;
    const id = (e as { sourceId?: unknown }).sourceId;
    if (typeof id === 'string') sourceId ??= id;
  }
  return {
    errorCode: errorCode ?? 'unclassified',
    ...(httpStatus !== undefined && { httpStatus }),
    ...(sourceId !== undefined && { sourceId }),
  };
}
