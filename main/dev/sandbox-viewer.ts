// Development only (never shipped): the viewer on the built-in Wessex sandbox when no machine policy configures
// record sources. The sandbox's servers stand in for everything IT would configure, its EPR approves sign-ins
// without a login page (so this module plays the system browser's part), and it can sign a chosen sandbox user
// in with a chosen patient — for `npm start`, the Chromium harness, the CLI's sandbox commands and the tests.
import type { SessionInfo } from '../../preload/contract';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../sandbox';
import { normaliseNhsNumber } from '../../common/nhs-number';
import { BridgeError } from '../services/bridge/dispatch';
import { createViewer, type Viewer, type ViewerOptions } from '../services/composition/viewer';
import { isAuthorizationCallback, LaunchError, parseLaunchArgv } from '../services/launch';
import { followAuthorizationRedirects } from '../services/launch/headless-authorizer';
import { loadPolicyForThisMachine } from '../services/policy';
import { policyForSandbox, usesSandbox } from './sandbox-policy';

export const SANDBOX_ROLES = ['paramedic', 'general-practitioner', 'nurse', 'admin-staff'] as const;
export type SandboxRole = (typeof SANDBOX_ROLES)[number];
export const isSandboxRole = (role: string): role is SandboxRole =>
  (SANDBOX_ROLES as readonly string[]).includes(role);
const SANDBOX_USER_FOR_ROLE: Record<SandboxRole, string> = {
  paramedic: 'paramedic',
  'general-practitioner': 'gp',
  nurse: 'nurse',
  'admin-staff': 'admin',
};

export interface SandboxViewerOptions extends Omit<ViewerOptions, 'samplePatients'> {
  sandbox?: SandboxOptions;
  /**
   * Plays the browser for sign-ins at the sandbox EPR (tests that act as the OS would). Default: this module
   * follows the sandbox's redirects itself. `openExternal` (the system browser) is used only without the
   * sandbox: a development machine registers no launch scheme to come back by.
   */
  browser?: (url: string) => Promise<void>;
  /**
   * With no launch on the command line, sign in as this sandbox user with this patient in context, through the
   * real EHR launch. Default: a GP with the cross-border patient. `false` starts with nobody signed in.
   */
  sandboxLaunch?: { userId: string; patientKey: string } | false;
}

export interface SandboxViewer extends Viewer {
  /** Present when the sandbox runs (no record sources configured, and the sandbox allowed). */
  sandbox?: RunningSandbox;
  /** Signs a sandbox user in: an EHR launch with a patient in context, or a direct sign-in. */
  openSandboxSession(options: {
    role: SandboxRole;
    patientNhsNumber?: string;
    standalone?: boolean;
  }): Promise<SessionInfo>;
}

export async function createSandboxViewer(options: SandboxViewerOptions): Promise<SandboxViewer> {
  const loaded = options.policy ?? (await loadPolicyForThisMachine());
  if (!loaded.ok || !usesSandbox(loaded.policy)) {
    const viewer = await createViewer({ ...options, policy: loaded });
    return {
      ...viewer,
      openSandboxSession: async () => {
        throw new BridgeError('unavailable', 'The sandbox is not running.');
      },
    };
  }
  const sandbox = await startSandbox(options.sandbox);
  /** Set while this module drives a sign-in itself (and, for a direct sign-in, as which sandbox user). */
  let driving: { user?: string } | undefined;
  let viewer: Viewer | undefined;
  try {
    viewer = await createViewer({
      ...options,
      policy: { ...loaded, policy: policyForSandbox(loaded.policy, sandbox) },
      samplePatients: sandbox.patients.map(({ nhsNumber, name, demonstrates }) => ({
        nhsNumber,
        name,
        demonstrates,
      })),
      // The sandbox EPR approves without a login page: this module follows its redirects back to the app as a
      // browser would, for the sign-ins it drives itself; others go to the caller's stand-in browser, if any.
      openExternal: async (url) => {
        if (!driving && options.browser) return options.browser(url);
        const request = new URL(url);
        if (driving?.user) request.searchParams.set('user', driving.user);
        const callback = await followAuthorizationRedirects(request.href, (input, init) =>
          fetch(input, init),
        ).catch((error: unknown) => {
          // Unlocking asks for the EPR's sign-in page, which needs a browser that can come back to the app.
          if (error instanceof LaunchError && error.code === 'interactive-login-required') {
            throw new LaunchError(
              'interactive-login-required',
              'The sandbox sign-in page cannot be shown in this development viewer. Sign out, then sign in again.',
            );
          }
          throw error;
        });
        await viewer?.handleLaunchArgs([callback]);
      },
    });
  } catch (error) {
    await sandbox.close();
    throw error;
  }
  const running = viewer;

  const currentSession = async (): Promise<SessionInfo | undefined> => running.session();
  /** A launch from the EPR, one that cannot be read included: the app refuses that one, saying why, as it would. */
  const isLaunch = (argv: readonly string[]): boolean => {
    try {
      return parseLaunchArgv(argv) !== undefined;
    } catch {
      return true;
    }
  };

  /** A sign-in this module completes itself, in its own stand-in browser. */
  const drive = async (user: string | undefined, signIn: () => Promise<unknown>): Promise<SessionInfo> => {
    driving = user ? { user } : {};
    try {
      await signIn();
    } finally {
      driving = undefined;
    }
    const session = await currentSession();
    if (!session) throw new BridgeError('unavailable', 'The sandbox sign-in did not complete.');
    return session;
  };

  const openSandboxSession: SandboxViewer['openSandboxSession'] = async ({
    role,
    patientNhsNumber,
    standalone,
  }) => {
    if (standalone) {
      return drive(SANDBOX_USER_FOR_ROLE[role], () => running.handlers['session:sign-in']({}, {}));
    }
    const epr = sandbox.epr;
    if (!epr) throw new BridgeError('unavailable', 'The sandbox EPR is not running.');
    const nhs = patientNhsNumber ? normaliseNhsNumber(patientNhsNumber) : undefined;
    const patient = nhs ? sandbox.patients.find((p) => p.nhsNumber === nhs) : sandbox.patient('cross-border');
    if (!patient) throw new BridgeError('invalid-argument', 'No sandbox patient has that NHS number.');
    return drive(undefined, () =>
      running.handleLaunchArgs([
        epr.createEhrLaunch({ patientKey: patient.key, userId: SANDBOX_USER_FOR_ROLE[role] }),
      ]),
    );
  };

  return {
    ...running,
    sandbox,
    openSandboxSession,
    async handleLaunchArgs(argv) {
      if (argv.some(isAuthorizationCallback) || isLaunch(argv)) return running.handleLaunchArgs(argv);
      const demo = options.sandboxLaunch ?? { userId: 'gp', patientKey: 'cross-border' };
      const epr = sandbox.epr;
      if (demo === false || !epr || (await currentSession())) return;
      await drive(undefined, () =>
        running.handleLaunchArgs([epr.createEhrLaunch({ patientKey: demo.patientKey, userId: demo.userId })]),
      );
    },
    async close() {
      await running.close();
      await sandbox.close();
    },
  };
}
