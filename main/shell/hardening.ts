// Session-wide hardening beyond the window's own settings (Electron security checklist): the renderer's session
// may load only the app's own protocol, device access is refused, and nothing but web addresses ever reaches the
// system's URL handler. Main-process services talk to FHIR servers with Node's fetch, which this does not touch.
import { session, type Session } from 'electron';
import { APP_ORIGIN } from '../services/renderer-assets';
import { isSafeExternalUrl } from '../services/external-links';

/** Schemes the renderer may request: its own files, in-memory blobs/data, and devtools in development. */
const RENDERER_SCHEMES = new Set(['app:', 'blob:', 'data:', 'devtools:']);

export function isAllowedRendererRequest(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  // app: is not a WHATWG "special" scheme, so URL.origin is "null": compare the prefix instead.
  if (url.protocol === 'app:') return raw.startsWith(`${APP_ORIGIN}/`);
  return RENDERER_SCHEMES.has(url.protocol);
}

/** Cancels any renderer request to another origin (remote http(s), file://), whatever the CSP says. */
export function restrictSessionRequests(ses: Session = session.defaultSession): void {
  ses.webRequest.onBeforeRequest((details, callback) =>
    callback({ cancel: !isAllowedRendererRequest(details.url) }),
  );
}

/** USB, HID, serial and Bluetooth devices: the viewer needs none. */
export function denyDevicePermissions(ses: Session = session.defaultSession): void {
  ses.setDevicePermissionHandler(() => false);
}

/** The SMART authorize URL may be plain http only on loopback (the built-in sandbox, RFC 8252 §8.3). */
function isLoopbackHttp(raw: string): boolean {
  try {
    const url = new URL(raw);
    return (
      url.protocol === 'http:' &&
      url.username === '' &&
      url.password === '' &&
      ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)
    );
  } catch {
    return false;
  }
}

/**
 * Wraps shell.openExternal for the services (the SMART authorize step, which has already checked the issuer
 * allow-list): only https, or http on loopback, ever reaches the OS — never file:, custom schemes or scripts.
 */
export function guardOpenExternal(open: (url: string) => Promise<void>): (url: string) => Promise<void> {
  return async (url) => {
    if (!isSafeExternalUrl(url) && !isLoopbackHttp(url)) {
      throw new Error('Refused to open an address that is not a secure web address.');
    }
    await open(url);
  };
}
