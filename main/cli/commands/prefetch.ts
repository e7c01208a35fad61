// `wessex prefetch --file caseload.csv | --list <id> | --appointments-today --practitioner <id> --role <code>`:
// a caseload saved offline before going out of signal, through the app's own prefetch (governed for the role,
// audited per patient). NHS numbers appear on the terminal for the user; they are never written to a log.
import type { Command } from 'commander';
import { caseloadOptions, caseloadSelection, type CaseloadFlags } from './caseload-options';
import { formatNhsNumber } from '../../../common/nhs-number';
import { terminalText as t } from '../../../common/text-safety';
import type { BridgeArgs, PrefetchProgress } from '../../../preload/contract';
import { practitionerReference } from '../../services/composition/caseload-lookup';
import type { CliEnvironment } from '../environment';
import { clinicianOptions, withCliSession, type ClinicianFlags } from '../viewer-session';

interface PrefetchFlags extends ClinicianFlags, CaseloadFlags {
  /** Undefined unless --pin or --no-pin was given: caseload (pinned) retention unless --no-pin. */
  pin?: boolean;
}

/** Prefetched records are the caseload, kept for the pinned retention, as the app's prefetch keeps them. */
const pinned = (flags: PrefetchFlags): boolean => flags.pin !== false;

const MAX_PATIENTS = 500;

/** What to ask the prefetch for, with the caseload file's unusable lines. */
function request(flags: PrefetchFlags): {
  args: Omit<BridgeArgs<'prefetch:start'>, 'requestId'>;
  lineProblems: number;
} {
  const { selection, lineProblems } = caseloadSelection(flags, '<id>');
  const count = selection.nhsNumbers?.length ?? 0;
  if (count > MAX_PATIENTS) {
    throw new Error(`A caseload holds at most ${MAX_PATIENTS} patients; this one has ${count}.`);
  }
  return { args: { ...selection, pin: pinned(flags) }, lineProblems };
}

function report(progress: PrefetchProgress, pin: boolean): boolean {
  // Entries without an NHS number are the caseload source's own problems (nothing booked, server down).
  const problems = progress.results.filter((r) => !r.nhsNumber);
  const patients = progress.results.filter((r) => r.nhsNumber);
  if (patients.length === 0 && problems.length) {
    throw new Error(problems.map((p) => t(p.message ?? '')).join('\n'));
  }
  for (const p of problems) console.error(t(p.message ?? ''));
  const failed = patients.filter((r) => !r.ok);
  console.log(
    `${patients.length - failed.length} of ${patients.length} record(s) saved for offline use${pin ? ' (caseload)' : ''}.`,
  );
  for (const r of patients.filter((x) => x.ok && x.message)) {
    console.log(`  ✓ ${formatNhsNumber(r.nhsNumber)} — ${t(r.message ?? '')}`);
  }
  if (failed.length) {
    console.log(`${failed.length} failed:`);
    for (const r of failed) console.log(`  ✗ ${formatNhsNumber(r.nhsNumber)} — ${t(r.message ?? 'failed')}`);
  }
  return failed.length > 0 || problems.length > 0;
}

export function registerPrefetchCommand(program: Command, env: CliEnvironment): void {
  clinicianOptions(
    caseloadOptions(
      program
        .command('prefetch')
        .description('Save a caseload of patients in the encrypted offline store, as the app does'),
      { argument: '<id>', help: 'a FHIR List (caseload) on the first configured source' },
    )
      .option('--pin', 'keep for the caseload (pinned) retention period: the default')
      .option('--no-pin', 'keep for the normal retention period instead of the caseload’s'),
  ).action(async (flags: PrefetchFlags) => {
    const { args, lineProblems } = request(flags);
    const practitioner = practitionerReference(flags.practitioner);
    await withCliSession(
      env,
      { ...flags, ...(practitioner ? { practitioner } : {}) },
      {},
      async (session) => {
        if (session.origin === 'built-in sandbox')
          console.error('Using the built-in Wessex sandbox (synthetic patients).');
        const tty = process.stdout.isTTY;
        session.on((name, payload) => {
          if (name !== 'prefetch:progress') return;
          const progress = payload as PrefetchProgress;
          const latest = progress.results.at(-1);
          if (!latest?.nhsNumber) return;
          const line = `Prefetching ${progress.done}/${progress.total} … ${latest.ok ? '✓' : '✗'} ${formatNhsNumber(latest.nhsNumber)}`;
          if (tty) process.stdout.write(`\r\x1b[2K${line}`);
          else console.log(line);
        });
        await session.declareReason();
        const progress = await session.invoke('prefetch:start', { requestId: `cli-${Date.now()}`, ...args });
        if (tty) process.stdout.write('\n');
        if (report(progress, pinned(flags)) || lineProblems) process.exitCode = 2;
      },
    );
  });
}
