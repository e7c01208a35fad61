// `wessex cache list | search | purge | rekey`: the offline records on this computer.
import type { Command } from 'commander';
import { loadPolicyOrExplain, nhsForTerminal, openCliCache, type DataDirOption } from './cache-cli-support';
import { isValidNhsNumber } from '../../../common/nhs-number';
import type { CachedRecordSummary } from '../../../preload/contract';

function printRecords(records: CachedRecordSummary[]): void {
  if (records.length === 0) {
    console.log('No offline records on this computer.');
    return;
  }
  const rows = records.map((r) => [
    nhsForTerminal(r.nhsNumber),
    r.name,
    r.birthDate ?? '',
    r.fetchedAt.slice(0, 16).replace('T', ' '),
    r.expiresAt.slice(0, 16).replace('T', ' '),
    r.pinned ? 'pinned' : '',
    r.sources.map((s) => `${s.name} ${s.state === 'complete' ? '✓' : s.state}`).join(' '),
  ]);
  const header = ['NHS number', 'Name', 'Born', 'Fetched (UTC)', 'Expires (UTC)', 'Caseload', 'Sources'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows])
    console.log(
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}

async function withCache<T>(
  options: DataDirOption,
  use: (cache: Awaited<ReturnType<typeof openCliCache>>) => Promise<T>,
) {
  const policy = await loadPolicyOrExplain().catch(() => undefined);
  const cache = await openCliCache(options, policy);
  try {
    return await use(cache);
  } finally {
    cache.close();
  }
}

export function registerCacheCommand(program: Command): void {
  const cache = program.command('cache').description('Offline records kept (encrypted) on this computer');
  const dataDir = (c: Command): Command =>
    c.option('--data-dir <dir>', 'the viewer data directory (default: this user’s; env WESSEX_DATA_DIR)');

  dataDir(cache.command('list'))
    .description('List the offline records')
    .action((options: DataDirOption) => withCache(options, async (c) => printRecords(await c.list())));

  dataDir(cache.command('search'))
    .description('Search offline records by NHS number, name or date of birth')
    .argument('<query...>')
    .action((query: string[], options: DataDirOption) =>
      withCache(options, async (c) => printRecords(await c.search(query.join(' ')))),
    );

  dataDir(cache.command('purge'))
    .description('Delete offline records: one patient, all of them, or those past their retention')
    .option('--nhs <number>', "one patient's record")
    .option('--all', 'every offline record on this computer')
    .option('--expired', 'records past their retention period')
    .action((options: DataDirOption & { nhs?: string; all?: boolean; expired?: boolean }) => {
      const chosen = [options.nhs !== undefined, !!options.all, !!options.expired].filter(Boolean).length;
      if (chosen !== 1) throw new Error('Choose exactly one of --nhs <number>, --all or --expired.');
      if (options.nhs !== undefined && !isValidNhsNumber(options.nhs)) {
        throw new Error(`"${options.nhs}" is not a valid NHS number.`);
      }
      return withCache(options, async (c) => {
        if (options.nhs !== undefined) {
          const deleted = await c.delete(options.nhs);
          console.log(
            deleted
              ? `Deleted the offline record for ${nhsForTerminal(options.nhs)}.`
              : `There was no offline record for ${nhsForTerminal(options.nhs)}.`,
          );
        } else if (options.all) {
          console.log(`Deleted ${await c.deleteAll()} offline record(s).`);
        } else {
          console.log(`Deleted ${await c.purgeExpired()} expired offline record(s).`);
        }
      });
    });

  dataDir(cache.command('rekey'))
    .description('Re-encrypt the offline records under a new key (kept in the OS keystore)')
    .action((options: DataDirOption) =>
      withCache(options, async (c) => {
        await c.rekey();
        console.log('The offline records are now encrypted under a new key.');
      }),
    );
}
