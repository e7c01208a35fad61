// `npm run bench:fetch`: the large-record patient (≥ 20,000 resources across DCR and CHIE) fetched by the record
// engine and by fhirclient, side by side in one run, against the sandbox in its own process with auth on
// (the signed-in GP's exchanged tokens for both contenders) and injected per-request latency. Contenders run the same
// number of times, interleaved; medians with their spread. Each contender runs in a process of its own (the parent
// asks each in turn for one read), so one contender's garbage is never collected on the other's clock.
//   - engine: assembleRecord, as the app reads a record (critical sections first, then the rest), _count 1000
//   - strongest baseline: fhirclient with _count=1000, every type requested in parallel, both sources at once
//   - naive baseline: fhirclient sequentially per type at the server's default page size (reported beside)
//   - parse floor: the same record's pages (fetched once, as bytes) decoded and JSON.parsed with every resource
//     kept: the CPU a client that JSON.parses the record spends to hold it, before network, merge and governance
//   FETCH_LATENCY_MS (default 40)  FETCH_RUNS (default 5)  FETCH_NAIVE_RUNS (default 2)  FETCH_SETTLE_MS (300)
//   FETCH_PROFILE_DIR (a CPU profile of each contender's process)
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { NHS_NUMBER_SYSTEM } from '../common/nhs-number';
import { parseJsonBytes } from '../main/services/http/json-text';
import { allTypes } from '../main/services/record/sections';
import { runCompiled } from './lib/compiled';
import { engineRun, PAGE_SIZE, setUp, SOURCES, type EngineRun, type Setup } from './lib/engine-read';
import { startSandboxProcess, stopNode, type SandboxProcessInfo } from './lib/processes';
import { median, metric, ratio, reportBench, sampled, type BenchMetric } from './lib/results';

// fhirclient's node entry (CommonJS, no types for this shape): a client from serverUrl + tokenResponse.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const smart = require('fhirclient') as (
  req: unknown,
  res: unknown,
) => {
  client(state: { serverUrl: string; tokenResponse: object }): {
    request(url: string, options: { pageLimit: number; flat: boolean }): Promise<unknown[]>;
  };
};

const latencyMs = Number(process.env.FETCH_LATENCY_MS ?? 40);
const runs = Number(process.env.FETCH_RUNS ?? 5);
const naiveRuns = Number(process.env.FETCH_NAIVE_RUNS ?? 2);
const SETTLE_MS = Number(process.env.FETCH_SETTLE_MS ?? 300);

interface BaselineRun {
  fullMs: number;
  cpuMs: number;
  resources: number;
}

interface BaselineOptions {
  pageSize?: number;
  parallel: boolean;
}

/** What the parent asks a contender's process for: one timed read, or its peak memory at the end. */
type ContenderRequest =
  | { kind: 'engine' }
  | { kind: 'fhirclient'; options: BaselineOptions }
  | { kind: 'parse-floor' }
  | { kind: 'peak-rss' };

interface ParseFloorRun {
  cpuMs: number;
  resources: number;
}

/** fhirclient for one source: locate the patient, then each type (in parallel when asked). */
async function fhirclientSource(setup: Setup, sourceId: string, options: BaselineOptions): Promise<number> {
  const source = setup.sources.find((s) => s.id === sourceId)!;
  // The same user-bound token the engine reads with: this patient, direct care.
  const token = await setup.tokens.getToken(sourceId, { patient: setup.nhsNumber, purpose: 'TREAT' });
  const client = smart({ headers: {}, url: '/' }, {}).client({
    serverUrl: source.fhirBase,
    tokenResponse: { access_token: token, token_type: 'bearer' },
  });
  const found = (await client.request(`Patient?identifier=${NHS_NUMBER_SYSTEM}|${setup.nhsNumber}`, {
    pageLimit: 0,
    flat: true,
  })) as { id: string }[];
  const id = found[0]?.id;
  if (!id) throw new Error(`fhirclient could not locate the patient on ${source.name}`);
  const count = options.pageSize === undefined ? '' : `&_count=${options.pageSize}`;
  const read = async (type: string) =>
    (await client.request(`${type}?patient=Patient/${id}${count}`, { pageLimit: 0, flat: true })).length;
  if (options.parallel) return (await Promise.all(allTypes().map(read))).reduce((a, b) => a + b, 0);
  let total = 0;
  for (const type of allTypes()) total += await read(type);
  return total;
}

