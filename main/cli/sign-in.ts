// The command line signs the clinician in as the app does (the standalone sign-in in the system browser, back
// through the fixed loopback redirect of RFC 8252), so the regional sources see, and audit, who is reading.
// The role is the one their sign-in carries: a --role that differs is refused rather than silently replaced.
import { dispatchBridgeRequest } from '../services/bridge/dispatch';
import type { Viewer } from '../services/composition/viewer';
import { createKeytarSecretStore } from '../services/keystore/secret-store';
import { LOOPBACK_REDIRECT_URI, SmartLaunchService, type SmartSession } from '../services/launch';
import type { EffectivePolicy } from '../services/policy';
import { waitForLoopbackRedirect } from '../services/launch/loopback-redirect';

/** The states of the sign-ins this process sent to the browser: the only callbacks the loopback listener takes. */
const awaitedStates = new Set<string>();
const isAwaited = (state: string | undefined): boolean => state !== undefined && awaitedStates.has(state);

/** What the viewer needs to send the clinician to the browser and be called back on loopback. */
export const browserSignInOptions = {
  redirectUri: LOOPBACK_REDIRECT_URI,
  openExternal: async (url: string) => {
    const state = new URL(url).searchParams.get('state');
    if (state) awaitedStates.add(state);
    console.error(`Open this address in your browser to sign in:\n  ${url}`);
  },
};

export async function signInThroughBrowser(viewer: Viewer, role: string): Promise<void> {
  const waiting = waitForLoopbackRedirect(isAwaited);
  const started = await dispatchBridgeRequest(viewer.handlers, 'session:sign-in', {});
  if (!started.ok) {
    waiting.cancel();
    await waiting.callback.catch(() => undefined);
    throw new Error(started.error.message);
  }
  await viewer.handleLaunchArgs([await waiting.callback]);
  assertSignedInAs(viewer, role);
}

export function assertSignedInAs(viewer: Viewer, role: string): void {
  const session = viewer.session();
  if (!session) throw new Error('The sign-in did not complete, so nothing was read.');
  if (session.user.role !== role) {
    throw new Error(
      `You signed in as "${session.user.role}", not "${role}": run the command again with --role ${session.user.role}.`,
    );
  }
}

/** The standalone sign-in alone, without a viewer (`audit verify --online`): the session holds the id_token. */
export async function standaloneSignIn(policy: EffectivePolicy): Promise<SmartSession> {
  const waiting = waitForLoopbackRedirect(isAwaited);
  const service = new SmartLaunchService({
    allowedIssuers: policy.allowedIssuers,
    ...(policy.standaloneIssuer ? { standaloneIssuer: policy.standaloneIssuer } : {}),
    clientId: policy.smartClientId,
    secretStore: createKeytarSecretStore(),
    ...browserSignInOptions,
  });
  try {
    await service.beginStandaloneLaunch();
  } catch (error) {
    waiting.cancel();
    await waiting.callback.catch(() => undefined);
    throw error;
  }
  return (await service.completeAuthorization(await waiting.callback)).session;
}
