import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openOfflineCache } from '../../main/services/cache';
import { cacheDatabasePath } from '../../main/services/paths';
import { buildRecord } from '../../main/services/record/build-record';
import type { RecordSnapshot } from '../../main/services/record/snapshot';
import { ALTERNATE_SAVES, ALTERNATE_VERSIONS, cacheTestEnv, type CacheTestEnv } from './cache-support';

const CHILD = path.join(import.meta.dirname, 'cache-crash-child.ts');
const NHS = '9434765919';
let env: CacheTestEnv;

beforeEach(() => {
  env = cacheTestEnv();
});
afterEach(async () => {
  await env.cleanup();
});

function spawnChild(mode: string) {
  return spawn(process.execPath, ['--import', 'tsx', CHILD, mode, env.dataDir, env.service], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the child until it prints `until`, then (optionally) kills it with SIGKILL. */
function runChild(mode: string, until: string, kill: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnChild(mode);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (kill && out.includes(until)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (out.includes(until)) resolve(signal ?? String(code));
      else reject(new Error(`child ${mode} ended (${signal ?? code}) without "${until}": ${err}`));
    });
  });
}

const bannerName = (snapshot: RecordSnapshot) =>
  buildRecord(snapshot, { identity: { nhsNumber: NHS, mayQueryRegionalSources: true } }).patient.name;
const resourceCount = (snapshot: RecordSnapshot) =>
  snapshot.sources.reduce((n, s) => n + s.resources.length, 0);

it('a process killed with SIGKILL in the middle of replacing a record leaves the previous version intact', async () => {
  await runChild('first', 'SAVED', false);
  expect(await runChild('second', 'MID-WRITE', true)).toBe('SIGKILL');
  // The transaction had already written pages: the kill really was mid-write.
  expect(fs.statSync(`${cacheDatabasePath(env.dataDir)}-wal`).size).toBeGreaterThan(1_000_000);

  const cache = await openOfflineCache({ dataDir: env.dataDir, keyVault: env.vault });
  try {
    expect(cache.notices).toEqual([]);
    const snapshot = await cache.loadSnapshot(NHS);
    expect(bannerName(snapshot!)).toBe('WINTERBOURNE, Margaret');
    expect(snapshot?.sources.map((s) => s.resources.length)).toEqual([5, 5]);
    expect(await cache.sectionCounts(NHS)).toMatchObject({ results: 3 });
    expect((await cache.list()).map((r) => r.name)).toEqual(['WINTERBOURNE, Margaret']);
    // The store is writable again: nothing of the dead transaction holds a lock.
    await cache.saveSnapshot((await cache.loadSnapshot(NHS))!);
  } finally {
    cache.close();
  }
});

it('a reader in another process sees each saved snapshot whole while a writer keeps replacing it', async () => {
  await runChild('first', 'SAVED', false);
  const cache = await openOfflineCache({ dataDir: env.dataDir, keyVault: env.vault });
  const child = spawnChild('alternate');
  let out = '';
  let err = '';
  let exited = false;
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exited = true;
      resolve(code);
    }),
  );
  const expected = new Map<number, string>([
    [10, 'WINTERBOURNE, Margaret'],
    ...ALTERNATE_VERSIONS.map(
      (v) => [v.resources, `${v.family.toUpperCase()}, Margaret`] as [number, string],
    ),
  ]);
  const seen = new Set<number>();
  let reads = 0;
  try {
    while (!exited) {
      const snapshot = await cache.loadSnapshot(NHS);
      const count = resourceCount(snapshot!);
      // The resources and the record row (whose Patient names the version) come from the same save.
      expect(expected.get(count), `${count} resources`).toBeDefined();
      expect(bannerName(snapshot!)).toBe(expected.get(count));
      seen.add(count);
      reads++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await exit, err).toBe(0);
    expect(out).toContain(`SAVED ${ALTERNATE_SAVES - 1}\nDONE`);
    expect(reads).toBeGreaterThan(ALTERNATE_SAVES);
    // The reader really did read between the writer's saves (both versions seen).
    expect([...seen].filter((n) => n !== 10).sort()).toEqual(ALTERNATE_VERSIONS.map((v) => v.resources));
    const last = await cache.loadSnapshot(NHS);
    expect(resourceCount(last!)).toBe(ALTERNATE_VERSIONS[(ALTERNATE_SAVES - 1) % 2]!.resources);
  } finally {
    if (!exited) child.kill('SIGKILL');
    cache.close();
  }
}, 60_000);
