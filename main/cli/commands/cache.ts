// `wessex cache list | search | purge | rekey`: the offline records on this computer, listed, searched and
// deleted through the app's own offline-records service (audited as the app audits them).
import type { Command } from 'commander';
import { describeHandoverPdfRemoval } from '../../../common/handover-pdfs';
import { formatUkDateTime } from '../../../common/london-date';
import { formatNhsNumber, isValidNhsNumber } from '../../../common/nhs-number';
import { terminalText as t } from '../../../common/text-safety';
import type { CachedRecordSummary } from '../../../preload/contract';
import type { CliEnvironment } from '../environment';
import { clinicianOptions, withCliSession, type ClinicianFlags } from '../viewer-session';

function printRecords(records: CachedRecordSummary[]): void {
  if (records.length === 0) {
    console.log('No offline records on this computer.');
    return;
  }
  const rows = records.map((r) => [
    formatNhsNumber(r.nhsNumber),
    t(r.name),
    t(r.birthDate ?? ''),
    formatUkDateTime(r.fetchedAt),
    formatUkDateTime(r.expiresAt),
    r.pinned ? 'pinned' : '',
    r.sources.map((s) => `${t(s.name)} ${s.state === 'complete' ? '✓' : s.state}`).join(' '),
  ]);
  const header = [
    'NHS number',
    'Name',
    'Born',
    'Fetched (UK time)',
    'Expires (UK time)',
    'Caseload',
    'Sources',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows])
    console.log(
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}

/** The offline store's commands read no record source: they start none (and need none configured). */
const OFFLINE_ONLY = { recordSources: 'not-needed' } as const;

type PurgeFlags = ClinicianFlags & { nhs?: string; all?: boolean; expired?: boolean };

export function registerCacheCommand(program: Command, env: CliEnvironment): void {
  const cache = program.command('cache').description('Offline records kept (encrypted) on this computer');

  clinicianOptions(cache.command('list').description('List the offline records')).action(
    (flags: ClinicianFlags) =>
      withCliSession(env, flags, OFFLINE_ONLY, async (s) => printRecords(await s.invoke('cache:list', {}))),
  );

  clinicianOptions(
    cache.command('search').description('Search offline records by NHS number, name or date of birth'),
  )
    .argument('<query...>')
    .action((query: string[], flags: ClinicianFlags) =>
      withCliSession(env, flags, OFFLINE_ONLY, async (s) =>
        printRecords(await s.invoke('cache:search', { query: query.join(' ') })),
      ),
    );

  clinicianOptions(
    cache
      .command('purge')
      .description(
        'Delete offline records, with the handover PDFs made from them: one patient, all of them, or those past their retention',
      )
      .option('--nhs <number>', "one patient's record")
      .option('--all', 'every offline record on this computer')
      .option('--expired', 'records past their retention period'),
  ).action((flags: PurgeFlags) => {
    const chosen = [flags.nhs !== undefined, !!flags.all, !!flags.expired].filter(Boolean).length;
    if (chosen !== 1) throw new Error('Choose exactly one of --nhs <number>, --all or --expired.');
    if (flags.nhs !== undefined && !isValidNhsNumber(flags.nhs)) {
      throw new Error(`"${flags.nhs}" is not a valid NHS number.`);
    }
    // Opening the store purges what has expired (and audits it): --expired needs nothing more.
    return withCliSession(env, flags, OFFLINE_ONLY, async (s) => {
      if (flags.nhs !== undefined) {
        const { deleted } = await s.invoke('cache:delete', { nhsNumber: flags.nhs });
        console.log(
          deleted
            ? `Deleted the offline record for ${formatNhsNumber(flags.nhs)}.`
            : `There was no offline record for ${formatNhsNumber(flags.nhs)}.`,
        );
      } else if (flags.all) {
        const { deleted, handoverPdfs } = await s.invoke('cache:delete-all', {});
        console.log(`Deleted ${deleted} offline record(s).`);
        const pdfs = describeHandoverPdfRemoval(handoverPdfs);
        if (pdfs) console.log(pdfs);
      } else {
        console.log('No offline records past their retention period are left.');
      }
    });
  });

  clinicianOptions(
    cache
      .command('rekey')
      .description('Re-encrypt the offline records under a new key (kept in the OS keystore)'),
  ).action((flags: ClinicianFlags) =>
    withCliSession(env, flags, OFFLINE_ONLY, async (s) => {
      await s.viewer.rekeyOfflineStore();
      console.log('The offline records are now encrypted under a new key.');
    }),
  );
}
