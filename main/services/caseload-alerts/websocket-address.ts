// Where the caseload websocket may connect. The server names the address (`$get-ws-binding-token`); the
// client goes there only if it is the source's own origin (https → wss, http → ws, same host and port), or,
// for a source served from a loopback address (the sandbox, a local gateway), another port on that same
// loopback host. Nothing but the single-use binding token is ever sent on the socket (never the bearer token),
// and a secure source is never followed onto a plain-text socket.
import { LOOPBACK_HOST } from '../policy/schema';

export type AddressCheck = { ok: true; url: string } | { ok: false; problem: string };

export function checkWebsocketAddress(address: unknown, sourceBase: string): AddressCheck {
  let url: URL;
  let source: URL;
  try {
    url = new URL(String(address));
    source = new URL(sourceBase);
  } catch {
    return { ok: false, problem: 'the server gave a websocket address that is not valid' };
  }
  const wanted = source.protocol === 'https:' ? 'wss:' : source.protocol === 'http:' ? 'ws:' : undefined;
  if (url.protocol !== wanted) {
    return { ok: false, problem: `the server gave a ${url.protocol.replace(':', '')} websocket address` };
  }
  if (url.username || url.password) {
    return { ok: false, problem: 'the server gave a websocket address with credentials in it' };
  }
  const samePlace = url.host === source.host;
  const sameLoopback = LOOPBACK_HOST.test(source.hostname) && url.hostname === source.hostname;
  if (!samePlace && !sameLoopback) {
    return { ok: false, problem: `the server named another server for its websocket (${url.host})` };
  }
  return { ok: true, url: url.href };
}