async function fhirclientRun(setup: Setup, options: BaselineOptions): Promise<BaselineRun> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const counts = options.parallel
    ? await Promise.all(SOURCES.map(([id]) => fhirclientSource(setup, id, options)))
    : [await fhirclientSource(setup, 'dcr', options), await fhirclientSource(setup, 'chie', options)];
  const fullMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { fullMs, cpuMs: (used.user + used.system) / 1000, resources: counts.reduce((a, b) => a + b, 0) };
}

interface SearchPage {
  entry?: { resource?: unknown }[];
  link?: { relation?: string; url?: string }[];
}

/** Every page of the record as each source sends it (_count=1000, each type followed to its last page), as bytes. */
async function recordPages(setup: Setup): Promise<Buffer[]> {
  const pages: Buffer[] = [];
  const readSource = async (sourceId: string) => {
    const source = setup.sources.find((s) => s.id === sourceId)!;
    const token = await setup.tokens.getToken(sourceId, { patient: setup.nhsNumber, purpose: 'TREAT' });
    const get = async (url: string) => {
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' },
      });
      if (!response.ok) throw new Error(`${source.name} answered ${response.status} to ${url}`);
      const bytes = Buffer.from(await response.arrayBuffer());
      return { bytes, page: parseJsonBytes(bytes) as SearchPage };
    };
    const located = await get(
      `${source.fhirBase}/Patient?identifier=${NHS_NUMBER_SYSTEM}|${setup.nhsNumber}`,
    );
    const id = (located.page.entry?.[0]?.resource as { id?: string } | undefined)?.id;
    if (!id) throw new Error(`the parse floor could not locate the patient on ${source.name}`);
    const readType = async (type: string) => {
      let url: string | undefined = `${source.fhirBase}/${type}?patient=Patient/${id}&_count=${PAGE_SIZE}`;
      while (url) {
        const { bytes, page } = await get(url);
        pages.push(bytes);
        url = page.link?.find((l) => l.relation === 'next')?.url;
      }
    };
    await Promise.all(allTypes().map(readType));
  };
  await Promise.all(SOURCES.map(([id]) => readSource(id)));
  return pages;
}

/** The CPU to turn the pages into resources held in memory, as the engine decodes and parses them. */
function parseFloorRun(pages: readonly Buffer[]): ParseFloorRun {
  const cpu = process.cpuUsage();
  const held: unknown[] = [];
  for (const bytes of pages)
    for (const entry of (parseJsonBytes(bytes) as SearchPage).entry ?? [])
      if (entry.resource !== undefined) held.push(entry.resource);
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, resources: held.length };
}

/** Sequential round trips no client can avoid: find the patient, then the longest type's pages, one by one. */
function networkFloorTrips(perType: readonly [string, number][]): number {
  let pages = 1;
  for (const [, n] of perType) pages = Math.max(pages, Math.ceil(n / PAGE_SIZE));
  return 1 + pages;
}

/**
 * The engine alone in a process of its own (this file, with FETCH_ENGINE_ONLY set to the sandbox's details):
 * one record read, as a clinician's first open, then the process's peak RSS.
 */
async function engineOnly(info: SandboxProcessInfo): Promise<void> {
  await engineRun(await setUp(info, 'large'));
  console.log(JSON.stringify({ peakRssMiB: peakRssMiB() }));
}

function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function engineOnlyPeakRss(info: SandboxProcessInfo): number {
  // This bench is already the bundled copy (see runCompiled): the same file, in a process of its own.
  const child = spawnSync(process.execPath, [__filename], {
    env: { ...process.env, FETCH_ENGINE_ONLY: JSON.stringify(info) },
    encoding: 'utf8',
  });
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  if (child.status !== 0 || !line.startsWith('{'))
    throw new Error(`the engine-only run failed: ${child.stderr || child.stdout}`);
  return (JSON.parse(line) as { peakRssMiB: number }).peakRssMiB;
}

/** A contender's process (this file, with FETCH_SANDBOX set): signs in once, then reads when asked. */
async function contenderProcess(info: SandboxProcessInfo): Promise<void> {
  const setup = await setUp(info, 'large');
  let pages: Promise<Buffer[]> | undefined;
  process.on('disconnect', () => process.exit());
  process.on('message', (request: ContenderRequest) => {
    const answer =
      request.kind === 'engine'
        ? engineRun(setup)
        : request.kind === 'fhirclient'
          ? fhirclientRun(setup, request.options)
          : request.kind === 'parse-floor'
            ? (pages ??= recordPages(setup)).then(parseFloorRun)
            : Promise.resolve(peakRssMiB());
    answer.then(
      (result) => process.send!({ result }),
      (error: unknown) => process.send!({ error: error instanceof Error ? error.message : String(error) }),
    );
  });
  process.send!({ ready: true });
}

