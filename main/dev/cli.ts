// The development CLI (a checkout's `npx wessex`, `npm start`, the tests): the shipped commands, run on the
// built-in sandbox when no machine policy configures sources (or with --sandbox), plus the commands that only
// make sense in development — `sandbox` and `start`.
import type { Command } from 'commander';
import { startSandbox } from '../../sandbox';
import type { CliEnvironment } from '../cli/environment';
import { milliseconds } from '../cli/numeric-options';
import { createProgram, productEnvironment, runProgram } from '../cli/program';
import { runLaunch, type LaunchFlags } from '../cli/commands/launch';
import { loadMachinePolicy } from '../services/policy';
import { faultsFromFlags, withFaultOption } from './fault-option';
import { registerSandboxCommand } from './sandbox-command';
import { assertSignedInAs, signInThroughBrowser } from '../cli/sign-in';
import { createSandboxViewer, isSandboxRole, SANDBOX_ROLES, type SandboxViewer } from './sandbox-viewer';
import { registerStartCommand } from './start-command';

const devEnvironment: CliEnvironment = {
  async openViewer(options, flags) {
    // The offline store's commands need no record sources: no sandbox for them.
    if (options.recordSources === 'not-needed' && !flags.sandbox)
      return productEnvironment.openViewer(options, flags);
    const latencyMs = milliseconds('--latency', String(flags.latency ?? '0'), { min: 0, max: 60_000 });
    const faults = faultsFromFlags('fault' in flags ? flags.fault : undefined);
    // --sandbox: the sandbox even where a machine policy configures sources (its built-in defaults stand in).
    const defaults = flags.sandbox ? await loadMachinePolicy({}) : undefined;
    const viewer = await createSandboxViewer({
      ...options,
      ...(defaults ? { policy: defaults } : {}),
      sandbox: { latencyMs, ...(faults ? { faults } : {}) },
      sandboxLaunch: false,
    });
    // Where the policy itself is bad, the session reports that instead.
    if (faults && !viewer.sandbox && viewer.policy.ok) {
      await viewer.close();
      throw new Error(
        '--fault acts on the built-in sandbox, but this computer’s policy configures record sources: add --sandbox.',
      );
    }
    return { viewer, origin: viewer.sandbox ? 'built-in sandbox' : 'machine policy' };
  },
  // On the sandbox: headlessly at its EPR, as the sandbox user for --role; elsewhere as the product does.
  async signIn(viewer, role) {
    const sandboxViewer = viewer as SandboxViewer;
    if (!sandboxViewer.sandbox) return signInThroughBrowser(viewer, role);
    if (!isSandboxRole(role)) {
      throw new Error(
        `The sandbox has no user with the role "${role}" (it has ${SANDBOX_ROLES.join(', ')}).`,
      );
    }
    await sandboxViewer.openSandboxSession({ role, standalone: true });
    assertSignedInAs(viewer, role);
  },
};

function command(program: Command, name: string): Command {
  const found = program.commands.find((c) => c.name() === name);
  if (!found) throw new Error(`The CLI has no ${name} command.`);
  return found;
}

interface DevLaunchFlags extends LaunchFlags {
  sandbox?: boolean;
  sandboxIssuer?: string;
  user: string;
  patient: string;
}

function withSandboxLaunch(launch: Command): void {
  launch
    .option(
      '--sandbox',
      'start the built-in sandbox and launch its cross-border patient (implies --headless)',
    )
    .option('--patient <key>', 'with --sandbox: the sandbox patient key', 'cross-border')
    .option('--user <key>', 'with --sandbox: gp, paramedic, nurse or admin', 'paramedic')
    .option('--sandbox-issuer <fhirBase>', 'trust this running sandbox EPR when policy lists no issuers')
    .action(async (launchUri: string | undefined, flags: DevLaunchFlags) => {
      const sandbox = flags.sandbox ? await startSandbox({ requireAuth: true }) : undefined;
      try {
        if (sandbox && !sandbox.epr)
          throw new Error(`The sandbox EPR did not start: ${sandbox.notes.join('; ')}`);
        const trusted = [sandbox?.epr?.fhirBase, flags.sandboxIssuer].filter((i): i is string => !!i);
        const uri =
          launchUri ?? sandbox?.epr?.createEhrLaunch({ patientKey: flags.patient, userId: flags.user });
        await runLaunch(uri, { ...flags, headless: flags.headless || !!sandbox }, trusted);
      } finally {
        await sandbox?.close();
      }
    });
}

const program = createProgram(devEnvironment);
for (const name of ['fetch', 'prefetch', 'find-patient', 'watch']) {
  withFaultOption(
    command(program, name)
      .option('--sandbox', 'use the built-in sandbox even when a policy configures sources')
      .option('--latency <ms>', 'sandbox only: injected latency per request', '0'),
    'sandbox only: make a source fail',
  );
}
withSandboxLaunch(command(program, 'launch'));
registerSandboxCommand(program);
registerStartCommand(program);
void runProgram(program, process.argv);
