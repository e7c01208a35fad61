// `wessex watch` as a clinician runs it in a terminal: a real child process, a machine policy pointing at the
// sandbox (DCR with subscriptions, CHIE without, so polled), an admission printed as it arrives, and Ctrl+C
// (SIGINT) ending it cleanly: exit 0, the Subscriptions deleted on the server.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatNhsNumber } from '../../common/nhs-number';
import { auditKeyName } from '../../main/services/audit';
import { cacheKeyName } from '../../main/services/cache';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { startSandbox, type RunningSandbox } from '../../sandbox';
import { ROOT, WESSEX_CLI } from '../support/cli';

const dataDirs: string[] = [];
let sandbox: RunningSandbox;
let CASELOAD: string[];
let child: ChildProcess | undefined;

beforeAll(async () => {
  sandbox = await startSandbox({ requireAuth: false, subscriptions: { chie: false } });
  CASELOAD = [sandbox.patient('cross-border').nhsNumber, sandbox.patient('frail').nhsNumber];
});
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});
afterAll(async () => {
  await sandbox?.close();
  const keys = createKeytarSecretStore();
  for (const dir of dataDirs) {
    await keys.delete(`db-key:${cacheKeyName(dir)}`);
    await keys.delete(auditKeyName(path.join(dir, 'audit.db')));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

interface Running {
  /** Resolves with the first stdout line matching. */
  line(pattern: RegExp): Promise<string>;
  stderrLine(pattern: RegExp): Promise<string>;
  exit: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function watch(args: string[]): Running {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wessex-watch-cli-'));
  dataDirs.push(dataDir);
  const source = (id: string, name: string, fhirBase: string) => ({
    id,
    name,
    fhirBase,
    auth: { type: 'none' },
  });
  const policyFile = path.join(dataDir, 'policy.json');
  fs.writeFileSync(
    policyFile,
    JSON.stringify({
      sources: [
        source('dcr', 'Dorset Care Record', sandbox.urls.dcr),
        source('chie', 'CHIE', sandbox.urls.chie),
      ],
      auditEndpoint: sandbox.urls.audit,
      commandLineRoles: ['nurse', 'admin-staff'],
      caseloadPollSeconds: 3600,
    }),
  );
  const caseload = path.join(dataDir, 'caseload.csv');
  fs.writeFileSync(caseload, `nhs_number\n${CASELOAD.join('\n')}\n`);
  child = spawn(process.execPath, [WESSEX_CLI, 'watch', '--file', caseload, ...args, '--data-dir', dataDir], {
    cwd: ROOT,
    env: { ...process.env, WESSEX_POLICY_FILE: policyFile },
  });
  let stdout = '';
  let stderr = '';
  const waiters: { stream: 'out' | 'err'; pattern: RegExp; resolve: (line: string) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const text = w.stream === 'out' ? stdout : stderr;
      const found = text.split('\n').find((l) => w.pattern.test(l));
      if (found !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(found);
      }
    }
  };
  child.stdout!.on('data', (d) => {
    stdout += String(d);
    check();
  });
  child.stderr!.on('data', (d) => {
    stderr += String(d);
    check();
  });
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child!.on('exit', (code) => resolve({ code, stdout, stderr })),
  );
  const wait = (stream: 'out' | 'err', pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      waiters.push({ stream, pattern, resolve });
      check();
      void exit.then((r) => reject(new Error(`the CLI exited (${r.code}) first:\n${r.stderr}`)));
    });
  return { line: (p) => wait('out', p), stderrLine: (p) => wait('err', p), exit };
}

describe('wessex watch', () => {
  it('prints an admission as it arrives, without the name, and exits 0 on Ctrl+C after unsubscribing', async () => {
    sandbox.servers.dcr.clearAuditEvents();
    const run = watch(['--role', 'nurse']);
    await run.stderrLine(/Watching 2 patient\(s\) on 2 source\(s\)/);
    await run.stderrLine(/^Dorset Care Record: live$/m);
    await run.stderrLine(/^CHIE: polling$/m);
    await sandbox.servers.dcr.admit(CASELOAD[0]!, { where: 'Ward 7, Dorset County Hospital' });
    const line = await run.line(/Admitted/);
    expect(line).toContain(formatNhsNumber(CASELOAD[0]!));
    expect(line).toContain('Ward 7, Dorset County Hospital');
    expect(line).toContain('(Dorset Care Record)');
    expect(line).not.toMatch(/LEGG|Legg/);
    child!.kill('SIGINT');
    const ended = await run.exit;
    expect(ended.code).toBe(0);
    expect(ended.stderr).toMatch(/Stopped watching/);
    // Each Subscription the watch made (one per topic) was deleted on the way out.
    const actions = sandbox.servers.dcr.auditEvents.map((e) => e.action);
    expect(actions.filter((a) => a === 'D')).toHaveLength(4);
  });

  it('--json prints one object a line; --names adds the name', async () => {
    const run = watch(['--role', 'nurse', '--json', '--names']);
    await run.stderrLine(/^Dorset Care Record: live$/m);
    await sandbox.servers.dcr.addLetter(CASELOAD[1]!);
    const event = JSON.parse(await run.line(/^\{/)) as Record<string, unknown>;
    expect(event).toMatchObject({
      kind: 'new-letter',
      nhsNumber: CASELOAD[1],
      title: expect.stringMatching(/letter/i),
      sourceId: 'dcr',
      patientName: expect.stringMatching(/\w/),
    });
    child!.kill('SIGINT');
    expect((await run.exit).code).toBe(0);
  });

  it('shows a role without encounters only new activity', async () => {
    const run = watch(['--role', 'admin-staff', '--json']);
    await run.stderrLine(/^Dorset Care Record: live$/m);
    await sandbox.servers.dcr.admit(CASELOAD[0]!, { where: 'Ward 7, Dorset County Hospital' });
    const event = JSON.parse(await run.line(/^\{/)) as Record<string, unknown>;
    expect(event).toMatchObject({ kind: 'new-activity', nhsNumber: CASELOAD[0] });
    expect(event.where).toBeUndefined();
    expect(event.patientName).toBeUndefined();
    child!.kill('SIGINT');
    expect((await run.exit).code).toBe(0);
  });
});
