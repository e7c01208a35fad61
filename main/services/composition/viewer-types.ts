// What the composition root takes from its host (the Electron shell, the CLI, the harness, the tests) and
// what it gives back.
import type { WessexRecord } from '../../../common/record';
import type { BridgeEventName, SandboxPatientInfo, SessionInfo } from '../../../preload/contract';
import type { BridgeHandlers } from '../bridge/dispatch';
import type { CaseloadWatchService } from '../caseload-alerts';
import type { LockClock } from '../governance';
import type { SecretStore } from '../keystore/secret-store';
import type { AppLogger } from '../logging';
import type { DesktopNotifications } from '../notifications';
import type { PolicyLoadResult } from '../policy';
import type { OpenKeyValueFile } from '../preferences';
import type { FetchLike } from '../http';
import type { EngineOptions } from '../record';

export interface ViewerOptions {
  /** Where the encrypted offline store, audit log, preferences and logs live. */
  dataDir: string;
  /** Policy already loaded (tests, CLI flags, the development sandbox); default: this machine's policy. */
  policy?: PolicyLoadResult;
  secretStore?: SecretStore;
  /** Opens the SMART authorization URL in the system browser (Electron: shell.openExternal). */
  openExternal?: (url: string) => Promise<void>;
  /** Where the sign-in comes back to (the CLI: the fixed loopback redirect); default: the app's URI scheme. */
  redirectUri?: string;
  /**
   * `not-needed`: this viewer only works with what is on this computer (the CLI's offline-store commands), so
   * it starts without configured record sources, and refuses to open records. Default: required.
   */
  recordSources?: 'required' | 'not-needed';
  /** Tests only: how the regional authorization server is reached (to watch or tamper with exchanges). */
  tokenFetch?: FetchLike;
  /** Synthetic patients offered on the patient picker (the development sandbox's). */
  samplePatients?: SandboxPatientInfo[];
  /** The electron-store engine in the Electron shell; conf headless. */
  preferencesFile?: OpenKeyValueFile;
  /**
   * Where the handover PDF save dialog starts when policy names no folder (the user's Documents in the app;
   * default: an `exports` folder in the data directory).
   */
  exportDir?: string;
  engine?: Partial<EngineOptions>;
  clock?: () => Date;
  /** The inactivity lock's clock (tests advance it instead of waiting 15 minutes). */
  lockClock?: LockClock;
  /** Default: the allow-list file log in the data directory's logs folder. */
  logger?: AppLogger;
  /** The caseload watch the "My caseload" screen drives (tests); default: the watch on the regional sources. */
  caseloadWatch?: CaseloadWatchService;
  /** The operating system's notifications (Electron's in the app, a recording stand-in in the harness). */
  notifications?: DesktopNotifications;
  /**
   * After start, in the background, delete by name the refresh tokens viewers that crashed left in the
   * keystore (noted in the data folder's keystore-entries index; the keystore is never listed) and the one
   * entry per EPR of older versions: the app's own start does. A sign-in waits for it before storing its own.
   */
  forgetLeftRefreshTokens?: boolean;
}

export interface Viewer {
  handlers: BridgeHandlers;
  onEvent(listener: (name: BridgeEventName, payload: unknown) => void): () => void;
  policy: PolicyLoadResult;
  /** Who is signed in now (without taking the start-up notices the renderer is to show once). */
  session(): SessionInfo | undefined;
  /** A launch URI, `--iss/--launch` arguments or an authorization callback from argv. */
  handleLaunchArgs(argv: readonly string[]): Promise<void>;
  /** The CLI: the operating-system user, with the role they declared, signs in without a browser. */
  signInOsUser(role: string, practitioner?: string): void;
  /**
   * The whole governed record this session last opened for the patient (`record:open` gives the screen an
   * overview): what the CLI prints and exports. Undefined once the session locks or ends.
   */
  openedRecord(nhsNumber: string): Promise<WessexRecord | undefined>;
  /**
   * The caseload watch (admissions, discharges, ED attendances, letters, deaths) for the signed-in user: the
   * bridge's `caseload:*` channels and `wessex watch` use it. Stops when the session locks or ends.
   */
  caseloadWatch: CaseloadWatchService;
  /** Re-encrypts the offline store under a new key (support workstations), audited as the signed-in user. */
  rekeyOfflineStore(): Promise<void>;
  close(): Promise<void>;
}
