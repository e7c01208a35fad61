// Two processes opening a fresh data folder at the same moment (the app and a CLI prefetch, two app windows):
// each store's key is created once, and neither process's record or audit event is lost.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AuditLog, openAuditDatabase } from '../../main/services/audit';
import { openOfflineCache } from '../../main/services/cache';
import { cacheTestEnv, type CacheTestEnv } from './cache-support';

const CHILD = path.join(import.meta.dirname, 'first-open-race-child.ts');
const TRIALS = 20;
const PATIENTS = ['9434765919', '9994625845'];
let env: CacheTestEnv;

beforeEach(() => {
  env = cacheTestEnv();
});
afterEach(async () => {
  await env.cleanup();
});

function runChild(nhsNumber: string, dataDirs: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, env.service, nhsNumber, ...dataDirs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      out.includes('DONE') ? resolve() : reject(new Error(`race child ended (${code}): ${err}`)),
    );
  });
}

it(`two processes opening ${TRIALS} fresh folders at once lose no record and no audit event`, async () => {
  const dataDirs = Array.from({ length: TRIALS }, (_, i) => path.join(env.dataDir, `folder-${i}`));
  await Promise.all(PATIENTS.map((nhs) => runChild(nhs, dataDirs)));

  const lost: string[] = [];
  for (const dataDir of dataDirs) {
    const name = path.basename(dataDir);
    const cache = await openOfflineCache({
      dataDir,
      secretStore: env.secrets,
      purgeExpired: false,
      onRecovery: (event) => lost.push(`${name}: offline store reset (${event.reason})`),
    });
    const saved = (await cache.list()).map((r) => r.nhsNumber).sort();
    if (saved.join() !== [...PATIENTS].sort().join()) lost.push(`${name}: records ${saved.join() || 'none'}`);
    cache.close();
    const audit = await openAuditDatabase({ path: path.join(dataDir, 'audit.db'), keyVault: env.vault });
    if (audit.recovered) lost.push(`${name}: audit log set aside (${audit.recovered.reason})`);
    const chain = new AuditLog(audit.db).verify();
    if (!chain.ok || chain.count !== PATIENTS.length) lost.push(`${name}: ${chain.count} audit events`);
    audit.close();
    expect(fs.existsSync(path.join(dataDir, 'quarantine')), name).toBe(false);
  }
  expect(lost).toEqual([]);
}, 120_000);
