// The renderer's only way out: `window.wessex`, provided by the Electron preload or the Chromium harness.
import type { BridgeArgs, BridgeChannel, BridgeResults, WessexBridge } from '../../preload/contract';

declare global {
  interface Window {
    wessex: WessexBridge;
  }
}

export function invoke<C extends BridgeChannel>(channel: C, args: BridgeArgs<C>): Promise<BridgeResults[C]> {
  return window.wessex.invoke(channel, args);
}

export const onBridgeEvent: WessexBridge['on'] = (event, listener) => window.wessex.on(event, listener);

/** Plain words from anything thrown across the bridge. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function newRequestId(): string {
  return `r${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}
