// Data files damaged by hand (a reviewer, a disk tool, a confused user): the built CLI as a clinician or a
// support engineer runs it. The online record always opens; each damaged store is named with what was done.
import { execFileSync } from 'node:child_process';
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

it('an offline store that is a folder: offline records unavailable, naming it; the online record still opens', async () => {
  const dataDir = await usedDataFolder();
  const store = path.join(dataDir, 'offline-cache.db');
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(store + suffix, { force: true });
  fs.mkdirSync(store);
  const named = `Offline records are unavailable on this computer: The viewer cannot use its data folder ${dataDir}: ${store} is a folder`;

  const online = await wessex(dataDir, 'fetch', '--nhs', NHS);
  expect(online.stderr).toContain(named);
  expect(online.stderr).not.toMatch(RAW);
  expect(online.stdout).toContain('LEGG, David John');
  expect(online.code).toBe(0);
  const list = await wessex(dataDir, 'cache', 'list');
  expect(list.stderr).toContain(named);
  expect(list.stderr).not.toMatch(RAW);

  const doctor = await runWessex(['doctor', '--data-dir', dataDir]);
  expect(doctor.stdout).toContain(
    `Offline store: unavailable. The viewer cannot use its data folder ${dataDir}: ${store} is a folder`,
  );
  expect(doctor.stdout).toMatch(/Audit log: chain intact/);
  expect(doctor.stdout + doctor.stderr).not.toMatch(RAW);
  expect(doctor.code).toBe(1);
  expect(fs.statSync(store).isDirectory()).toBe(true); // never removed: it is not the viewer's
});

it('an audit log that is a folder: set aside like a damaged log, its recovery the new log’s first event', async () => {
  const dataDir = await usedDataFolder();
  const log = path.join(dataDir, 'audit.db');
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(log + suffix, { force: true });
  fs.mkdirSync(log);
  fs.writeFileSync(path.join(log, 'kept.txt'), 'whatever was here');

  const verify = await runWessex(['audit', 'verify', '--data-dir', dataDir]);
  expect(verify.stderr).toContain(
    `There is no audit log at ${log}: a folder is there instead of the log file.`,
  );
  expect(verify.stderr).not.toMatch(RAW);
  expect(verify.code).not.toBe(0);

  const online = await wessex(dataDir, 'fetch', '--nhs', NHS);
  expect(online.stderr).toContain(
    'The local audit log could not be opened; it was set aside and a new one started.',
  );
  expect(online.stderr).not.toMatch(RAW);
  expect(online.stdout).toContain('LEGG, David John');
  const [moved] = fs.readdirSync(path.join(dataDir, 'quarantine'));
  expect(moved).toMatch(/^audit\.db\..*\.not-a-file$/);
  expect(fs.readFileSync(path.join(dataDir, 'quarantine', moved!, 'kept.txt'), 'utf8')).toBe(
    'whatever was here',
  );

  const exported = await runWessex(['audit', 'export', '--format', 'csv', '--data-dir', dataDir]);
  const [, first] = exported.stdout.split('\n');
  expect(first).toMatch(/Security Alert/);
  expect(first).toMatch(/a folder was where the file should be/);
});

it('an audit log emptied or deleted is never replaced silently: set aside, a Security Alert first, and verify keeps saying so', async () => {
  for (const damage of ['emptied', 'deleted'] as const) {
    const dataDir = await usedDataFolder();
    const log = path.join(dataDir, 'audit.db');
    if (damage === 'emptied') {
      fs.writeFileSync(log, '');
      const verify = await runWessex(['audit', 'verify', '--data-dir', dataDir]);
      expect(verify.stderr).toContain(`The audit log at ${log} is empty: its events have been deleted.`);
      expect(verify.code).not.toBe(0);
      expect(fs.statSync(log).size).toBe(0); // looking never makes a new log there
    } else {
      fs.rmSync(log);
    }

    const online = await wessex(dataDir, 'fetch', '--nhs', NHS);
    expect(online.stderr).toContain(
      'The local audit log could not be opened; it was set aside and a new one started.',
    );
    expect(online.stdout).toContain('LEGG, David John');
    // What is left of it (the empty file) is kept as evidence, never deleted.
    if (damage === 'emptied')
      expect(fs.readdirSync(path.join(dataDir, 'quarantine')).join()).toMatch(/audit\.db\..*\.missing/);

    // The new log's first event records the loss, and how far the audit server had acknowledged the old one.
    const exported = await runWessex(['audit', 'export', '--format', 'csv', '--data-dir', dataDir]);
    const [, first] = exported.stdout.split('\n');
    expect(first).toMatch(/Security Alert/);
    expect(first).toMatch(/the file had been deleted or emptied/);
    expect(first).toMatch(/had acknowledged events 1–\d+ of the earlier log/);

    // Once the new log is acknowledged, verify still says an earlier log was lost (every time).
    const verify = await runWessex(['audit', 'verify', '--data-dir', dataDir]);
    expect(verify.stdout).toMatch(/Audit chain intact: .*anchored at/);
    expect(verify.stdout).toMatch(
      /EARLIER LOG LOST: .*the file had been deleted or emptied.*had acknowledged events 1–\d+/,
    );
    const doctor = await runWessex(['doctor', '--data-dir', dataDir]);
    expect(doctor.stdout).toMatch(/Audit log: began after an earlier log was lost/);
  }
});

