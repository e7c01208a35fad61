// `wessex fetch --nhs <number> --role <code>`: one patient's Wessex record, opened exactly as the app opens it
// (governed for the role, kept offline, audited as a patient read by the operating-system user). Patient data
// goes to stdout only (the user asked for it); diagnostics on stderr never carry it.
import type { Command } from 'commander';
import { isValidNhsNumber, normaliseNhsNumber } from '../../../common/nhs-number';
import { SECTION_ORDER, type WessexRecord } from '../../../common/record';
import { terminalLines } from '../../../common/text-safety';
import { formatRecordSummary } from '../../services/record/text-summary';
import type { CliEnvironment } from '../environment';
import { fetchOutcome } from '../fetch-outcome';
import { milliseconds } from '../numeric-options';
import { clinicianOptions, withCliSession, type ClinicianFlags } from '../viewer-session';

interface FetchFlags extends ClinicianFlags {
  nhs: string;
  json?: boolean;
  offline?: boolean;
  deadline: string;
}

/** The record as JSON, with each section's completeness and count up front for scripts. */
function recordJson(record: WessexRecord): string {
  const sections = Object.fromEntries(
    SECTION_ORDER.map((section) => [
      section,
      {
        completeness: record.completeness[section],
        count: record.items.filter((i) => i.section === section).length,
      },
    ]),
  );
  return JSON.stringify({ sections, ...record }, null, 2);
}

export function registerFetchCommand(program: Command, env: CliEnvironment): void {
  clinicianOptions(
    program
      .command('fetch')
      .description('Open a patient’s Wessex record as the app does, and print it')
      .requiredOption('--nhs <number>', 'NHS number (10 digits, spaces allowed)')
      .option('--json', 'print the merged record as JSON (with sections.<name>.completeness)')
      .option('--offline', 'only the saved copy on this computer: the record sources are not asked')
      .option('--deadline <ms>', 'per-source deadline, up to 10 minutes', '30000')
      .addHelpText(
        'after',
        [
          '',
          'Exit codes:',
          '  0  every source answered completely',
          '  1  the command itself failed (bad input, policy problems)',
          '  2  the record is incomplete: a source was partial, failed, not reached, a saved copy or held apart',
          '  3  no source answered',
        ].join('\n'),
      ),
  ).action(async (flags: FetchFlags) => {
    const nhsNumber = normaliseNhsNumber(flags.nhs);
    if (!isValidNhsNumber(nhsNumber)) {
      throw new Error('That is not a valid NHS number (ten digits with a correct check digit)');
    }
    const deadlineMs = milliseconds('--deadline', flags.deadline, { min: 1, max: 10 * 60_000 });
    const options = flags.offline ? { recordSources: 'not-needed' as const } : { engine: { deadlineMs } };
    await withCliSession(env, flags, options, async (session) => {
      await session.declareReason(nhsNumber);
      const started = Date.now();
      await session.invoke('record:open', {
        nhsNumber,
        requestId: `cli-${started}`,
        ...(flags.offline ? { offlineOnly: true } : {}),
      });
      // The bridge gives a screen the overview; the command line prints and exports the whole record.
      const record = await session.viewer.openedRecord(nhsNumber);
      if (!record) throw new Error('The record was opened but is no longer held (the session ended).');
      if (flags.json) {
        process.stdout.write(`${recordJson(record)}\n`);
      } else {
        console.log(formatRecordSummary(record));
        console.log(`(from the ${session.origin} in ${Date.now() - started} ms)`);
      }
      const outcome = fetchOutcome(record.sources, record.heldApart);
      if (outcome.message) console.error(terminalLines(outcome.message));
      if (outcome.exitCode) process.exitCode = outcome.exitCode;
    });
  });
}
