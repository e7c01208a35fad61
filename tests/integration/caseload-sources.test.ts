// Caseloads from the configured source, through the real bridge handlers on the built-in sandbox: today's
// appointments and the team caseload List on the Dorset Care Record (read with a Backend Services token),
// prefetched into the encrypted offline cache; and the CLI authorising to the regional servers as the app does.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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
  const keyReference = `test-backend-${randomBytes(6).toString('hex')}`;
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
    await keystore.delete(keyReference);
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
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('You have no appointments on') });
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
      cliApp.services.signInOsUser('nurse');
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

  it('fetch with configured sources sends SMART Backend Services tokens (key from the keystore)', async () => {
    const epr = external.epr!;
    await keystore.set(keyReference, JSON.stringify(epr.backendClient.privateJwk));
    const auth = {
      type: 'backend-services',
      tokenUrl: epr.tokenEndpoint,
      clientId: epr.backendClient.clientId,
      keyReference,
      scope: 'system/*.rs',
    };
    const policyFile = path.join(dir, 'policy.json');
    const policy = (commandLineRoles?: string[]) =>
      fs.writeFileSync(
        policyFile,
        JSON.stringify({
          sources: [
            { id: 'dcr', name: 'Dorset Care Record', fhirBase: external.urls.dcr, auth },
            { id: 'chie', name: 'CHIE', fhirBase: external.urls.chie, auth },
          ],
          recordLocator: {
            id: 'locator',
            name: 'Record locator',
            fhirBase: external.urls.locator,
            auth: { type: 'none' },
          },
          auditEndpoint: external.urls.audit,
          ...(commandLineRoles ? { commandLineRoles } : {}),
        }),
      );
    const nhsNumber = external.patient('cross-border').nhsNumber;
    external.servers.dcr.clearRequests();
    external.servers.chie.clearRequests();

    // On a machine IT configured, the command line acts only as the roles IT lists.
    policy();
    await expect(wessex(policyFile, 'fetch', '--nhs', nhsNumber)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        'The command line may not act as "nurse" on this computer (roles allowed by IT: none).',
      ),
    });
    expect(external.servers.dcr.requests.filter((r) => !r.url.endsWith('/metadata'))).toEqual([]);

    policy(['nurse']);
    const { stdout } = await wessex(policyFile, 'fetch', '--nhs', nhsNumber);

    expect(stdout).toMatch(/✓ Dorset Care Record \(regional\) — complete, \d+ resources/);
    expect(stdout).toMatch(/✓ CHIE \(regional\) — complete, \d+ resources/);
    expect(stdout).toContain('(from the machine policy');
    for (const server of [external.servers.dcr, external.servers.chie]) {
      const data = server.requests.filter((r) => !new URL(r.url).pathname.endsWith('/metadata'));
      expect(data.length).toBeGreaterThan(0);
      expect(data.every((r) => r.authorization && r.status === 200)).toBe(true);
    }
    expect(external.servers.locator.requests.every((r) => !r.authorization)).toBe(true);
  });
});
