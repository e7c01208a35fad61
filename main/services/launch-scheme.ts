/** The reverse-DNS private-use URI scheme EPRs launch the viewer with (RFC 8252 §7.1). */
export const LAUNCH_SCHEME = 'uk.nhs.wessexcarerecords';

export interface ProtocolClientRegistration {
  scheme: string;
  executable: string;
  args: string[];
}

/**
 * Who registers the launch scheme. An installed app never does it itself: the MSI registers it machine-wide
 * (HKLM), and a per-user entry written at start would override the installer's, point at whatever binary
 * wrote it, and outlive uninstall. A development run registers this checkout's Electron with its app path
 * (`electron <app>`), so a launch URI reaches it.
 */
export function protocolClientRegistration(run: {
  packaged: boolean;
  execPath: string;
  /** Electron's `process.defaultApp`: started as `electron <app>`. */
  defaultApp: boolean;
  argv: readonly string[];
  resolvePath: (file: string) => string;
}): ProtocolClientRegistration | undefined {
  if (run.packaged) return undefined;
  const appPath = run.defaultApp ? run.argv[1] : undefined;
  return {
    scheme: LAUNCH_SCHEME,
    executable: run.execPath,
    args: appPath ? [run.resolvePath(appPath)] : [],
  };
}
