// `wessex fetch --nhs <number> --role <code>`: one patient's Wessex record, opened exactly as the app opens it
// (governed for the role, kept offline, audited as a patient read by the operating-system user). Patient data
// goes to stdout only (the user asked for it); diagnostics on stderr never carry it.
import type { Command } from 'commander';
import { isValidNhsNumber, normaliseNhsNumber } from '../../../common/nhs-number';
import { formatRecordSummary } from '../../services/record/text-summary';
import type { CliEnvironment } from '../environment';
import { milliseconds } from '../numeric-options';
import { clinicianOptions, withCliSession, type ClinicianFlags } from '../viewer-session';

interface FetchFlags extends ClinicianFlags {
  nhs: string;
  json?: boolean;
  deadline: string;
}

export function registerFetchCommand(program: Command, env: CliEnvironment): void {
  clinicianOptions(
    program
      .command('fetch')
      .description('Open a patient’s Wessex record as the app does, and print it')
      .requiredOption('--nhs <number>', 'NHS number (10 digits, spaces allowed)')
      .option('--json', 'print the merged record as JSON')
      .option('--deadline <ms>', 'per-source deadline, up to 10 minutes', '30000'),
  ).action(async (flags: FetchFlags) => {
    const nhsNumber = normaliseNhsNumber(flags.nhs);
    if (!isValidNhsNumber(nhsNumber)) {
      throw new Error('That is not a valid NHS number (ten digits with a correct check digit)');
    }
    const deadlineMs = milliseconds('--deadline', flags.deadline, { min: 1, max: 10 * 60_000 });
    await withCliSession(env, flags, { engine: { deadlineMs } }, async (session) => {
      const started = Date.now();
      const record = await session.invoke('record:open', { nhsNumber, requestId: `cli-${started}` });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
      } else {
        console.log(formatRecordSummary(record));
        console.log(`(from the ${session.origin} in ${Date.now() - started} ms)`);
      }
      if (record.sources.some((s) => s.state === 'failed')) process.exitCode = 2;
    });
  });
}
