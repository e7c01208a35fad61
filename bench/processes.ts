// `npm run bench:processes`: what a user waits for at the command line, each as a whole process, after a
// build: `npm start` (the app on the built-in sandbox) to the record painted; the built CLI's `--help`; and
// `wessex fetch` of the cross-border patient against a sandbox already running in its own process. Each is run
// PROCESS_RUNS times (default 5), interleaved, and reported as median and spread against its target.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ROOT, startNode, startSandboxProcess, stopNode, waitForOutput } from './lib/processes';
import { median, ratio, reportBench, sampled, type BenchResult } from './lib/results';

const runs = Number(process.env.PROCESS_RUNS ?? 5);
const TARGETS = { startMs: 8_000, helpMs: 300, fetchMs: 800 };

async function timeProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  const started = performance.now();
  const running = startNode(args, env);
  const code = await new Promise<number | null>((resolve) => running.child.once('exit', resolve));
  if (code !== 0 && code !== 2)
    throw new Error(`node ${args.join(' ')} exited ${code}:\n${running.output()}`);
  return performance.now() - started;
}

async function timeStart(dataDir: string): Promise<number> {
  const started = performance.now();
  const running = startNode([
    'out/main/dev-cli.js',
    'start',
    '--headless',
    '--data-dir',
    dataDir,
    '--screenshot',
    path.join(dataDir, 'record.png'),
  ]);
  try {
    await waitForOutput(running, /Screenshot of the record/, 60_000);
    return performance.now() - started;
  } finally {
    await stopNode(running);
  }
}

async function main(): Promise<void> {
  for (const built of ['out/main/cli.js', 'out/main/dev-cli.js'])
    if (!fs.existsSync(path.join(ROOT, built)))
      throw new Error(`${built} is missing: run npm run build first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wessex-bench-processes-'));
  const { running: sandbox, info } = await startSandboxProcess(['--no-auth']);
  try {
    const nhs = info.patients.find((p) => p.key === 'cross-border')!.nhsNumber;
    const source = (id: string, name: string, fhirBase: string | undefined) => ({
      id,
      name,
      fhirBase,
      auth: { type: 'none' },
    });
    const policyFile = path.join(dir, 'policy.json');
    fs.writeFileSync(
      policyFile,
      JSON.stringify({
        sources: [source('dcr', 'Dorset Care Record', info.urls.dcr), source('chie', 'CHIE', info.urls.chie)],
        recordLocator: source('locator', 'Record locator', info.urls.locator),
        auditEndpoint: info.urls.audit,
        commandLineRoles: ['nurse'],
      }),
    );
    const samples = { startMs: [] as number[], helpMs: [] as number[], fetchMs: [] as number[] };
    const fetchArgs = ['out/main/cli.js', 'fetch', '--nhs', nhs, '--role', 'nurse', '--data-dir', dir];
    // One warm-up of each (disk cache), then interleaved runs.
    await timeProcess(['out/main/cli.js', '--help']);
    await timeProcess(fetchArgs, { WESSEX_POLICY_FILE: policyFile });
    for (let i = 0; i < runs; i++) {
      samples.helpMs.push(await timeProcess(['out/main/cli.js', '--help']));
      samples.fetchMs.push(await timeProcess(fetchArgs, { WESSEX_POLICY_FILE: policyFile }));
      const startDir = fs.mkdtempSync(path.join(dir, 'start-'));
      samples.startMs.push(await timeStart(startDir));
    }
    const result: BenchResult = {
      metrics: {
        'npm start (after build) to the record painted': sampled(samples.startMs, 'ms'),
        'built CLI --help': sampled(samples.helpMs, 'ms'),
        'wessex fetch, cross-border patient, running sandbox': sampled(samples.fetchMs, 'ms'),
      },
      ratios: {
        'start to record painted, median ms (target ms)': ratio(
          median(samples.startMs),
          '<=',
          TARGETS.startMs,
        ),
        'CLI --help, median ms (target ms)': ratio(median(samples.helpMs), '<=', TARGETS.helpMs),
        'fetch as a whole process, median ms (target ms)': ratio(
          median(samples.fetchMs),
          '<=',
          TARGETS.fetchMs,
        ),
      },
      notes: [
        `${runs} runs each after one warm-up, interleaved; each a whole process (node out/main/...)`,
        'start: headless Chromium on the built-in sandbox, clock stops when the record has finished painting',
        'fetch: the sandbox runs in its own process without auth; the CLI keeps its audit and offline copy',
      ],
    };
    reportBench('processes', result);
  } finally {
    await stopNode(sandbox);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
