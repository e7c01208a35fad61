// The only fields a log line may carry, each with the check its value must pass. Everything else is dropped
// at the logger and only counted: free text (a server's error message, a URL, a name) has no field to go in.
import type { BridgeChannel } from '../../../preload/contract';
import type { SourceState } from '../../../common/record';
import { isBridgeChannel } from '../bridge/dispatch';
import { regionalSourceSchema } from '../policy/schema';
import { isErrorCode, type ErrorCode } from './error-codes';

/** How a record was opened: from the sources, topping up its saved copy, or from the saved copy alone. */
export const LOG_PHASES = ['live', 'refreshed', 'offline'] as const;
export type LogPhase = (typeof LOG_PHASES)[number];

const SOURCE_STATES = [
  'pending',
  'complete',
  'partial',
  'failed',
  'not-reached',
] as const satisfies readonly SourceState[];

export interface LogFields {
  /** A configured source's id (the policy's id rule: lowercase letters, digits and dashes). */
  sourceId?: string;
  errorCode?: ErrorCode;
  httpStatus?: number;
  durationMs?: number;
  count?: number;
  channel?: BridgeChannel;
  phase?: LogPhase;
  sourceState?: SourceState;
  sandbox?: boolean;
}

export type LogFieldName = keyof LogFields;
type Written = string | number | boolean;

const isCount = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;
const oneOf =
  (values: readonly string[]) =>
  (value: unknown): boolean =>
    typeof value === 'string' && values.includes(value);

const VALIDATORS: { readonly [F in LogFieldName]-?: (value: unknown) => boolean } = {
  sourceId: (value) => regionalSourceSchema.shape.id.safeParse(value).success,
  errorCode: isErrorCode,
  httpStatus: (value) => Number.isInteger(value) && (value as number) >= 100 && (value as number) <= 599,
  durationMs: (value) => typeof value === 'number' && Number.isFinite(value) && value >= 0,
  count: isCount,
  channel: isBridgeChannel,
  phase: oneOf(LOG_PHASES),
  sourceState: oneOf(SOURCE_STATES),
  sandbox: (value) => typeof value === 'boolean',
};

/** Fields come as an object literal; an Error, array or class instance is dropped whole (one dropped field). */
function isPlainObject(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** The fields that pass their checks, and how many were dropped (unknown names, values that fail). */
export function allowedFields(fields: unknown): {
  kept: Partial<Record<LogFieldName, Written>>;
  dropped: number;
} {
  if (fields === undefined) return { kept: {}, dropped: 0 };
  if (!isPlainObject(fields)) return { kept: {}, dropped: 1 };
  const kept: Partial<Record<LogFieldName, Written>> = {};
  let dropped = 0;
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (Object.hasOwn(VALIDATORS, name) && VALIDATORS[name as LogFieldName](value)) {
      kept[name as LogFieldName] = value as Written;
    } else {
      dropped += 1;
    }
  }
  return { kept, dropped };
}
