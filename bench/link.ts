// `npm run bench:link`: a record read over a mobile link (a paramedic's 4G in a lay-by), with the sources'
// answers gzipped as the proxies in front of real servers send them, beside the same link with every answer
// uncompressed. Two sandboxes, each in its own process with one paced link for all its servers (the client's
// own connection is the bottleneck, shared by every source); the engine reads from each in turn, interleaved,
// as the app reads (auth on, critical sections first).
//   LINK_MBPS (default 10)  LINK_LATENCY_MS (default 60)  LINK_RUNS (default 3)
import { runCompiled } from './lib/compiled';
import { engineRun, PAGE_SIZE, setUp, type EngineRun } from './lib/engine-read';
import { startSandboxProcess, stopNode } from './lib/processes';
import { median, ratio, reportBench, sampled, type BenchMetric, type BenchRatio } from './lib/results';

const mbps = Number(process.env.LINK_MBPS ?? 10);
const latencyMs = Number(process.env.LINK_LATENCY_MS ?? 60);
const runs = Number(process.env.LINK_RUNS ?? 3);
/** A typical Synthea-shaped record, then the ≥ 20,000-resource one (a caseload prefetch's worst case). */
const PATIENTS = [
  ['synthea-1', 'typical record'],
  ['large', 'large record'],
] as const;
/** How many times faster the large record should read gzipped over this link (a typical one: never slower). */
const GAIN_TARGET = 3;

async function main(): Promise<void> {
  const link = ['--large', '--latency', String(latencyMs), '--bandwidth', String(mbps)];
  const zipped = await startSandboxProcess(link);
  const plain = await startSandboxProcess([...link, '--no-gzip']);
  try {
    const metrics: Record<string, BenchMetric> = {};
    const ratios: Record<string, BenchRatio> = {};
    for (const [key, label] of PATIENTS) {
      // Signed in once per sandbox, as a clinician stays signed in between opens.
      const zippedSetup = await setUp(zipped.info, key);
      const plainSetup = await setUp(plain.info, key);
      // One warm-up each (JIT, tokens, the servers' search caches), then interleaved.
      const zippedReads: EngineRun[] = [];
      const plainReads: EngineRun[] = [];
      await engineRun(zippedSetup);
      await engineRun(plainSetup);
      for (let i = 0; i < runs; i++) {
        zippedReads.push(await engineRun(zippedSetup));
        plainReads.push(await engineRun(plainSetup));
      }
      const resources = zippedReads[0]!.resources;
      const name = `${label} (${resources} resources)`;
      for (const [how, reads] of [
        ['gzipped', zippedReads],
        ['uncompressed', plainReads],
      ] as const) {
        metrics[`${name}, ${how}: critical sections`] = sampled(
          reads.map((r) => r.criticalMs),
          'ms',
        );
        metrics[`${name}, ${how}: full record`] = sampled(
          reads.map((r) => r.fullMs),
          'ms',
        );
      }
      const gain = median(plainReads.map((r) => r.fullMs)) / median(zippedReads.map((r) => r.fullMs));
      ratios[`${label}, full record: uncompressed / gzipped`] = ratio(
        gain,
        '>=',
        key === 'large' ? GAIN_TARGET : 1,
      );
    }
    reportBench('link', {
      metrics,
      ratios,
      notes: [
        `a ${mbps} Mbit/s link with ${latencyMs} ms latency per request, shared by every server of one sandbox (its own process); auth on, _count=${PAGE_SIZE}`,
        `${runs} interleaved reads from each sandbox after one warm-up each; gzipped: level 1 (nginx's default), as the client asked for`,
        `targets: the large record at least ${GAIN_TARGET} times faster gzipped; a typical record never slower`,
      ],
    });
  } finally {
    await Promise.all([stopNode(zipped.running), stopNode(plain.running)]);
  }
}

runCompiled(__filename);
main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
