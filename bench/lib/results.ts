// Shared benchmark output: one JSON file per benchmark under bench/results/ plus a table on the console.
// Every benchmark measures its comparison side by side in one run and reports ratios against targets.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface BenchMetric {
  /** The median when measured more than once. */
  value: number;
  unit: string;
  /** Fastest and slowest of the runs, and how many there were. */
  spread?: { min: number; max: number; runs: number };
}

export interface BenchRatio {
  value: number;
  /** Human-readable target, e.g. "≥ 5" or "≤ 6". */
  target: string;
  met: boolean;
}

export interface BenchResult {
  metrics: Record<string, BenchMetric>;
  ratios: Record<string, BenchRatio>;
  /** Setup facts worth recording with the figures (latency injected, resource counts, ...). */
  notes?: string[];
}

export const RESULTS_DIR = path.resolve(__dirname, '..', 'results');

/** A ratio with its target: `ratio(5.2, '>=', 5)` → { value: 5.2, target: '≥ 5', met: true }. */
export function ratio(value: number, comparator: '>=' | '<=', target: number): BenchRatio {
  const met = comparator === '>=' ? value >= target : value <= target;
  return { value: round(value), target: `${comparator === '>=' ? '≥' : '≤'} ${target}`, met };
}

export function metric(value: number, unit: string): BenchMetric {
  return { value: round(value), unit };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Several runs of one measurement: the median, with the fastest and slowest beside it. */
export function sampled(values: readonly number[], unit: string): BenchMetric {
  return {
    ...metric(median(values), unit),
    spread: { min: round(Math.min(...values)), max: round(Math.max(...values)), runs: values.length },
  };
}

function round(value: number): number {
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 100) / 100;
}

/** The commit measured, marked "+changes" when the working tree (beyond bench/results) differs from it. */
function currentCommit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: RESULTS_DIR, encoding: 'utf8' }).trim();
  try {
    const head = git('rev-parse', '--short=12', 'HEAD');
    // Results written earlier in the same `npm run bench` are not a change to what is measured.
    const changed = git(
      'status',
      '--porcelain',
      '--untracked-files=no',
      '--',
      ':/',
      ':(top,exclude)bench/results',
    );
    return changed ? `${head}+changes` : head;
  } catch {
    return 'unknown';
  }
}

/**
 * A fixed piece of work like the benches' own (parsing a few megabytes of JSON into objects, and collecting
 * them), timed when the results are written: the same on every run of a quiet machine, so a run made while the
 * machine was busy (other virtual machines on the host, a build) shows as one.
 */
function machineCheckMs(): number {
  const text = JSON.stringify(
    Array.from({ length: 20_000 }, (_, i) => ({
      resourceType: 'Observation',
      id: `check-${i}`,
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
      valueQuantity: { value: i % 120, unit: '/min' },
    })),
  );
  const times: number[] = [];
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    if ((JSON.parse(text) as unknown[]).length !== 20_000) return NaN;
    times.push(performance.now() - started);
  }
  return round(median(times));
}

function writeBenchResult(name: string, result: BenchResult, dir: string, machineCheck: number): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const body = {
    name,
    commit: currentCommit(),
    measuredAt: new Date().toISOString(),
    machine: {
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      cpus: os.cpus().length,
      checkMs: machineCheck,
    },
    ...result,
  };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}

/** A markdown table (readable on the console and pasteable into an issue). */
export function formatBenchTable(name: string, result: BenchResult): string {
  const lines = [`### ${name}`, '', '| metric | value | unit |', '|---|---:|---|'];
  for (const [key, m] of Object.entries(result.metrics)) {
    const spread = m.spread ? ` (${m.spread.min}–${m.spread.max}, ${m.spread.runs} runs)` : '';
    lines.push(`| ${key} | ${m.value}${spread} | ${m.unit} |`);
  }
  if (Object.keys(result.ratios).length) {
    lines.push('', '| ratio | value | target | met |', '|---|---:|---|---|');
    for (const [key, r] of Object.entries(result.ratios)) {
      lines.push(`| ${key} | ${r.value} | ${r.target} | ${r.met ? 'yes' : 'NO'} |`);
    }
  }
  for (const note of result.notes ?? []) lines.push('', `- ${note}`);
  return lines.join('\n');
}

export function reportBench(name: string, result: BenchResult): string {
  const machineCheck = machineCheckMs();
  const file = writeBenchResult(name, result, RESULTS_DIR, machineCheck);
  console.log(formatBenchTable(name, result));
  console.log(
    `\nmachine check: ${machineCheck} ms to parse a fixed 3 MB of JSON (median of 5) as this bench ended; a quiet machine takes the same every time, a busy one longer`,
  );
  console.log(`\nwritten ${path.relative(process.cwd(), file)}`);
  return file;
}
