// L2: the installed app leaves the launch scheme to the installer (HKLM). The Electron API is the edge we mock.
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const electron = vi.hoisted(() => ({
  app: { isPackaged: true, setAsDefaultProtocolClient: vi.fn(() => true) },
}));
vi.mock('electron', () => ({ app: electron.app }));

const { registerLaunchSchemeInDevelopment } = await import('../../main/shell/launch-scheme-registration');
const { LAUNCH_SCHEME, protocolClientRegistration } = await import('../../main/services/launch-scheme');

beforeEach(() => {
  electron.app.setAsDefaultProtocolClient.mockClear();
});

describe('launch scheme registration at start', () => {
  it('writes no per-user scheme entry in an installed app, which would override the MSI’s HKLM one', () => {
    electron.app.isPackaged = true;
    registerLaunchSchemeInDevelopment();
    expect(electron.app.setAsDefaultProtocolClient).not.toHaveBeenCalled();
  });

  it('registers this checkout’s Electron and app path in a development run', () => {
    electron.app.isPackaged = false;
    registerLaunchSchemeInDevelopment();
    expect(electron.app.setAsDefaultProtocolClient).toHaveBeenCalledTimes(1);
    const [scheme, executable] = electron.app.setAsDefaultProtocolClient.mock.calls[0] as unknown as [
      string,
      string,
    ];
    expect(scheme).toBe(LAUNCH_SCHEME);
    expect(executable).toBe(process.execPath);
  });

  it('passes the app path when started as `electron <app>`', () => {
    const run = {
      execPath: '/opt/electron/electron',
      argv: ['/opt/electron/electron', 'out/main/dev-electron-main.js'],
      resolvePath: (file: string) => path.posix.join('/work/checkout', file),
    };
    expect(protocolClientRegistration({ ...run, packaged: false, defaultApp: true })).toEqual({
      scheme: LAUNCH_SCHEME,
      executable: '/opt/electron/electron',
      args: ['/work/checkout/out/main/dev-electron-main.js'],
    });
    expect(protocolClientRegistration({ ...run, packaged: true, defaultApp: true })).toBeUndefined();
  });
});
