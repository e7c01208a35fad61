// Data files damaged by hand (a reviewer, a disk tool, a confused user): the built CLI as a clinician or a
// support engineer runs it. The online record always opens; each damaged store is named with what was done.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { auditKeyName } from '../../main/services/audit';
import { cacheKeyName } from '../../main/services/cache';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { runWessex } from '../support/cli';

const NHS = '9994625845';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A data folder that has been used once: one record saved, its audit events acknowledged by the sandbox. */
async function usedDataFolder(): Promise<string> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wessex-damaged-'));
  cleanups.push(async () => {
    const store = createKeytarSecretStore();
    const auditKey = auditKeyName(path.join(dataDir, 'audit.db'));
    for (const account of [`db-key:${cacheKeyName(dataDir)}`, auditKey, `audit-anchor:${auditKey}`])
      await store.delete(account);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const first = await wessex(dataDir, 'fetch', '--nhs', NHS);
  expect(first.code).toBe(0);
  return dataDir;
}

const wessex = (dataDir: string, ...args: string[]) =>
  runWessex([...args, '--role', 'nurse', '--data-dir', dataDir]);

const RAW = /SQLITE|EISDIR|EROFS|ENOSPC|file is not a database|unable to open database|at .*\.js:\d+/;

it('a lock file overwritten with garbage blocks nothing: it is reset, the record opens and the offline list shows', async () => {
  const dataDir = await usedDataFolder();
  for (const lock of ['offline-cache.db.open-lock', 'audit.db.open-lock'])
    fs.writeFileSync(path.join(dataDir, lock), randomBytes(4096));

  const online = await wessex(dataDir, 'fetch', '--nhs', NHS);
  expect(online.stderr).not.toMatch(RAW);
  expect(online.stdout).toContain('LEGG, David John');
  expect(online.code).toBe(0);
  const list = await wessex(dataDir, 'cache', 'list');
  expect(list.stdout).toContain('999 462 5845');
  expect(list.code).toBe(0);
});
