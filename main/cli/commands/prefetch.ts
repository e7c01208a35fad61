// `wessex prefetch --file caseload.csv [--pin]`: fetch a caseload into the offline cache before going out of
// signal. NHS numbers appear on the terminal for the user; they are never written to a log.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { noTokens } from '../../services/auth/token-provider';
import { loadSensitiveCodes } from '../../services/governance';
import { createGovernedLiveFetch, RecordOpener } from '../../services/offline';
import {
  caseloadFromList,
  parseNhsNumberList,
  prefetchRecords,
  type ListProblem,
  type ParsedNhsNumberList,
} from '../../services/prefetch';
import type { EffectivePolicy, RoleAccess } from '../../services/policy';
import { sourcesFromPolicy, type EngineSource, type RecordIdentity } from '../../services/record';
import { startSandbox } from '../../../sandbox';
import { loadPolicyOrExplain, nhsForTerminal, openCliCache, type DataDirOption } from './cache-cli-support';

interface PrefetchCliOptions extends DataDirOption {
  sandbox?: boolean;
  file?: string;
  list?: string;
  pin?: boolean;
  role: string;
  concurrency: string;
}

function readCaseloadFile(file: string) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`The caseload file ${file} could not be read.`);
  }
  return parseNhsNumberList(text);
}

interface Target {
  sources: EngineSource[];
  locator?: EngineSource;
  identity?: (nhs: string) => Partial<Omit<RecordIdentity, 'nhsNumber'>>;
  close?: () => Promise<void>;
}

function policyTarget(policy: EffectivePolicy): Target {
  const needsSignIn = policy.sources.filter((s) => s.auth.type !== 'none').map((s) => s.name);
  if (needsSignIn.length) {
    throw new Error(
      `${needsSignIn.join(', ')} need SMART Backend Services sign-in, which prefetch does not perform yet.`,
    );
  }
  return sourcesFromPolicy(policy);
}

/** The built-in sandbox, as `wessex fetch` uses it when no sources are configured. */
async function sandboxTarget(): Promise<Target> {
  const sandbox = await startSandbox({ requireAuth: false });
  console.error('Using the built-in Wessex sandbox (synthetic patients).');
  return {
    sources: [
      { id: 'dcr', name: 'Dorset Care Record', fhirBase: sandbox.urls.dcr },
      { id: 'chie', name: 'CHIE', fhirBase: sandbox.urls.chie },
    ],
    locator: { id: 'locator', name: 'Record locator', fhirBase: sandbox.urls.locator },
    identity: (nhs) => {
      const patient = sandbox.patients.find((p) => p.nhsNumber === nhs);
      return patient
        ? { eprPatient: patient.epr, mayQueryRegionalSources: patient.nhsVerification === '01' }
        : {};
    },
    close: () => sandbox.close(),
  };
}

function printProblems(problems: ListProblem[]): void {
  for (const p of problems) console.error(`  line ${p.line}: ${p.message}`);
}

export function registerPrefetchCommand(program: Command): void {
  program
    .command('prefetch')
    .description('Fetch a caseload of patients into the encrypted offline cache')
    .option('--file <file>', 'a CSV or text file with one NHS number a line')
    .option('--list <id>', 'a FHIR List (caseload) on the first configured source')
    .option('--pin', 'keep for the caseload (pinned) retention period')
    .option('--role <code>', 'the role whose access rules apply (policy roleMapping)', 'paramedic')
    .option('--concurrency <n>', 'patients fetched at once', '4')
    .option('--sandbox', 'use the built-in sandbox even when a policy configures sources')
    .option('--data-dir <dir>', 'the viewer data directory (default: this user’s; env WESSEX_DATA_DIR)')
    .action(async (options: PrefetchCliOptions) => {
      const policy = await loadPolicyOrExplain();
      const access = policy.roleMapping[options.role];
      if (!access) throw new Error(`The role "${options.role}" is not in the policy's roleMapping.`);
      if (!options.file && !options.list) throw new Error('Give --file <caseload.csv> or --list <id>.');
      const fromFile = options.file ? readCaseloadFile(options.file) : undefined;
      const target =
        options.sandbox || policy.sources.length === 0 ? await sandboxTarget() : policyTarget(policy);
      try {
        await run(options, policy, access, target, fromFile);
      } finally {
        await target.close?.();
      }
    });
}

async function run(
  options: PrefetchCliOptions,
  policy: EffectivePolicy,
  access: RoleAccess,
  target: Target,
  fromFile: ParsedNhsNumberList | undefined,
): Promise<void> {
  const first = target.sources[0];
  const list = fromFile ?? (await caseloadFromList({ fhirBase: first?.fhirBase ?? '' }, options.list ?? ''));
  if (list.problems.length) {
    console.error(`${list.problems.length} line(s) of the caseload could not be used:`);
    printProblems(list.problems);
  }
  if (list.nhsNumbers.length === 0) throw new Error('The caseload holds no valid NHS numbers.');

  const cache = await openCliCache(options, policy);
  try {
    const { sources, locator } = target;
    const fetchLive = createGovernedLiveFetch({
      sources,
      ...(locator ? { locator } : {}),
      tokens: noTokens,
      ...(target.identity ? { identity: target.identity } : {}),
      governance: {
        access,
        sensitive: loadSensitiveCodes(policy.sensitiveCodeListPath),
        breakGlassOverridesDissent: policy.breakGlassOverridesDissent,
      },
    });
    const tty = process.stdout.isTTY;
    const report = await prefetchRecords({
      nhsNumbers: list.nhsNumbers,
      opener: new RecordOpener({ cache, fetchLive }),
      pin: !!options.pin,
      concurrency: Math.max(1, Math.min(8, Number(options.concurrency) || 4)),
      onProgress: (r, latest) => {
        const line = `Prefetching ${r.done}/${r.total} … ${latest.ok ? '✓' : '✗'} ${nhsForTerminal(latest.nhsNumber)}`;
        if (tty) process.stdout.write(`\r\x1b[2K${line}`);
        else console.log(line);
      },
    });
    if (tty) process.stdout.write('\n');
    const failed = report.results.filter((r) => !r.ok);
    const saved = report.results.length - failed.length;
    console.log(
      `${saved} of ${report.total} record(s) saved for offline use${options.pin ? ' (caseload)' : ''}.`,
    );
    for (const r of report.results.filter((x) => x.ok && x.message)) {
      console.log(`  ✓ ${nhsForTerminal(r.nhsNumber)} — ${r.message}`);
    }
    if (failed.length) {
      console.log(`${failed.length} failed:`);
      for (const r of failed) console.log(`  ✗ ${nhsForTerminal(r.nhsNumber)} — ${r.message ?? 'failed'}`);
    }
    if (failed.length || list.problems.length) process.exitCode = 2;
  } finally {
    cache.close();
  }
}
