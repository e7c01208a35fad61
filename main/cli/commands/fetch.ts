// `wessex fetch --nhs <number>`: the merged Wessex record for one patient from the configured sources, or from
// the built-in sandbox when no policy configures any. Patient data goes to stdout only (the user asked for it);
// diagnostics on stderr never carry it.
import type { Command } from 'commander';
import { isValidNhsNumber, normaliseNhsNumber } from '../../../common/nhs-number';
import type { NhsNumberVerification } from '../../../common/record';
import { noTokens } from '../../services/auth/token-provider';
import { loadPolicyForThisMachine } from '../../services/policy';
import { assembleRecord, sourcesFromPolicy, type RecordRequest } from '../../services/record';
import { formatRecordSummary } from '../../services/record/text-summary';
import { startSandbox } from '../../../sandbox';

interface FetchFlags {
  nhs: string;
  json?: boolean;
  latency?: string;
  deadline?: string;
  sandbox?: boolean;
}

type Target = Omit<RecordRequest, 'requestId' | 'onEvent'> & { close?: () => Promise<void>; origin: string };

const VERIFICATION_BY_CODE: Record<string, NhsNumberVerification> = { '01': 'verified', '04': 'not-traced' };

async function sandboxTarget(nhs: string, latencyMs: number): Promise<Target> {
  const sandbox = await startSandbox({ latencyMs, requireAuth: false });
  const patient = sandbox.patients.find((p) => p.nhsNumber === nhs);
  const verification = patient?.nhsVerification
    ? (VERIFICATION_BY_CODE[patient.nhsVerification] ?? 'unverified')
    : undefined;
  return {
    origin: 'built-in sandbox',
    identity: {
      nhsNumber: nhs,
      // As a launch would: only a verified number is used to search other organisations' records.
      mayQueryRegionalSources: patient ? verification === 'verified' : true,
      ...(patient ? { eprPatient: patient.epr } : {}),
      ...(verification ? { verification } : {}),
    },
    sources: [
      { id: 'dcr', name: 'Dorset Care Record', fhirBase: sandbox.urls.dcr },
      { id: 'chie', name: 'CHIE', fhirBase: sandbox.urls.chie },
    ],
    locator: { id: 'locator', name: 'Record locator', fhirBase: sandbox.urls.locator },
    tokens: noTokens,
    close: () => sandbox.close(),
  };
}

async function policyTarget(nhs: string): Promise<Target | undefined> {
  const loaded = await loadPolicyForThisMachine();
  if (!loaded.ok) {
    throw new Error(
      `Configuration problem: ${loaded.problems.map((p) => `${p.key} ${p.message}`).join('; ')} — nothing was fetched`,
    );
  }
  if (loaded.policy.sources.length === 0) return undefined;
  const needsSignIn = loaded.policy.sources.filter((s) => s.auth.type !== 'none').map((s) => s.name);
  if (needsSignIn.length) {
    throw new Error(
      `${needsSignIn.join(', ')} need SMART Backend Services sign-in, which the fetch command does not perform yet`,
    );
  }
  return {
    origin: 'machine policy',
    identity: { nhsNumber: nhs, mayQueryRegionalSources: true },
    ...sourcesFromPolicy(loaded.policy),
    tokens: noTokens,
  };
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
      const target = (!flags.sandbox && (await policyTarget(nhs))) || (await sandboxTarget(nhs, latencyMs));
      try {
        const started = Date.now();
        const record = await assembleRecord({ ...target, requestId: 'cli', options: { deadlineMs } });
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
        } else {
          console.log(formatRecordSummary(record));
          console.log(`(from the ${target.origin} in ${Date.now() - started} ms)`);
        }
        if (record.sources.some((s) => s.state === 'failed')) process.exitCode = 2;
      } finally {
        await target.close?.();
      }
    });
}
