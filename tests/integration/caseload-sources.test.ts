// Caseloads from the configured source, through the real bridge handlers on the built-in sandbox: today's
// appointments and the team caseload List on the Dorset Care Record (read with the signed-in nurse’s exchanged token),
// prefetched into the encrypted offline cache; and the CLI authorising to the regional servers as the app does.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CachedRecordSummary, PrefetchProgress } from '../../preload/contract';
import { dispatchBridgeRequest } from '../../main/services/bridge/dispatch';
import { cacheKeyName } from '../../main/services/cache';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { loadMachinePolicy } from '../../main/services/policy';
import type { WessexRecord } from '../../common/record';
import { startSandbox, type RunningSandbox } from '../../sandbox';
import { startTestApp, type TestApp } from '../support/app';
import { WESSEX_CLI } from '../support/cli';
import { runWessexSigningIn } from '../support/cli-sign-in';

let app: TestApp;
let sandbox: RunningSandbox;
const progress: PrefetchProgress[] = [];

beforeAll(async () => {
  app = await startTestApp();
  sandbox = app.services.sandbox!;
  app.services.onEvent((name, payload) => {
    if (name === 'prefetch:progress') progress.push(payload as PrefetchProgress);
  });
});
afterAll(async () => app?.close());

const invoke = async <T>(channel: string, args: unknown): Promise<T> => {
  const outcome = await dispatchBridgeRequest(app.services.handlers, channel, args);
  if (!outcome.ok) throw Object.assign(new Error(outcome.error.message), { code: outcome.error.code });
  return outcome.value as T;
};

const nhsNumbersOf = (keys: readonly string[]) => keys.map((key) => sandbox.patient(key).nhsNumber).sort();
/** A caseload prefetch as the screen starts one: the clinician's reason for the list, then the list. */
const prefetch = async (args: Record<string, unknown>) => {
  await invoke('access:declare-reason', { reasonCode: 'direct-care', breakGlass: false });
  return invoke<PrefetchProgress>('prefetch:start', args);
};
const cachedNhsNumbers = async () =>
  (await invoke<CachedRecordSummary[]>('cache:list', {})).map((r) => r.nhsNumber).sort();

describe('prefetch from the configured source', () => {
  it("prefetches exactly the community nurse's patients booked today, and they are offline", async () => {
    await app.services.openSandboxSession({ role: 'nurse' });
    expect(await cachedNhsNumbers()).toEqual([]);
    const expected = nhsNumbersOf(sandbox.caseload.appointments.nurse);
    expect(expected).toHaveLength(3);
    sandbox.servers.dcr.clearRequests();

    const report = await prefetch({
      requestId: 'appointments',
      fromSource: 'appointments-today',
    });

    expect(report).toMatchObject({ requestId: 'appointments', total: 3, done: 3, finished: true });
    expect(report.results.filter((r) => !r.ok)).toEqual([]);
    expect(report.results.map((r) => r.nhsNumber).sort()).toEqual(expected);
    // The cancelled visit is not prefetched.
    expect(report.results.map((r) => r.nhsNumber)).not.toContain(sandbox.patient('not-traced').nhsNumber);
    expect(await cachedNhsNumbers()).toEqual(expected);
    expect(progress.filter((p) => p.requestId === 'appointments').at(-1)?.done).toBe(3);

    const search = sandbox.servers.dcr.requests.find((r) => new URL(r.url).pathname.endsWith('/Appointment'));
    expect(search).toMatchObject({ authorization: true, status: 200 });
    const query = new URL(search!.url).searchParams;
    expect(query.get('actor')).toBe('Practitioner/sandbox-nurse');
    expect(query.get('date')).toBe(sandbox.caseload.date);
  });

  it("prefetches the nurse's caseload List from the Dorset Care Record", async () => {
    await invoke('cache:delete-all', {});
    const report = await prefetch({
      requestId: 'caseload',
      fromSource: 'caseload-list',
      pin: true,
    });
    const expected = nhsNumbersOf(sandbox.caseload.list);
    expect(report.results.filter((r) => !r.ok)).toEqual([]);
    expect(report.results.map((r) => r.nhsNumber).sort()).toEqual(expected);
    const cached = await invoke<CachedRecordSummary[]>('cache:list', {});
    expect(cached.map((r) => r.nhsNumber).sort()).toEqual(expected);
    expect(cached.every((r) => r.pinned)).toBe(true);
  });

  it('says in plain words when the Dorset Care Record is down, rather than prefetching nothing silently', async () => {
    await invoke('cache:delete-all', {});
    await sandbox.servers.dcr.setFault('down');
    try {
      const report = await prefetch({
        requestId: 'down',
        fromSource: 'appointments-today',
      });
      expect(report.finished).toBe(true);
      expect(report.results).toEqual([
        {
          nhsNumber: '',
          ok: false,
          message: expect.stringMatching(/^Dorset Care Record could not be reached, so your appointments/),
        },
      ]);
      expect(report.total).toBe(1);
    } finally {
      await sandbox.servers.dcr.setFault(undefined);
    }
    expect(await cachedNhsNumbers()).toEqual([]);
  });

  it('tells a clinician with nothing booked today, or no caseload list, so', async () => {
    await app.services.openSandboxSession({ role: 'general-practitioner' });
    const appointments = await prefetch({
      requestId: 'gp-appointments',
      fromSource: 'appointments-today',
    });
    expect(appointments.results).toEqual([
      {
        nhsNumber: '',
        ok: false,
        message: `You have no appointments on ${sandbox.caseload.date} on Dorset Care Record.`,
      },
    ]);
    const list = await prefetch({
      requestId: 'gp-list',
      fromSource: 'caseload-list',
    });
    expect(list.results).toEqual([
      { nhsNumber: '', ok: false, message: 'Dorset Care Record holds no caseload list for you.' },
    ]);
  });
});

