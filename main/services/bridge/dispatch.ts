// Validates and routes bridge requests to their handlers. Used by the Electron IPC wiring and by the
// e2e/desktop harness alike, so both exercise the same validation.
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
    return {
      ok: false,
      error: {
        code: 'internal',
        message: 'Something went wrong in the viewer. Nothing was lost; please try again.',
      },
    };
  }
}