interface Contender {
  ask<T>(request: ContenderRequest): Promise<T>;
  stop(): void;
}

async function startContender(name: string, info: SandboxProcessInfo): Promise<Contender> {
  const profile = process.env.FETCH_PROFILE_DIR;
  const child: ChildProcess = fork(__filename, [], {
    // FETCH_PROFILE_DIR: a CPU profile of each contender's process, to see where its time goes.
    execArgv: profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`, '--cpu-prof-interval=200'] : [],
    env: { ...process.env, FETCH_SANDBOX: JSON.stringify(info) },
  });
  const next = () =>
    new Promise<{ result?: unknown; error?: string; ready?: boolean }>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the ${name} process exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (message: { result?: unknown; error?: string; ready?: boolean }) => {
        child.off('exit', onExit);
        resolve(message);
      });
    });
  await next();
  return {
    async ask<T>(request: ContenderRequest): Promise<T> {
      // The previous read's background work (GC threads finishing, sockets closing) settles first.
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const answer = next();
      child.send(request);
      const { result, error } = await answer;
      if (error !== undefined) throw new Error(`${name}: ${error}`);
      return result as T;
    },
    // Disconnecting lets the process end by itself (and write its profile when asked for one).
    stop: () => child.disconnect(),
  };
}

async function main(): Promise<void> {
  const { running, info } = await startSandboxProcess([
    '--large',
    '--latency',
    String(latencyMs),
    '--no-gzip',
  ]);
  const contenders: Contender[] = [];
  try {
    const engineProcess = await startContender('engine', info);
    contenders.push(engineProcess);
    const fhirclientProcess = await startContender('fhirclient', info);
    contenders.push(fhirclientProcess);
    const parseFloorProcess = await startContender('parse floor', info);
    contenders.push(parseFloorProcess);
    const parseFloorRead = () => parseFloorProcess.ask<ParseFloorRun>({ kind: 'parse-floor' });
    const engineRead = () => engineProcess.ask<EngineRun>({ kind: 'engine' });
    const baselineRead = (options: BaselineOptions) =>
      fhirclientProcess.ask<BaselineRun>({ kind: 'fhirclient', options });
    // One warm-up of each contender (JIT, the server's search caches, tokens) before anything is timed.
    await engineRead();
    await baselineRead({ pageSize: PAGE_SIZE, parallel: true });
    await parseFloorRead();
    const engine: EngineRun[] = [];
    const parseFloor: ParseFloorRun[] = [];
    const strongest: number[] = [];
    const strongestCpu: number[] = [];
    const naive: number[] = [];
    let resourcesRead = { engine: 0, strongest: 0, naive: 0 };
    for (let i = 0; i < runs; i++) {
      const e = await engineRead();
      engine.push(e);
      const s = await baselineRead({ pageSize: PAGE_SIZE, parallel: true });
      strongest.push(s.fullMs);
      strongestCpu.push(s.cpuMs);
      parseFloor.push(await parseFloorRead());
      resourcesRead = { ...resourcesRead, engine: e.resources, strongest: s.resources };
      if (i < naiveRuns) {
        const n = await baselineRead({ parallel: false });
        naive.push(n.fullMs);
        resourcesRead.naive = n.resources;
      }
    }
    // The floor parses the same resources the engine read (paged as fhirclient reads them), or it is no floor.
    if (parseFloor[0]!.resources !== resourcesRead.engine)
      throw new Error(
        `the parse floor read ${parseFloor[0]!.resources} resources, the engine ${resourcesRead.engine}`,
      );
    const enginePeakAll = await engineProcess.ask<number>({ kind: 'peak-rss' });
    const baselinePeakAll = await fhirclientProcess.ask<number>({ kind: 'peak-rss' });
    const enginePeakRss = engineOnlyPeakRss(info);
    const full = engine.map((e) => e.fullMs);
    const floorTrips = networkFloorTrips(engine[0]!.perType);
    const floorMs = floorTrips * latencyMs;
    const metrics: Record<string, BenchMetric> = {
      'latency injected per request': metric(latencyMs, 'ms'),
      'resources read by the engine (both sources)': metric(resourcesRead.engine, 'resources'),
      'engine: merged items': metric(engine[0]!.items, 'items'),
      'engine: HTTP requests': metric(engine[0]!.requests, 'requests'),
      'engine: time to critical sections': sampled(
        engine.map((e) => e.criticalMs),
        'ms',
      ),
      'engine: time to full merged record': sampled(full, 'ms'),
      'engine: client CPU for the full record': sampled(
        engine.map((e) => e.cpuMs),
        'ms',
      ),
      [`parse floor: the same record's pages (${parseFloor[0]!.resources} resources) decoded and parsed, all kept: client CPU`]:
        sampled(
          parseFloor.map((p) => p.cpuMs),
          'ms',
        ),
      'engine alone, own process, one read: peak RSS': metric(enginePeakRss, 'MiB'),
      'engine process, over every read: peak RSS': metric(enginePeakAll, 'MiB'),
      'fhirclient process, over every read: peak RSS': metric(baselinePeakAll, 'MiB'),
      [`network floor (${floorTrips} sequential round trips at _count=${PAGE_SIZE})`]: metric(floorMs, 'ms'),
      [`fhirclient, _count=${PAGE_SIZE}, types and sources in parallel: full record`]: sampled(
        strongest,
        'ms',
      ),
      [`fhirclient, _count=${PAGE_SIZE}, types and sources in parallel: client CPU (fetch and parse only)`]:
        sampled(strongestCpu, 'ms'),
      'fhirclient, sequential per type, default page size: full record': sampled(naive, 'ms'),
      'fhirclient resources read (strongest / naive)': metric(
        resourcesRead.strongest,
        `resources (naive: ${resourcesRead.naive})`,
      ),
    };
    reportBench('fetch', {
      metrics,
      ratios: {
        'full record: strongest fhirclient / engine': ratio(median(strongest) / median(full), '>=', 1.5),
        'full record: naive fhirclient / engine': ratio(median(naive) / median(full), '>=', 5),
        'full record / network floor': ratio(median(full) / floorMs, '<=', 2),
        'critical sections in round trips (time / latency)': ratio(
          median(engine.map((e) => e.criticalMs)) / latencyMs,
          '<=',
          6,
        ),
        'client CPU for the full record, median ms (target ms)': ratio(
          median(engine.map((e) => e.cpuMs)),
          '<=',
          400,
        ),
        'engine peak RSS in its own process, MiB (target MiB)': ratio(enginePeakRss, '<=', 200),
      },
      notes: [
        `${runs} runs of the engine and the strongest baseline, interleaved, after one warm-up each; the naive baseline ${naiveRuns} times (it takes seconds per run)`,
        'the sandbox runs in its own process (wessex sandbox --large --no-gzip) with auth on: every request carries the signed-in GP’s token, exchanged per source at the regional authorization server; answers uncompressed, since on this one machine the servers’ compressing would take the client’s cores (bench:link measures gzip over a slow link)',
        `engine: assembleRecord at _count=${PAGE_SIZE}, DCR per-type searches in parallel (critical first), CHIE Patient/$everything split by _type; a search that states its total and pages by offset has its remaining pages asked for at once`,
        'each contender in a process of its own, asked in turn for one read (interleaved); CPU is that process’s, peak RSS from getrusage',
        'the engine runs as the app runs it: this bench bundled to plain JavaScript (esbuild), no TypeScript loader',
        'engine alone: the same bundle in a child process, one record read, peak RSS from getrusage',
        'network floor: locating the patient, then the largest single type read page by page at this _count',
        'parse floor: in a third process, the record’s pages fetched once as bytes (each type at this _count, to its last page), then each run decodes and JSON.parses them as the engine does and keeps every resource; the same resources as the engine read (checked), paged type by type as fhirclient reads them; no network, merge or governance: what any client that JSON.parses the whole record and keeps it spends before doing anything with it',
      ],
    });
  } finally {
    for (const contender of contenders) contender.stop();
    await stopNode(running);
  }
}

runCompiled(__filename);
const engineOnlyInfo = process.env.FETCH_ENGINE_ONLY;
const contenderInfo = process.env.FETCH_SANDBOX;
(engineOnlyInfo
  ? engineOnly(JSON.parse(engineOnlyInfo) as SandboxProcessInfo)
  : contenderInfo
    ? contenderProcess(JSON.parse(contenderInfo) as SandboxProcessInfo)
    : main()
).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
