// Validates and routes bridge requests to their handlers. Used by the Electron IPC wiring and by the
// e2e/desktop harness alike, so both exercise the same validation.
import path from 'node:path';
import type { z } from 'zod';
import {
  bridgeRequestSchemas,
  type BridgeChannel,
  type BridgeErrorShape,
  type BridgeResults,
} from '../../../preload/contract';
import type { BridgeCaller } from './caller';

export type { BridgeCaller, HostPrinter, HostSaveDialog, PrintOutcome } from './caller';

export type BridgeHandlers = {
  [C in BridgeChannel]: (
    args: z.output<(typeof bridgeRequestSchemas)[C]>,
    caller: BridgeCaller,
  ) => Promise<BridgeResults[C]>;
};

export class BridgeError extends Error {
  constructor(
    readonly code: BridgeErrorShape['code'],
    message: string,
  ) {
    super(message);
  }
}

export function isBridgeChannel(value: unknown): value is BridgeChannel {
  return typeof value === 'string' && Object.hasOwn(bridgeRequestSchemas, value);
}

export type BridgeOutcome = { ok: true; value: unknown } | { ok: false; error: BridgeErrorShape };

const STORAGE: [RegExp, string][] = [
  [/^(SQLITE_FULL|ENOSPC|EDQUOT)$/, 'the disk (or this user’s quota) is full'],
  [/^(SQLITE_READONLY|EROFS)/, 'it has become read-only'],
];

/** A write to the data folder that failed for want of space (or became read-only): where, and what to do. */
function storageProblem(error: unknown): string | undefined {
  const { code, path: file } = (error ?? {}) as { code?: unknown; path?: unknown };
  const why = STORAGE.find(([pattern]) => pattern.test(String(code ?? '')))?.[1];
  if (!why) return undefined;
  const where = typeof file === 'string' ? ` ${path.dirname(file)}` : '';
  return (
    `The viewer could not write to its data folder${where}: ${why}. It stopped, because what it shows must be ` +
    'recorded in its audit log first. Free some space or ask your IT service desk, then try again.'
  );
}

/** Never throws: every failure becomes a plain-words error the renderer can show. */
export async function dispatchBridgeRequest(
  handlers: BridgeHandlers,
  channel: unknown,
  rawArgs: unknown,
  caller: BridgeCaller = {},
): Promise<BridgeOutcome> {
  if (!isBridgeChannel(channel)) {
    return { ok: false, error: { code: 'invalid-argument', message: 'Unknown request.' } };
  }
  const parsed = bridgeRequestSchemas[channel].safeParse(rawArgs ?? {});
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first?.path.length ? ` (${first.path.join('.')})` : '';
    return {
      ok: false,
      error: { code: 'invalid-argument', message: `${first?.message ?? 'Invalid request'}${where}` },
    };
  }
  try {
    const handler = handlers[channel] as (args: unknown, caller: BridgeCaller) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data, caller) };
  } catch (error) {
    if (error instanceof BridgeError)
      return { ok: false, error: { code: error.code, message: error.message } };
    const storage = storageProblem(error);
    if (storage) return { ok: false, error: { code: 'unavailable', message: storage } };
    return {
      ok: false,
      error: {
        code: 'internal',
        message: 'Something went wrong in the viewer. Nothing was lost; please try again.',
      },
    };
  }
}
