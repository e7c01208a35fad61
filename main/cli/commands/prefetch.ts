// `wessex prefetch --file caseload.csv | --list <id> | --appointments-today --practitioner <id> [--pin]`: fetch a
// caseload into the offline cache before going out of signal. Lists and appointments are read from the first
// configured source with its Backend Services token, as the app does. NHS numbers appear on the terminal for
// the user; they are never written to a log.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { londonDate } from '../../../common/london-date';
import {
  lookUpCaseload,
  practitionerReference,
  type CaseloadFrom,
} from '../../services/composition/caseload-lookup';
import { loadSensitiveCodes } from '../../services/governance';
import { createKeytarSecretStore } from '../../services/keystore/secret-store';
import { createGovernedLiveFetch, RecordOpener } from '../../services/offline';
import { parseNhsNumberList, prefetchRecords, type ListProblem } from '../../services/prefetch';
import type { EffectivePolicy, RoleAccess } from '../../services/policy';
import { loadPolicyOrExplain, nhsForTerminal, openCliCache, type DataDirOption } from './cache-cli-support';
import { openCliRecordSources, type CliRecordSources } from './cli-record-sources';

interface PrefetchCliOptions extends DataDirOption {
  sandbox?: boolean;
  file?: string;
  list?: string;
  appointmentsToday?: boolean;
  practitioner?: string;
  pin?: boolean;
  role: string;
  concurrency: string;
}

/** NHS numbers to prefetch and the lines/entries that could not be used. */
interface Caseload {
  nhsNumbers: string[];
  problems: ListProblem[];
  /** Plain-words reasons the caseload source gave nothing (or not everything). */
  sourceProblems: string[];
}

function readCaseloadFile(file: string): Caseload {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`The caseload file ${file} could not be read.`);
  }
  return { ...parseNhsNumberList(text), sourceProblems: [] };
}

/** Where the caseload comes from: a file, a FHIR List, or the practitioner's appointments today. */
function chooseCaseload(options: PrefetchCliOptions): { file: string } | CaseloadFrom {
  const chosen = [options.file, options.list, options.appointmentsToday].filter(Boolean).length;
  if (chosen !== 1) {
    throw new Error('Give exactly one of --file <caseload.csv>, --list <id> or --appointments-today.');
  }
  if (options.practitioner !== undefined && !practitionerReference(options.practitioner)) {
    throw new Error(`"${options.practitioner}" is not a Practitioner id or reference.`);
  }
  if (options.file) return { file: options.file };
  if (options.list) return { kind: 'list', listId: options.list };
  if (!options.practitioner) throw new Error('--appointments-today needs --practitioner <id>.');
  return { kind: 'appointments', date: londonDate(new Date()) };
}

async function caseloadFrom(
  from: CaseloadFrom,
  options: PrefetchCliOptions,
  target: CliRecordSources,
): Promise<Caseload> {
  const found = await lookUpCaseload({
    source: target.sources[0],
    tokens: target.tokens,
    practitioner: practitionerReference(options.practitioner),
    from,
  });
  return { nhsNumbers: found.nhsNumbers, problems: [], sourceProblems: found.problems };
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
    .option('--appointments-today', 'the patients with appointments today (with --practitioner)')
    .option('--practitioner <id>', 'whose appointments: a Practitioner id on the first configured source')
    .option('--pin', 'keep for the caseload (pinned) retention period')
    .option('--role <code>', 'the role whose access rules apply (policy roleMapping)', 'paramedic')
    .option('--concurrency <n>', 'patients fetched at once', '4')
    .option('--sandbox', 'use the built-in sandbox even when a policy configures sources')
    .option('--data-dir <dir>', 'the viewer data directory (default: this user’s; env WESSEX_DATA_DIR)')
    .action(async (options: PrefetchCliOptions) => {
      const policy = await loadPolicyOrExplain();
      const access = policy.roleMapping[options.role];
      if (!access) throw new Error(`The role "${options.role}" is not in the policy's roleMapping.`);
      const from = chooseCaseload(options);
      const fromFile = 'file' in from ? readCaseloadFile(from.file) : undefined;
      const secretStore = createKeytarSecretStore();
      const target = await openCliRecordSources(policy, {
        ...(options.sandbox ? { sandbox: true } : {}),
        secretStore,
      });
      if (target.sandbox) console.error('Using the built-in Wessex sandbox (synthetic patients).');
      try {
        const caseload = fromFile ?? (await caseloadFrom(from as CaseloadFrom, options, target));
        await run(options, policy, access, target, caseload);
      } finally {
        await target.close();
      }
    });
}

async function run(
  options: PrefetchCliOptions,
  policy: EffectivePolicy,
  access: RoleAccess,
  target: CliRecordSources,
  list: Caseload,
): Promise<void> {
  if (list.nhsNumbers.length === 0 && list.sourceProblems.length)
    throw new Error(list.sourceProblems.join('\n'));
  for (const problem of list.sourceProblems) console.error(problem);
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
      tokens: target.tokens,
      identity: target.identity,
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
    if (failed.length || list.problems.length || list.sourceProblems.length) process.exitCode = 2;
  } finally {
    cache.close();
  }
}
