// Unexpected failures go to the log as the channel and an error code; the renderer gets a plain-words message.
import type { BridgeChannel } from '../../../preload/contract';
import { BridgeError, type BridgeCaller, type BridgeHandlers } from '../bridge/dispatch';
import { classifyError, type AppLogger } from '../logging';

type AnyHandler = (args: never, caller: BridgeCaller) => Promise<unknown>;

export function loggingFailures(logger: AppLogger, handlers: BridgeHandlers): BridgeHandlers {
  const wrapped: Partial<Record<BridgeChannel, AnyHandler>> = {};
  for (const [channel, handler] of Object.entries(handlers) as [BridgeChannel, AnyHandler][]) {
    wrapped[channel] = async (args, caller) => {
      try {
        return await handler(args, caller);
      } catch (error) {
        if (!(error instanceof BridgeError))
          logger.log('bridge.request-failed', { channel, ...classifyError(error) });
        throw error;
      }
    };
  }
  return wrapped as BridgeHandlers;
}
