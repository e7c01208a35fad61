// `wessex fetch --nhs <number>`: the merged Wessex record for one patient from the configured sources, or from
// the built-in sandbox when no policy configures any. Patient data goes to stdout only (the user asked for it);
// diagnostics on stderr never carry it.
import type { Command } from 'commander';
import { isValidNhsNumber, normaliseNhsNumber } from '../../../common/nhs-number';
import { loadMachinePolicy, loadPolicyForThisMachine, type EffectivePolicy } from '../../services/policy';
import { assembleRecord } from '../../services/record';
import { governRecord, loadSensitiveCodes } from '../../services/governance';
import { formatRecordSummary } from '../../services/record/text-summary';
import { openCliRecordSources } from './cli-record-sources';

interface FetchFlags {
  nhs: string;
  json?: boolean;
  latency?: string;
  deadline?: string;
  sandbox?: boolean;
}

/** This machine's policy; with --sandbox a broken policy does not matter (the defaults stand in). */
async function policyFor(flags: FetchFlags): Promise<EffectivePolicy> {
  const loaded = await loadPolicyForThisMachine();
  if (loaded.ok) return loaded.policy;
  if (flags.sandbox) {
    const defaults = await loadMachinePolicy({});
    if (defaults.ok) return defaults.policy;
  }
  throw new Error(
    `Configuration problem: ${loaded.problems.map((p) => `${p.key} ${p.message}`).join('; ')} — nothing was fetched`,
  );
}

export function registerFetchCommand(program: Command): void {
  program
    .command('fetch')
    .description('Fetch and merge a patient’s Wessex record (configured sources, or the built-in sandbox)')
    .requiredOption('--nhs <number>', 'NHS number (10 digits, spaces allowed)')
    .option('--json', 'print the merged record as JSON')
    .option('--latency <ms>', 'sandbox only: injected latency per request', '0')
    .option('--deadline <ms>', 'per-source deadline', '30000')
    .option('--sandbox', 'use the built-in sandbox even when a policy configures sources')
    .action(async (flags: FetchFlags) => {
      const nhs = normaliseNhsNumber(flags.nhs);
      if (!isValidNhsNumber(nhs)) {
        throw new Error('That is not a valid NHS number (ten digits with a correct check digit)');
      }
      const latencyMs = Number(flags.latency ?? 0);
      const deadlineMs = Number(flags.deadline ?? 30_000);
      if (!Number.isFinite(latencyMs) || latencyMs < 0)
        throw new Error('--latency must be a number of milliseconds');
      if (!Number.isFinite(deadlineMs) || deadlineMs <= 0)
        throw new Error('--deadline must be a number of milliseconds');
      const policy = await policyFor(flags);
      const target = await openCliRecordSources(policy, {
        latencyMs,
        ...(flags.sandbox ? { sandbox: true } : {}),
      });
      try {
        const started = Date.now();
        // Governed as the app governs a record (dissent, sensitive codes, confidentiality labels) before it is
        // shown; a headless tool has no user role, so role-based hiding does not apply.
        const record = governRecord(
          await assembleRecord({
            requestId: 'cli',
            identity: { nhsNumber: nhs, mayQueryRegionalSources: true, ...target.identity(nhs) },
            sources: target.sources,
            ...(target.locator ? { locator: target.locator } : {}),
            tokens: target.tokens,
            options: { deadlineMs },
          }),
          {
            access: 'everything',
            sensitive: loadSensitiveCodes(policy.sensitiveCodeListPath),
            breakGlassOverridesDissent: false,
          },
        );
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
        } else {
          console.log(formatRecordSummary(record));
          console.log(`(from the ${target.origin} in ${Date.now() - started} ms)`);
        }
        if (record.sources.some((s) => s.state === 'failed')) process.exitCode = 2;
      } finally {
        await target.close();
      }
    });
}
