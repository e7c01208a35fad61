// Session-wide hardening in main/shell/hardening.ts; Electron is the one edge mocked (no binary here).
import { describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => {
  const state = {
    beforeRequest: undefined as
      undefined | ((d: { url: string }, cb: (r: { cancel: boolean }) => void) => void),
    device: undefined as undefined | (() => boolean),
  };
  const defaultSession = {
    webRequest: { onBeforeRequest: (fn: typeof state.beforeRequest) => (state.beforeRequest = fn) },
    setDevicePermissionHandler: (fn: () => boolean) => (state.device = fn),
  };
  return { state, module: { session: { defaultSession } } };
});
vi.mock('electron', () => electron.module);

const { denyDevicePermissions, guardOpenExternal, isAllowedRendererRequest, restrictSessionRequests } =
  await import('../../main/shell/hardening');

describe('renderer session', () => {
  it('loads only the app’s own protocol (plus blob/data), cancelling remote and file requests', () => {
    restrictSessionRequests();
    const decide = (url: string) => {
      let cancel: boolean | undefined;
      electron.state.beforeRequest!({ url }, (response) => (cancel = response.cancel));
      return cancel;
    };
    expect(decide('app://wessex/assets/index.js')).toBe(false);
    expect(decide('blob:app://wessex/5d1c')).toBe(false);
    expect(decide('https://cdn.example/evil.js')).toBe(true);
    expect(decide('http://127.0.0.1:8080/fhir/Patient')).toBe(true);
    expect(decide('file:///etc/passwd')).toBe(true);
    expect(decide('app://wessex.evil/index.html')).toBe(true);
    expect(isAllowedRendererRequest('not a url')).toBe(false);
  });

  it('refuses every device permission', () => {
    denyDevicePermissions();
    expect(electron.state.device!()).toBe(false);
  });
});

describe('opening addresses in the system browser', () => {
  it('passes https and loopback http (sandbox sign-in) and refuses everything else', async () => {
    const opened: string[] = [];
    const open = guardOpenExternal(async (url) => void opened.push(url));
    await open('https://epr.example.nhs.uk/authorize?client_id=x');
    await open('http://127.0.0.1:49152/authorize?state=s');
    for (const url of [
      'file:///C:/Windows/System32/calc.exe',
      'javascript:alert(1)',
      'ms-msdt:/id PCWDiagnostic',
      'http://epr.example.nhs.uk/authorize',
      'https://user:pass@epr.example/',
      'smb://attacker/share',
    ]) {
      await expect(open(url)).rejects.toThrow('Refused to open an address that is not a secure web address.');
    }
    expect(opened).toEqual([
      'https://epr.example.nhs.uk/authorize?client_id=x',
      'http://127.0.0.1:49152/authorize?state=s',
    ]);
  });
});