describe('the CLI authorises to the regional servers as the app does', () => {
  const run = promisify(execFile);
  const keystore = createKeytarSecretStore();
  let external: RunningSandbox;
  let dir: string;
  let dataDir: string;

  beforeAll(async () => {
    external = await startSandbox();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wessex-fetch-cli-'));
    dataDir = path.join(dir, 'data');
  });
  afterAll(async () => {
    await keystore.delete(`db-key:${cacheKeyName(dataDir)}`);
    await external?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // A community nurse at the command line (the role is always explicit, and recorded with every access).
  const wessex = (policyFile: string, ...args: string[]) =>
    run(process.execPath, [WESSEX_CLI, ...args, '--role', 'nurse'], {
      env: { ...process.env, WESSEX_POLICY_FILE: policyFile, WESSEX_DATA_DIR: dataDir },
      timeout: 60_000,
    });

  it('fetch on the built-in sandbox reads DCR and CHIE, which now require tokens', async () => {
    const crossBorder = sandbox.patient('cross-border');
    const { stdout } = await wessex(
      path.join(dir, 'no-policy.json'),
      'fetch',
      '--nhs',
      crossBorder.nhsNumber,
    );
    expect(stdout).toMatch(/✓ Dorset Care Record \(regional\) — complete, \d+ resources/);
    expect(stdout).toMatch(/✓ CHIE \(regional\) — complete, \d+ resources/);
    expect(stdout).toContain('Allergy to penicillin');
  });

  it('prefetch --appointments-today --practitioner and --list read the caseload from DCR', async () => {
    const noPolicy = path.join(dir, 'no-policy.json');
    const appointments = await wessex(
      noPolicy,
      'prefetch',
      '--appointments-today',
      '--practitioner',
      'Practitioner/sandbox-nurse',
      '--data-dir',
      dataDir,
    );
    expect(appointments.stdout).toContain('3 of 3 record(s) saved for offline use (caseload).');
    const list = await wessex(
      noPolicy,
      'prefetch',
      '--list',
      sandbox.caseload.listId,
      '--pin',
      '--data-dir',
      dataDir,
    );
    expect(list.stdout).toContain('3 of 3 record(s) saved for offline use (caseload).');
    const cached = await wessex(noPolicy, 'cache', 'list', '--data-dir', dataDir);
    for (const nhs of nhsNumbersOf(sandbox.caseload.list)) {
      expect(cached.stdout).toContain(nhs.replace(/(\d{3})(\d{3})(\d{4})/, '$1 $2 $3'));
    }
    await expect(
      wessex(
        noPolicy,
        'prefetch',
        '--appointments-today',
        '--practitioner',
        'sandbox-gp',
        '--data-dir',
        dataDir,
      ),
    ).resolves.toMatchObject({
      // The nurse signed in: her own appointments are read, whatever --practitioner says, and she is told so.
      stderr: expect.stringContaining('--practitioner is not used: you are read as who you signed in as.'),
      stdout: expect.stringContaining('3 of 3 record(s) saved for offline use (caseload).'),
    });
    await expect(
      wessex(noPolicy, 'prefetch', '--appointments-today', '--data-dir', dataDir),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining('--appointments-today needs --practitioner <id>.'),
    });
  });

  it("the CLI's built-in sandbox keeps its regional servers locked and is read with tokens", async () => {
    const defaults = await loadMachinePolicy({});
    const cliApp = await startTestApp({ policy: defaults });
    try {
      const cli = cliApp.services.sandbox!;
      expect((await fetch(`${cli.urls.dcr}/Patient?_count=1`)).status).toBe(401);
      cli.servers.dcr.clearRequests();
      cli.servers.chie.clearRequests();
      // The nurse signs in at the sandbox EPR; her sign-in is exchanged for each regional server's token.
      await cliApp.services.openSandboxSession({ role: 'nurse', standalone: true });
      const call = async (channel: string, args: unknown) => {
        const outcome = await dispatchBridgeRequest(cliApp.services.handlers, channel, args);
        if (!outcome.ok) throw new Error(outcome.error.message);
        return outcome.value;
      };
      await call('access:declare-reason', {
        reasonCode: 'direct-care',
        breakGlass: false,
        nhsNumber: cli.patient('cross-border').nhsNumber,
      });
      const record = (await call('record:open', {
        nhsNumber: cli.patient('cross-border').nhsNumber,
        requestId: 'cli-sandbox',
      })) as WessexRecord;
      expect(record.sources.map((s) => [s.id, s.state])).toEqual([
        ['dcr', 'complete'],
        ['chie', 'complete'],
        ['locator', 'complete'],
      ]);
      for (const server of [cli.servers.dcr, cli.servers.chie]) {
        const data = server.requests.filter((r) => !new URL(r.url).pathname.endsWith('/metadata'));
        expect(data.length).toBeGreaterThan(0);
        expect(data.every((r) => r.authorization && r.status === 200)).toBe(true);
      }
    } finally {
      await cliApp.close();
    }
  });

  /** `wessex fetch` on a configured machine: the clinician signs in in the browser (this test plays it). */
  const fetchSigningIn = (policyFile: string, user: string, nhsNumber: string) =>
    runWessexSigningIn(['fetch', '--nhs', nhsNumber, '--role', 'nurse'], user, {
      ...process.env,
      WESSEX_POLICY_FILE: policyFile,
      WESSEX_DATA_DIR: dataDir,
    });

  it('fetch with configured sources: the clinician signs in in the browser, and each source gets their own token', async () => {
    const auth = { type: 'token-exchange', issuer: external.urls.regionalAuth, clientId: 'wessex-viewer' };
    const policyFile = path.join(dir, 'policy.json');
    const policy = (commandLineRoles?: string[]) =>
      fs.writeFileSync(
        policyFile,
        JSON.stringify({
          allowedIssuers: [external.urls.epr],
          standaloneIssuer: external.urls.epr,
          sources: [
            { id: 'dcr', name: 'Dorset Care Record', fhirBase: external.urls.dcr, auth },
            { id: 'chie', name: 'CHIE', fhirBase: external.urls.chie, auth },
          ],
          recordLocator: { id: 'locator', name: 'Record locator', fhirBase: external.urls.locator, auth },
          auditEndpoint: external.urls.audit,
          ...(commandLineRoles ? { commandLineRoles } : {}),
        }),
      );
    const nhsNumber = external.patient('cross-border').nhsNumber;
    external.servers.dcr.clearRequests();
    external.servers.chie.clearRequests();

    policy(['nurse']);
    // Signed in as the GP, but asked to act as a nurse: refused, nothing read.
    const mismatch = await fetchSigningIn(policyFile, 'gp', nhsNumber);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain(
      'You signed in as "general-practitioner", not "nurse": run the command again with --role general-practitioner.',
    );
    expect(external.servers.dcr.requests.filter((r) => !r.url.endsWith('/metadata'))).toEqual([]);

    const { code, stdout } = await fetchSigningIn(policyFile, 'nurse', nhsNumber);
    expect(code).toBe(0);
    expect(stdout).toMatch(/✓ Dorset Care Record \(regional\) — complete, \d+ resources/);
    expect(stdout).toMatch(/✓ CHIE \(regional\) — complete, \d+ resources/);
    expect(stdout).toContain('(from the machine policy');
    for (const server of [external.servers.dcr, external.servers.chie]) {
      const data = server.requests.filter((r) => !new URL(r.url).pathname.endsWith('/metadata'));
      expect(data.length).toBeGreaterThan(0);
      expect(data.every((r) => r.authorization && r.status === 200)).toBe(true);
    }
    // The regional servers know who read: the nurse, for direct care.
    const allowed = external.servers.dcr.auditEvents.filter((e) => e.outcome === '0');
    expect(allowed.length).toBeGreaterThan(0);
    for (const event of allowed) {
      expect(event.agent?.[0]?.who?.display).toMatch(/Priya Shah/);
      expect(event.agent?.[0]?.purposeOfUse?.[0]?.coding?.[0]?.code).toBe('TREAT');
    }
  });
});
