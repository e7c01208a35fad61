// Unexpected failures go to the (redacting) log; the renderer gets only a plain-words message.
import type { BridgeChannel } from '../../../preload/contract';
import { BridgeError, type BridgeCaller, type BridgeHandlers } from '../bridge/dispatch';
import type { AppLogger } from '../logging';

type AnyHandler = (args: never, caller: BridgeCaller) => Promise<unknown>;

export function loggingFailures(logger: AppLogger, handlers: BridgeHandlers): BridgeHandlers {
  const wrapped: Partial<Record<BridgeChannel, AnyHandler>> = {};
  for (const [channel, handler] of Object.entries(handlers) as [BridgeChannel, AnyHandler][]) {
    wrapped[channel] = async (args, caller) => {
      try {
        return await handler(args, caller);
      } catch (error) {
        if (!(error instanceof BridgeError)) logger.error(`Bridge request ${channel} failed`, error);
        throw error;
      }
    };
  }
  return wrapped as BridgeHandlers;
}
