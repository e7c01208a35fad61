// `wessex sandbox`: runs the built-in Wessex sandbox servers until interrupted, printing their URLs and patients.
import type { Command } from 'commander';
import { formatNhsNumber } from '../../common/nhs-number';
import { startSandbox, type RunningSandbox, type SandboxFaults } from '../../sandbox';
import { faultsFromFlags, withFaultOption } from './fault-option';
import { registerSandboxEventCommand } from './sandbox-event-command';
import { clearSandboxState, sandboxStatePath, writeSandboxState } from './sandbox-state';

interface SandboxCommandOptions {
  json?: boolean;
  latency?: string;
  large?: boolean;
  host?: string;
  fault?: string[];
  /** Commander's --no-auth: false when given. */
  auth?: boolean;
  bandwidth?: string;
  /** Commander's --no-gzip: false when given. */
  gzip?: boolean;
}

function describe(sandbox: RunningSandbox, faults: SandboxFaults): object {
  return {
    urls: sandbox.urls,
    faults,
    patients: sandbox.patients.map((p) => ({
      key: p.key,
      name: p.name,
      nhsNumber: p.nhsNumber,
      birthDate: p.birthDate,
      demonstrates: p.demonstrates,
    })),
    notes: sandbox.notes,
  };
}

function faultLines(faults: SandboxFaults): string[] {
  return Object.entries(faults).map(([target, fault]) => {
    const options = Object.entries(fault?.options ?? {}).map(([k, v]) => `${k} ${String(v)}`);
    return `${target}: ${fault?.mode}${options.length ? ` (${options.join(', ')})` : ''}`;
  });
}

function printText(sandbox: RunningSandbox, faults: SandboxFaults): void {
  const urls = sandbox.urls;
  console.log('Wessex sandbox running');
  for (const [label, url] of [
    ['EPR (SMART)', urls.epr ?? 'not available'],
    ['Dorset Care Record', urls.dcr],
    ['CHIE', urls.chie],
    ['Record locator', urls.locator],
    ['Audit', urls.audit],
    ['Admin (events)', urls.admin ?? 'not running'],
  ] as const) {
    console.log(`  ${label.padEnd(20)} ${url}`);
  }
  const faulty = faultLines(faults);
  if (faulty.length) console.log(`\nFaults\n${faulty.map((f) => `  ${f}`).join('\n')}`);
  console.log('\nPatients');
  for (const p of sandbox.patients) {
    console.log(`  ${formatNhsNumber(p.nhsNumber)}  ${p.name.padEnd(26)} [${p.key}]`);
    console.log(`      ${p.demonstrates}`);
  }
  if (urls.admin)
    console.log(`\nEvents: wessex sandbox event admit <patient> (endpoint in ${sandboxStatePath()})`);
  for (const note of sandbox.notes) console.log(`\nNote: ${note}`);
  console.log('\nPress Ctrl+C to stop.');
}

export function registerSandboxCommand(program: Command): void {
  const sandboxCommand = program.command('sandbox');
  withFaultOption(
    sandboxCommand
      .description('Start the built-in Wessex sandbox (EPR, DCR, CHIE, record locator, audit) on loopback')
      .option('--json', 'print URLs and patients as JSON')
      .option('--latency <ms>', 'add this much latency to every request', '0')
      .option('--large', 'include the ≥ 20,000-resource benchmark patient')
      .option('--host <address>', 'interface to listen on', '127.0.0.1')
      .option('--bandwidth <Mbit/s>', 'send every answer over one link this fast (a mobile connection)')
      .option(
        '--no-gzip',
        'answer uncompressed even when asked for gzip (benchmarks: on one machine, compressing takes the client’s CPU)',
      )
      .option(
        '--no-auth',
        'serve DCR, CHIE and the audit endpoint without authorisation (for scripts and benchmarks)',
      ),
  ).action(async (options: SandboxCommandOptions) => {
    const latencyMs = Number(options.latency ?? 0);
    if (!Number.isFinite(latencyMs) || latencyMs < 0)
      throw new Error(`--latency must be a number of milliseconds, got "${options.latency}"`);
    const bandwidthMbps = options.bandwidth === undefined ? undefined : Number(options.bandwidth);
    if (bandwidthMbps !== undefined && !(bandwidthMbps > 0))
      throw new Error(`--bandwidth must be a positive number of Mbit/s, got "${options.bandwidth}"`);
    const faults = faultsFromFlags(options.fault) ?? {};
    const sandbox = await startSandbox({
      latencyMs,
      includeLargePatient: Boolean(options.large),
      host: options.host,
      faults,
      requireAuth: options.auth !== false,
      gzip: options.gzip !== false,
      ...(bandwidthMbps ? { bandwidthMbps } : {}),
      admin: true,
    });
    // `wessex sandbox event` in another process finds the admin endpoint here.
    const admin = sandbox.urls.admin;
    if (admin) await writeSandboxState({ admin, pid: process.pid, startedAt: new Date().toISOString() });
    // Listening for Ctrl+C before saying it stops the sandbox: a signal must never find no handler.
    const stopped = new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    if (options.json) console.log(JSON.stringify(describe(sandbox, faults), null, 2));
    else printText(sandbox, faults);
    await stopped;
    if (admin) await clearSandboxState(admin);
    await sandbox.close();
    if (!options.json) console.log('Sandbox stopped.');
  });
  registerSandboxEventCommand(sandboxCommand);
}
