// The lock around opening, recovering and rekeying a store: held by a process however busy it is (a lock
// judged by its age would be taken over from a long rekey), and free the moment the holder dies.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { isFileLocked, tryFileLock } from '../../main/services/cache/file-lock';

const CHILD = path.join(import.meta.dirname, 'file-lock-child.ts');
let dir: string;
let child: ChildProcess | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wessex-lock-'));
});
afterEach(() => {
  child?.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function holderThatBlocks(file: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const started = spawn(process.execPath, ['--import', 'tsx', CHILD, file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.stdout.on('data', (chunk: Buffer) =>
      chunk.toString().includes('HELD') ? resolve(started) : reject(new Error(chunk.toString())),
    );
    started.on('exit', () => reject(new Error('the holder ended first')));
  });
}

it('keeps the lock with a holder whose event loop is blocked, and frees it when the holder is killed', async () => {
  const file = path.join(dir, 'cache.db.open-lock');
  child = await holderThatBlocks(file);

  expect(isFileLocked(file)).toBe(true);
  expect(tryFileLock(file)).toBeUndefined();

  const exited = new Promise((resolve) => child!.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;

  expect(isFileLocked(file)).toBe(false);
  const lock = tryFileLock(file);
  expect(lock).toBeDefined();
  expect(tryFileLock(file)).toBeUndefined(); // a second taker in this process waits too
  lock!.release();
  expect(isFileLocked(file)).toBe(false);
});

it('takes a lock whose file was overwritten with something that is not a lock, and never one a live process holds', async () => {
  const file = path.join(dir, 'audit.db.open-lock');
  fs.writeFileSync(file, randomBytes(4096));
  expect(isFileLocked(file)).toBe(false);
  const lock = tryFileLock(file);
  expect(lock).toBeDefined();
  lock!.release();

  // Overwritten while another process holds it: still that process's, however often others try.
  child = await holderThatBlocks(file);
  fs.writeFileSync(file, randomBytes(4096));
  expect(tryFileLock(file)).toBeUndefined();
  expect(tryFileLock(file)).toBeUndefined();
  expect(isFileLocked(file)).toBe(true);

  const exited = new Promise((resolve) => child!.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  const after = tryFileLock(file);
  expect(after).toBeDefined();
  after!.release();
});
