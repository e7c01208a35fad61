// A data folder the viewer cannot write (read-only, full, not a folder): a problem screen and CLI message naming
// the folder, never a crash or raw SQLite text, and nothing already in the folder is lost.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSandboxViewer, type SandboxViewer } from '../../main/dev/sandbox-viewer';
import { AuditLog, auditKeyName, openAuditDatabase } from '../../main/services/audit';
import { dispatchBridgeRequest } from '../../main/services/bridge/dispatch';
import { cacheKeyName } from '../../main/services/cache';
import { createSecretStoreKeyVault } from '../../main/services/cache/key-vault';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { loadMachinePolicy } from '../../main/services/policy';
import type { AppState } from '../../preload/contract';
import { runWessex } from '../support/cli';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A folder on a small file system of its own (tmpfs) where this machine allows mounting one. */
function smallFileSystem(sizeKb: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wessex-fs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0700`, 'tmpfs', dir]);
  cleanups.push(() => {
    execFileSync('umount', [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/**
 * Makes `dir` read-only: remounted read-only where it is a mount of its own (root), else by permissions
 * (which bind everyone but root).
 */
function makeReadOnly(dir: string, mounted: boolean): () => void {
  if (mounted) {
    execFileSync('mount', ['-o', 'remount,ro', dir]);
    return () => execFileSync('mount', ['-o', 'remount,rw', dir]);
  }
  fs.chmodSync(dir, 0o500);
  return () => fs.chmodSync(dir, 0o700);
}

async function startViewer(
  dataDir: string,
): Promise<{ services: SandboxViewer; state: AppState; close: () => Promise<void> }> {
  const services = await createSandboxViewer({
    dataDir,
    policy: await loadMachinePolicy({}),
    sandboxLaunch: false,
  });
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= services.close());
  cleanups.push(close);
  const outcome = await dispatchBridgeRequest(services.handlers, 'app:get-state', {});
  if (!outcome.ok) throw new Error(outcome.error.message);
  return { close, state: outcome.value as AppState, services };
}

const dataFolderProblem = (dataDir: string, why: RegExp) => ({
  ok: false,
  problems: [
    {
      key: 'Data folder',
      message: expect.stringMatching(
        new RegExp(`data folder ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${why.source}`),
      ),
    },
  ],
});

const isRoot = process.getuid?.() === 0;

describe('a data folder the viewer cannot write', () => {
  it('that is read-only: a problem screen naming it, and the audit log in it intact', async () => {
    const base = isRoot ? smallFileSystem(4096) : fs.mkdtempSync(path.join(os.tmpdir(), 'wessex-ro-'));
    const dataDir = path.join(base, 'data');
    const secretStore = createKeytarSecretStore();
    cleanups.push(() => {
      void secretStore.delete(auditKeyName(path.join(dataDir, 'audit.db')));
      void secretStore.delete(`db-key:${cacheKeyName(dataDir)}`);
    });
    // Used once (an audit log with its events), then the folder becomes read-only.
    const first = await startViewer(dataDir);
    expect(first.state.policy.ok).toBe(true);
    await first.close();
    const before = fs.readdirSync(dataDir).sort();
    const writable = makeReadOnly(isRoot ? base : dataDir, isRoot);

    const { state, services } = await startViewer(dataDir);
    expect(state.policy).toMatchObject(
      dataFolderProblem(dataDir, isRoot ? /it is read-only/ : /may not write/),
    );
    const open = await dispatchBridgeRequest(services.handlers, 'record:open', {
      nhsNumber: '9994625845',
      requestId: 'r1',
    });
    expect(open).toMatchObject({ ok: false, error: { code: 'configuration' } });

    writable();
    expect(fs.readdirSync(dataDir).sort()).toEqual(before);
    const audit = await openAuditDatabase({
      path: path.join(dataDir, 'audit.db'),
      keyVault: createSecretStoreKeyVault(secretStore),
    });
    expect(audit.recovered).toBeUndefined();
    expect(new AuditLog(audit.db).verify()).toMatchObject({ ok: true });
    audit.close();
  });

  it('on a full disk, and one that is a file: the CLI names the folder and why, and exits 1', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wessex-file-')), 'not-a-folder');
    fs.writeFileSync(file, 'x');
    const folders: [string, RegExp][] = [
      [path.join(file, 'data'), /it does not exist and cannot be created/],
    ];
    if (isRoot) {
      const full = smallFileSystem(128);
      fs.writeFileSync(path.join(full, 'filler'), Buffer.alloc(120 * 1024));
      folders.push([path.join(full, 'data'), /the disk \(or this user’s quota\) is full/]);
    }
    for (const [dataDir, why] of folders) {
      const run = await runWessex(['cache', 'list', '--role', 'nurse', '--data-dir', dataDir]);
      expect(run.stderr).toMatch(/The viewer cannot work on this computer, so nothing was done/);
      expect(run.stderr).toMatch(
        new RegExp(
          `Data folder: The viewer cannot use its data folder ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${why.source}`,
        ),
      );
      expect(run.stderr).not.toMatch(/SQLITE|ENOSPC|ENOTDIR|at .*\.js/);
      expect(run.code).toBe(1);
    }
  });
});
