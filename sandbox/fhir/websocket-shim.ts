// @medplum/core reads WebSocket.CLOSING/CLOSED at import time; Node 20 has no global WebSocket (Node 22 does).
// The sandbox never uses medplum subscriptions, so the constants are all that is needed. Import this first.
const g = globalThis as { WebSocket?: unknown };
if (typeof g.WebSocket === 'undefined') {
  g.WebSocket = class WebSocketUnavailable {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    constructor() {
      throw new Error('WebSocket is not available in this Node version');
    }
  };
}
export {};