const isRoot = process.getuid?.() === 0;

it('a read-only data folder, and folders in place of a lock or -wal file: messages that say so, not tampering', async () => {
  const dataDir = await usedDataFolder();
  if (isRoot) {
    execFileSync('mount', ['--bind', dataDir, dataDir]);
    execFileSync('mount', ['-o', 'remount,bind,ro', dataDir]);
  } else {
    fs.chmodSync(dataDir, 0o500);
  }
  try {
    const verify = await runWessex(['audit', 'verify', '--data-dir', dataDir]);
    expect(verify.stderr).toContain(
      `The audit log at ${path.join(dataDir, 'audit.db')} could not be opened:`,
    );
    expect(verify.stderr).toMatch(isRoot ? /is read-only/ : /may not write to its folder/);
    expect(verify.stderr).not.toMatch(/wrong key|damaged file/);
    const doctor = await runWessex(['doctor', '--data-dir', dataDir]);
    expect(doctor.stdout).toContain(`The viewer cannot use its data folder ${dataDir}:`);
    expect(doctor.stdout + doctor.stderr).not.toMatch(RAW);
  } finally {
    if (isRoot) execFileSync('umount', [dataDir]);
    else fs.chmodSync(dataDir, 0o700);
  }

  const lock = path.join(dataDir, 'offline-cache.db.open-lock');
  fs.rmSync(lock, { force: true });
  fs.mkdirSync(lock);
  const list = await wessex(dataDir, 'cache', 'list');
  expect(list.stderr).toContain(`${lock} is a folder`);
  expect(list.stderr).not.toMatch(/does not exist and cannot be created/);
  fs.rmdirSync(lock);

  const wal = path.join(dataDir, 'audit.db-wal');
  fs.rmSync(wal, { force: true });
  fs.mkdirSync(wal);
  const verify = await runWessex(['audit', 'verify', '--data-dir', dataDir]);
  expect(verify.stderr).toContain(`${wal} is a folder`);
  const online = await wessex(dataDir, 'fetch', '--nhs', NHS);
  expect(online.stderr).toContain(`${wal} is a folder`);
  expect(online.stderr).not.toMatch(/does not exist and cannot be created/);
});

it.runIf(isRoot)('the first fetch onto a nearly full disk says the disk is full and where', async () => {
  const mount = fs.mkdtempSync(path.join(os.tmpdir(), 'wessex-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=400k,mode=0700', 'tmpfs', mount]);
  const dataDir = path.join(mount, 'data');
  cleanups.push(async () => {
    const store = createKeytarSecretStore();
    const auditKey = auditKeyName(path.join(dataDir, 'audit.db'));
    for (const account of [`db-key:${cacheKeyName(dataDir)}`, auditKey, `audit-anchor:${auditKey}`])
      await store.delete(account);
    execFileSync('umount', [mount]);
    fs.rmSync(mount, { recursive: true, force: true });
  });
  const fetched = await wessex(dataDir, 'fetch', '--nhs', NHS);
  expect(fetched.stderr).toContain(
    `The viewer could not write to its data folder ${dataDir}: the disk (or this user’s quota) is full.`,
  );
  expect(fetched.stderr).not.toMatch(/Something went wrong|Nothing was lost/);
  expect(fetched.code).not.toBe(0);
});
