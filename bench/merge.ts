// `npm run bench:merge`: the merge's worst case side by side with its best. 16,000 observations from one source
// that share one clinical fingerprint and carry no identifiers (a telehealth feed posting the same reading with
// no ids of its own: each is a fact of its own, never merged with its neighbours) against 16,000 distinct
// ones, then the same shapes split over two sources (each copy merges with the other source's). Each contender
// runs MERGE_RUNS times (default 7), interleaved, each from a collected heap; medians with their spread. Target: the worst case within
// 1.5× of the distinct case (the merge is linear, not quadratic, inside a fingerprint group).
import { RecordMerger } from '../main/services/record/merge';
import { median, ratio, reportBench, sampled } from './lib/results';
import { runCompiled } from './lib/compiled';

const runs = Number(process.env.MERGE_RUNS ?? 7);
const COUNT = 16_000;
const DCR = { id: 'dcr', name: 'Dorset Care Record', server: 'http://127.0.0.1/dcr' };
const CHIE = { id: 'chie', name: 'CHIE', server: 'http://127.0.0.1/chie' };

function observation(i: number, shared: boolean, prefix: string): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    id: `${prefix}-${i}`,
    status: 'final',
    code: {
      coding: [{ system: 'http://loinc.org', code: shared ? '8867-4' : `c-${i}`, display: 'Heart rate' }],
    },
    effectiveDateTime: shared
      ? '2024-03-02T08:00:00Z'
      : new Date(Date.UTC(2000, 0, 1) + i * 3_600_000).toISOString(),
    valueQuantity: { value: 72, unit: '/min' },
  };
}

function resources(shared: boolean, prefix: string): Record<string, unknown>[] {
  return Array.from({ length: COUNT }, (_, i) => observation(i, shared, prefix));
}

/** ms to merge these sources' resources into a fresh merger (and how many entries came out). */
function mergeTime(sources: [typeof DCR, Record<string, unknown>[]][]): { ms: number; entries: number } {
  // Each contender starts from a collected heap, so none is charged for the garbage the one before it left.
  (globalThis as { gc?: () => void }).gc?.();
  const started = performance.now();
  const merger = new RecordMerger();
  for (const [source, list] of sources) merger.add(source, list);
  return { ms: performance.now() - started, entries: merger.entries().length };
}

function main(): void {
  const contenders = {
    'one source, distinct': () => mergeTime([[DCR, resources(false, 'd')]]),
    'one source, one fingerprint group, no identifiers': () => mergeTime([[DCR, resources(true, 's')]]),
    'two sources, distinct': () =>
      mergeTime([
        [DCR, resources(false, 'd')],
        [CHIE, resources(false, 'c')],
      ]),
    'two sources, one fingerprint group, no identifiers': () =>
      mergeTime([
        [DCR, resources(true, 's')],
        [CHIE, resources(true, 't')],
      ]),
  };
  const times: Record<string, number[]> = {};
  const entries: Record<string, number> = {};
  for (let round = 0; round <= runs; round++) {
    for (const [name, run] of Object.entries(contenders)) {
      const result = run();
      entries[name] = result.entries;
      if (round > 0) (times[name] ??= []).push(result.ms);
    }
  }
  const m = (name: keyof typeof contenders) => median(times[name]!);
  reportBench('merge', {
    metrics: Object.fromEntries(Object.keys(contenders).map((name) => [name, sampled(times[name]!, 'ms')])),
    ratios: {
      'one source: fingerprint group / distinct': ratio(
        m('one source, one fingerprint group, no identifiers') / m('one source, distinct'),
        '<=',
        1.5,
      ),
      'two sources: fingerprint group / distinct': ratio(
        m('two sources, one fingerprint group, no identifiers') / m('two sources, distinct'),
        '<=',
        1.5,
      ),
    },
    notes: [
      `${COUNT} Observations per source; ${runs} rounds after one warm-up, contenders interleaved; resources built and the heap collected outside the clock`,
      `entries out: ${Object.entries(entries)
        .map(([name, n]) => `${name} ${n}`)
        .join('; ')}`,
      'the same facts from two sources merge into one entry each (provenance from both); within one source none merge',
    ],
  });
}

runCompiled(__filename);
main();
