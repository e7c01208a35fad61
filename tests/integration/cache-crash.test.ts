import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openOfflineCache } from '../../main/services/cache';
import { cacheDatabasePath } from '../../main/services/paths';
import { cacheTestEnv, type CacheTestEnv } from './cache-support';

const CHILD = path.join(import.meta.dirname, 'cache-crash-child.ts');
let env: CacheTestEnv;

beforeEach(() => {
  env = cacheTestEnv();
});
afterEach(async () => {
  await env.cleanup();
});

/** Runs the child until it prints `until`, then (optionally) kills it with SIGKILL. */
function runChild(mode: string, until: string, kill: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, env.dataDir, env.service], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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

it('a process killed with SIGKILL in the middle of replacing a record leaves the previous version intact', async () => {
  await runChild('first', 'SAVED', false);
  expect(await runChild('second', 'MID-WRITE', true)).toBe('SIGKILL');
  // The transaction had already written pages: the kill really was mid-write.
  expect(fs.statSync(`${cacheDatabasePath(env.dataDir)}-wal`).size).toBeGreaterThan(1_000_000);

  const cache = await openOfflineCache({ dataDir: env.dataDir, keyVault: env.vault });
  try {
    expect(cache.notices).toEqual([]);
    const record = await cache.loadRecord('9434765919');
    expect(record?.patient.name).toBe('Margaret WINTERBOURNE');
    expect(record?.items).toHaveLength(10);
    expect((await cache.list()).map((r) => r.name)).toEqual(['Margaret WINTERBOURNE']);
  } finally {
    cache.close();
  }
});
