// `wessex watch` as a clinician runs it in a terminal: a real child process, a machine policy pointing at two
// loopback sources (one with subscriptions, one polled), an admission on one of them printed as it arrives,
// and Ctrl+C (SIGINT) ending it cleanly: exit 0, the Subscriptions deleted on the server.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatNhsNumber } from '../../common/nhs-number';
import { auditKeyName } from '../../main/services/audit';
import { cacheKeyName } from '../../main/services/cache';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { AuditServer } from '../../sandbox/audit/server';
import { ROOT, WESSEX_CLI } from '../support/cli';
import { FakeSubscriptionServer } from '../support/fake-subscription-server';

const CASELOAD = ['9990000018', '9990000026'];
const dataDirs: string[] = [];
let dcr: FakeSubscriptionServer;
let chie: FakeSubscriptionServer;
let child: ChildProcess | undefined;
let audit: AuditServer;

beforeAll(async () => {
  audit = new AuditServer({ host: '127.0.0.1' });
  await audit.start();
});

beforeEach(async () => {
  dcr = await new FakeSubscriptionServer().start();
  chie = await new FakeSubscriptionServer({ subscriptions: false }).start();
  for (const s of [dcr, chie]) {
    s.addPatient(CASELOAD[0]!, 'Alice Legg');
    s.addPatient(CASELOAD[1]!, 'Bob Hardy');
  }
});
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await dcr.close();
  await chie.close();
});
afterAll(async () => {
  await audit.close();
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
      sources: [source('dcr', 'Dorset Care Record', dcr.base), source('chie', 'CHIE', chie.base)],
      auditEndpoint: audit.baseUrl,
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
    const run = watch(['--role', 'nurse']);
    await run.stderrLine(/Watching 2 patient\(s\) on 2 source\(s\)/);
    await run.stderrLine(/^Dorset Care Record: live$/m);
    expect(dcr.subs.size).toBe(4);
    dcr.admit(CASELOAD[0]!, { where: 'Ward 7, Dorset County Hospital' });
    const line = await run.line(/Admitted/);
    expect(line).toContain(formatNhsNumber(CASELOAD[0]!));
    expect(line).toContain('Ward 7, Dorset County Hospital');
    expect(line).toContain('(Dorset Care Record)');
    expect(line).not.toMatch(/Legg/);
    child!.kill('SIGINT');
    const ended = await run.exit;
    expect(ended.code).toBe(0);
    expect(ended.stderr).toMatch(/Stopped watching/);
    expect(dcr.subs.size).toBe(0);
  });

  it('--json prints one object a line; --names adds the name', async () => {
    const run = watch(['--role', 'nurse', '--json', '--names']);
    await run.stderrLine(/^Dorset Care Record: live$/m);
    dcr.addLetter(CASELOAD[1]!, 'Discharge summary');
    const event = JSON.parse(await run.line(/^\{/)) as Record<string, unknown>;
    expect(event).toMatchObject({
      kind: 'new-letter',
      nhsNumber: CASELOAD[1],
      title: 'Discharge summary',
      sourceId: 'dcr',
      patientName: expect.stringMatching(/Hardy/i),
    });
    child!.kill('SIGINT');
    expect((await run.exit).code).toBe(0);
  });

  it('shows a role without encounters only new activity', async () => {
    const run = watch(['--role', 'admin-staff', '--json']);
    await run.stderrLine(/^Dorset Care Record: live$/m);
    dcr.admit(CASELOAD[0]!, { where: 'Ward 7, Dorset County Hospital' });
    const event = JSON.parse(await run.line(/^\{/)) as Record<string, unknown>;
    expect(event).toMatchObject({ kind: 'new-activity', nhsNumber: CASELOAD[0] });
    expect(event.where).toBeUndefined();
    expect(event.patientName).toBeUndefined();
    child!.kill('SIGINT');
    expect((await run.exit).code).toBe(0);
  });
});
