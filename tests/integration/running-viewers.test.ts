// A viewer killed mid-view leaves an open action; the next start must record it as incomplete even when the
// operating system has already given the dead viewer's process id to another, living process, and must not
// touch the actions of a viewer that is still running.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createAuditService, followsEvent, INCOMPLETE, type AuditService } from '../../main/services/audit';
import { auditDatabasePath } from '../../main/services/paths';
import { cacheTestEnv, type CacheTestEnv } from './cache-support';

const CHILD = path.join(import.meta.dirname, 'running-viewer-child.ts');
let env: CacheTestEnv;
const children: ChildProcess[] = [];
let audit: AuditService | undefined;

beforeEach(() => {
  env = cacheTestEnv();
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await audit?.close();
  audit = undefined;
  await env.cleanup();
});

/** A viewer that has begun a record view and is still at it. */
function viewerMidView(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, env.dataDir, env.service], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('VIEWING')) resolve(child);
    });
    child.on('exit', () => reject(new Error(`the viewer ended before viewing: ${err}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

const openAudit = () =>
  createAuditService({ keyVault: env.vault, dbPath: auditDatabasePath(env.dataDir), startUpload: false });

it("leaves a running viewer's view open, and records a killed viewer's view as incomplete though its pid lives on", async () => {
  const viewer = await viewerMidView();
  audit = await openAudit();

  expect(audit.trail.recoverIncomplete()).toBe(0);
  expect(audit.log.openActions()).toHaveLength(1);

  await killed(viewer);
  // The operating system hands the dead viewer's pid to another process that is running now.
  const impostor = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60000)'], { stdio: 'ignore' });
  children.push(impostor);
  audit.database.db.prepare('UPDATE audit_open SET pid = ?').run(impostor.pid);

  expect(audit.trail.recoverIncomplete()).toBe(1);
  expect(audit.log.openActions()).toHaveLength(0);
  const events = audit.log
    .all()
    .map((row) => JSON.parse(row.eventJson) as { id: string; outcomeDesc?: string });
  const view = events.find((e) => !followsEvent(e as never))!;
  const followUp = events.find((e) => followsEvent(e as never) === view.id);
  expect(followUp?.outcomeDesc).toBe(INCOMPLETE);
});
