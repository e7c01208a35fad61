// A CLI command as a thin adapter over the viewer: the same policy, governance, audit and errors as the app.
// The user is the operating-system account with the role they declared (--role) and their reason for access
// (--reason) to the patients the command names (declared per patient, or once for a prefetch's list and
// applied to each patient in it), recorded in every audit event; every request goes through the bridge's validation, guard and
// audit; the session ends (and is audited as ended) however the command ends.
import type { Command } from 'commander';
import type { BridgeArgs, BridgeChannel, BridgeEventName, BridgeResults } from '../../preload/contract';
import { dispatchBridgeRequest } from '../services/bridge/dispatch';
import type { ViewerOptions } from '../services/composition/viewer';
import { ACCESS_REASONS } from '../services/governance';
import { resolveDataDir } from '../services/paths';
import type { CliEnvironment, CliViewerChoice } from './environment';
import { terminalLines } from '../../common/text-safety';
import { browserSignInOptions, signInThroughBrowser } from './sign-in';
import { exchangeTargets } from '../services/auth/user-tokens';

export interface ClinicianFlags {
  role: string;
  reason: string;
  practitioner?: string;
  dataDir?: string;
}

export interface CliSession {
  origin: CliViewerChoice['origin'];
  viewer: CliViewerChoice['viewer'];
  invoke<C extends BridgeChannel>(channel: C, args: BridgeArgs<C>): Promise<BridgeResults[C]>;
  on(listener: (name: BridgeEventName, payload: unknown) => void): void;
  /** --reason for the patient this command names, or (no NHS number) for the caseload prefetch it starts. */
  declareReason(nhsNumber?: string): Promise<void>;
}

/** --role, --reason and --data-dir, as every command that reads or changes records takes them. */
export function clinicianOptions(command: Command): Command {
  return command
    .requiredOption('--role <code>', 'your role, as the machine policy maps roles (e.g. nurse, paramedic)')
    .option(
      '--reason <code>',
      `your reason for access: ${ACCESS_REASONS.map((r) => r.code).join(', ')}`,
      'direct-care',
    )
    .option('--data-dir <dir>', 'the viewer data directory (default: this user’s; env WESSEX_DATA_DIR)');
}

export async function withCliSession<T>(
  env: CliEnvironment,
  flags: ClinicianFlags & { sandbox?: unknown; latency?: unknown },
  options: Omit<ViewerOptions, 'dataDir'>,
  use: (session: CliSession) => Promise<T>,
): Promise<T> {
  // Commands that read records from sources that see the user (token exchange) sign the clinician in; the
  // others (this computer's offline store, open sources) act as the operating-system user with their role.
  const readsRecords = options.recordSources !== 'not-needed';
  const { viewer, origin } = await env.openViewer(
    {
      ...(readsRecords ? browserSignInOptions : {}),
      ...options,
      dataDir: resolveDataDir(flags.dataDir),
    },
    flags,
  );
  const invoke = async <C extends BridgeChannel>(channel: C, args: BridgeArgs<C>) => {
    const outcome = await dispatchBridgeRequest(viewer.handlers, channel, args);
    if (!outcome.ok) throw new Error(outcome.error.message);
    return outcome.value as BridgeResults[C];
  };
  try {
    const state = await invoke('app:get-state', {});
    if (!state.policy.ok) {
      const problems = state.policy.problems.map((p) => `  ${p.key}: ${p.message}`).join('\n');
      throw new Error(`The viewer cannot work on this computer, so nothing was done:\n${problems}`);
    }
    for (const notice of state.notices) console.error(terminalLines(notice));
    const userBound = viewer.policy.ok && exchangeTargets(viewer.policy.policy).length > 0;
    if (readsRecords && userBound) {
      await (env.signIn ?? signInThroughBrowser)(viewer, flags.role);
      // Who the clinician is on the sources is who signed in, not what a flag says.
      if (flags.practitioner)
        console.error('--practitioner is not used: you are read as who you signed in as.');
    } else viewer.signInOsUser(flags.role, flags.practitioner);
    try {
      const declareReason = async (nhsNumber?: string) => {
        await invoke('access:declare-reason', {
          reasonCode: flags.reason,
          breakGlass: false,
          ...(nhsNumber ? { nhsNumber } : {}),
        });
      };
      return await use({
        origin,
        viewer,
        invoke,
        on: (listener) => void viewer.onEvent(listener),
        declareReason,
      });
    } finally {
      await invoke('session:sign-out', {});
    }
  } finally {
    await viewer.close();
  }
}
