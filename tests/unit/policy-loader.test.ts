import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile, chmod, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  defaultPolicyFilePath,
  describePolicyResult,
  inMemoryRegistry,
  loadMachinePolicy,
  loadPolicyForThisMachine,
  type PolicyLoadResult,
  type PolicyRegistryReader,
  type RegistryValue,
} from '../../main/services/policy';
import { parseRegQueryOutput } from '../../main/services/policy/reg-exe-reader';
import { WESSEX_CLI } from '../support/cli';

const dcrSource = {
  id: 'dcr',
  name: 'Dorset Care Record',
  fhirBase: 'https://dcr.example.nhs.uk/fhir',
  auth: { type: 'token-exchange', issuer: 'https://auth.wessex.example.nhs.uk', clientId: 'wessex-viewer' },
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'wessex-policy-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function policyFile(contents: string): Promise<string> {
  const file = path.join(dir, 'policy.json');
  await writeFile(file, contents);
  return file;
}

function expectOk(result: PolicyLoadResult) {
  if (!result.ok) throw new Error(`expected a valid policy, got ${JSON.stringify(result.problems)}`);
  return result;
}

function expectProblems(result: PolicyLoadResult) {
  if (result.ok) throw new Error('expected configuration problems');
  return result.problems;
}

describe('machine policy with nothing configured', () => {
  it('uses the built-in defaults and allows the sandbox', async () => {
    const result = expectOk(
      await loadMachinePolicy({
        registry: inMemoryRegistry({}),
        policyFilePath: path.join(dir, 'absent.json'),
      }),
    );
    expect(result.machineConfigured).toBe(false);
    expect(result.policy.sandboxAllowed).toBe(true);
    expect(result.policy.sources).toEqual([]);
    expect(result.policy.retentionHours).toBe(72);
    expect(result.origins.retentionHours).toBe('default');
  });
});

describe('registry-shaped policy (HKLM\\Software\\Policies\\WessexCareRecords\\Viewer)', () => {
  const hklm: RegistryValue[] = [
    { name: 'allowedIssuers', type: 'REG_MULTI_SZ', data: ['https://emis.example.nhs.uk/fhir', ''] },
    { name: 'Sources', type: 'REG_SZ', data: JSON.stringify([dcrSource]) },
    { name: 'auditEndpoint', type: 'REG_SZ', data: 'https://audit.example.nhs.uk/fhir' },
    { name: 'retentionHours', type: 'REG_DWORD', data: 24 },
    { name: 'breakGlassOverridesDissent', type: 'REG_DWORD', data: 1 },
    {
      name: 'sensitiveCodeListPath',
      type: 'REG_EXPAND_SZ',
      data: '%ProgramData%\\WessexCareRecords\\codes.json',
    },
    { name: '', type: 'REG_SZ', data: 'default value is ignored' },
  ];

  it('decodes each value by its type and turns the sandbox off on a configured machine', async () => {
    const result = expectOk(
      await loadMachinePolicy({ registry: inMemoryRegistry({ HKLM: hklm }), env: { ProgramData: 'C:\\PD' } }),
    );
    expect(result.policy.allowedIssuers).toEqual(['https://emis.example.nhs.uk/fhir']);
    expect(result.policy.sources[0]?.fhirBase).toBe('https://dcr.example.nhs.uk/fhir');
    expect(result.policy.retentionHours).toBe(24);
    expect(result.policy.breakGlassOverridesDissent).toBe(true);
    expect(result.policy.sensitiveCodeListPath).toBe('C:\\PD\\WessexCareRecords\\codes.json');
    expect(result.policy.sandboxAllowed).toBe(false);
    expect(result.origins.sources).toBe('HKLM');
    expect(result.machineConfigured).toBe(true);
  });

  it('keeps the sandbox when IT explicitly allows it', async () => {
    const result = expectOk(
      await loadMachinePolicy({
        registry: inMemoryRegistry({
          HKLM: [...hklm, { name: 'sandboxAllowed', type: 'REG_DWORD', data: 1 }],
        }),
      }),
    );
    expect(result.policy.sandboxAllowed).toBe(true);
  });

  it('names the bad key and the registry path when a source URL is invalid, and yields no policy', async () => {
    const bad = [{ ...dcrSource }, { ...dcrSource, id: 'chie', fhirBase: 'javascript:alert(1)' }];
    const problems = expectProblems(
      await loadMachinePolicy({
        registry: inMemoryRegistry({
          HKLM: [{ name: 'sources', type: 'REG_SZ', data: JSON.stringify(bad) }],
        }),
      }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]?.key).toBe('sources[1].fhirBase');
    expect(problems[0]?.message).toContain('HKLM\\Software\\Policies\\WessexCareRecords\\Viewer');
  });

  it('reports values of the wrong registry type, broken JSON and unknown names — all at once', async () => {
    const problems = expectProblems(
      await loadMachinePolicy({
        registry: inMemoryRegistry({
          HKLM: [
            { name: 'sandboxAllowed', type: 'REG_DWORD', data: 2 },
            { name: 'retentionHours', type: 'REG_SZ', data: '72' },
            { name: 'roleMapping', type: 'REG_SZ', data: '{"paramedic": ' },
            { name: 'allowedIssuer', type: 'REG_SZ', data: 'https://x.example' },
          ],
        }),
      }),
    );
    const byKey = Object.fromEntries(problems.map((p) => [p.key, p.message]));
    expect(byKey.sandboxAllowed).toMatch(/REG_DWORD of 0 \(off\) or 1 \(on\)/);
    expect(byKey.retentionHours).toMatch(/REG_DWORD/);
    expect(byKey.roleMapping).toMatch(/not valid JSON/);
    expect(byKey.allowedIssuer).toMatch(/not a known policy setting/);
  });

  it('treats a registry that cannot be read as a problem, not as "no policy"', async () => {
    const broken: PolicyRegistryReader = {
      async readValues() {
        throw new Error('ERROR: Access is denied.');
      },
    };
    const problems = expectProblems(await loadMachinePolicy({ registry: broken }));
    expect(problems.map((p) => p.key)).toEqual([
      'HKLM\\Software\\Policies\\WessexCareRecords\\Viewer',
      'HKCU\\Software\\Policies\\WessexCareRecords\\Viewer',
    ]);
    expect(problems[0]?.message).toContain('Access is denied');
  });

  it('reads the values `reg.exe query` prints, and not its subkeys', () => {
    const stdout = [
      '',
      'HKEY_LOCAL_MACHINE\\Software\\Policies\\WessexCareRecords\\Viewer',
      '    (Default)    REG_SZ    x',
      '    retentionHours    REG_DWORD    0x48',
      '    allowedIssuers    REG_MULTI_SZ    https://a\\0https://b',
      '    sensitiveCodeListPath    REG_EXPAND_SZ    %ProgramData%\\WessexCareRecords\\codes.json',
      '    smartClientId    REG_SZ    ',
      '',
      'HKEY_LOCAL_MACHINE\\Software\\Policies\\WessexCareRecords\\Viewer\\Sub',
      '',
    ].join('\r\n');
    expect(parseRegQueryOutput(stdout)).toEqual([
      { name: '', type: 'REG_SZ', data: 'x' },
      { name: 'retentionHours', type: 'REG_DWORD', data: 72 },
      { name: 'allowedIssuers', type: 'REG_MULTI_SZ', data: ['https://a', 'https://b'] },
      {
        name: 'sensitiveCodeListPath',
        type: 'REG_EXPAND_SZ',
        data: '%ProgramData%\\WessexCareRecords\\codes.json',
      },
      { name: 'smartClientId', type: 'REG_SZ', data: '' },
    ]);
  });
});

describe('precedence HKLM > policy.json > HKCU > user settings', () => {
  it('takes each key from the highest level that sets it', async () => {
    const file = await policyFile(
      JSON.stringify({
        retentionHours: 48,
        inactivityLockMinutes: 10,
        auditEndpoint: 'https://audit.example/fhir',
      }),
    );
    const result = expectOk(
      await loadMachinePolicy({
        registry: inMemoryRegistry({
          HKLM: [{ name: 'retentionHours', type: 'REG_DWORD', data: 12 }],
          HKCU: [
            { name: 'retentionHours', type: 'REG_DWORD', data: 200 },
            { name: 'inactivityLockMinutes', type: 'REG_DWORD', data: 30 },
            { name: 'pinnedRetentionHours', type: 'REG_DWORD', data: 100 },
          ],
        }),
        policyFilePath: file,
        userSettings: { pinnedRetentionHours: 5, smartClientId: 'my-client' },
      }),
    );
    expect(result.policy.retentionHours).toBe(12);
    expect(result.origins.retentionHours).toBe('HKLM');
    expect(result.policy.inactivityLockMinutes).toBe(10);
    expect(result.origins.inactivityLockMinutes).toBe('policy-file');
    expect(result.policy.pinnedRetentionHours).toBe(100);
    expect(result.origins.pinnedRetentionHours).toBe('HKCU');
    expect(result.policy.smartClientId).toBe('my-client');
    expect(result.origins.smartClientId).toBe('user-settings');
    expect(result.policy.auditEndpoint).toBe('https://audit.example/fhir');
  });

  it('does not let user settings alone switch the sandbox off', async () => {
    const result = expectOk(await loadMachinePolicy({ userSettings: { inactivityLockMinutes: 5 } }));
    expect(result.policy.sandboxAllowed).toBe(true);
    expect(result.machineConfigured).toBe(false);
  });
});

describe('file-shaped policy (policy.json)', () => {
  it('loads a valid file as machine policy', async () => {
    const file = await policyFile(
      JSON.stringify({
        sources: [dcrSource],
        recordLocator: { ...dcrSource, id: 'locator', name: 'Locator' },
        auditEndpoint: 'https://audit.example.nhs.uk/fhir',
      }),
    );
    const result = expectOk(await loadMachinePolicy({ policyFilePath: file }));
    expect(result.policy.recordLocator?.id).toBe('locator');
    expect(result.origins.sources).toBe('policy-file');
    expect(result.policy.sandboxAllowed).toBe(false);
  });

  it('reports malformed JSON by file and leaves the file untouched', async () => {
    const text = '{ "retentionHours": 48, }';
    const file = await policyFile(text);
    const problems = expectProblems(await loadMachinePolicy({ policyFilePath: file }));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.key).toBe('policy.json');
    expect(problems[0]?.message).toContain('not valid JSON');
    expect(problems[0]?.message).toContain(file);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('reports a file that is JSON but not an object', async () => {
    const problems = expectProblems(await loadMachinePolicy({ policyFilePath: await policyFile('[1,2]') }));
    expect(problems[0]?.message).toContain('must hold a JSON object');
  });

  it('reports a file it may not read', async () => {
    if (process.getuid?.() === 0) {
      // root reads anything: simulate an unreadable path with a directory instead.
      const problems = expectProblems(await loadMachinePolicy({ policyFilePath: dir }));
      expect(problems[0]?.message).toMatch(/cannot be read \(EISDIR\)/);
      return;
    }
    const file = await policyFile('{}');
    await chmod(file, 0o000);
    const problems = expectProblems(await loadMachinePolicy({ policyFilePath: file }));
    expect(problems[0]?.message).toMatch(/cannot be read \(EACCES\)/);
  });

  it('names typos and out-of-range values', async () => {
    const file = await policyFile(
      JSON.stringify({ RetentionHours: 5, inactivityLockMinutes: 9999, allowedIssuers: ['ftp://x'] }),
    );
    const problems = expectProblems(await loadMachinePolicy({ policyFilePath: file }));
    const keys = problems.map((p) => p.key).sort();
    expect(keys).toEqual(['RetentionHours', 'allowedIssuers[0]', 'inactivityLockMinutes']);
    expect(problems.find((p) => p.key === 'RetentionHours')?.message).toContain('"retentionHours"');
  });

  it('refuses passwords in URLs, plain http beyond this computer, and two sources under one id', async () => {
    const file = await policyFile(
      JSON.stringify({
        sources: [
          { ...dcrSource, fhirBase: 'https://wessex:s3cret@dcr.example.nhs.uk/fhir' },
          { ...dcrSource, name: 'CHIE', fhirBase: 'http://chie.example.nhs.uk/fhir' },
        ],
        recordLocator: { ...dcrSource, name: 'Locator', fhirBase: 'https://nrl.example.nhs.uk/FHIR/R4' },
        auditEndpoint: 'http://127.0.0.1:8080/audit',
      }),
    );
    const problems = expectProblems(await loadMachinePolicy({ policyFilePath: file }));
    expect(problems.map((p) => [p.key, p.message.replace(` (in ${file})`, '')])).toEqual([
      [
        'sources[0].fhirBase',
        'must not contain a user name or password (credentials belong in the keystore)',
      ],
      ['sources[1].fhirBase', 'must use https (plain http only for this computer, 127.0.0.1)'],
      ['sources[1].id', '"dcr" is already the id of Dorset Care Record; every source needs its own id'],
      ['recordLocator.id', '"dcr" is already the id of Dorset Care Record; every source needs its own id'],
    ]);
    // The secret itself is never repeated back.
    expect(JSON.stringify(problems)).not.toContain('s3cret');
  });

  it('refuses regional sources without an audit endpoint, naming the key and where the sources are set', async () => {
    const file = await policyFile(JSON.stringify({ sources: [dcrSource] }));
    const problems = expectProblems(await loadMachinePolicy({ policyFilePath: file }));
    expect(problems.map((p) => p.key)).toEqual(['auditEndpoint']);
    expect(problems[0]?.message).toMatch(/^required when regional record sources are configured/);
    expect(problems[0]?.message).toContain(file);
    expect(describePolicyResult({ ok: false, problems }).join('\n')).toContain('auditEndpoint: required');
  });

  it('token exchange: the regional authorization server must be https (plain http only on this computer)', async () => {
    const withIssuer = (issuer: string) =>
      policyFile(
        JSON.stringify({
          sources: [{ ...dcrSource, auth: { type: 'token-exchange', issuer, clientId: 'wessex-viewer' } }],
          auditEndpoint: 'https://audit.example.nhs.uk/fhir',
        }),
      );
    const plain = expectProblems(
      await loadMachinePolicy({ policyFilePath: await withIssuer('http://auth.example.nhs.uk') }),
    );
    expect(plain.map((p) => p.key)).toEqual(['sources[0].auth.issuer']);
    expect(plain[0]?.message).toContain('must use https (plain http only for this computer, 127.0.0.1)');
    // No private key and no key reference: the old backend-services registration is refused, not ignored.
    const old = await policyFile(
      JSON.stringify({
        sources: [
          { ...dcrSource, auth: { type: 'backend-services', clientId: 'x', keyReference: 'wessex/dcr' } },
        ],
        auditEndpoint: 'https://audit.example.nhs.uk/fhir',
      }),
    );
    expect(expectProblems(await loadMachinePolicy({ policyFilePath: old })).map((p) => p.key)).toEqual([
      'sources[0].auth.type',
    ]);
    const loopback = await withIssuer('http://127.0.0.1:9000');
    expect(expectOk(await loadMachinePolicy({ policyFilePath: loopback })).policy.sources[0]?.auth).toEqual({
      type: 'token-exchange',
      issuer: 'http://127.0.0.1:9000',
      clientId: 'wessex-viewer',
    });
  });

  it('refuses a remote audit endpoint that no source can get a token for', async () => {
    const open = { ...dcrSource, auth: { type: 'none' } };
    const remote = await policyFile(
      JSON.stringify({ sources: [open], auditEndpoint: 'https://audit.example.nhs.uk/fhir' }),
    );
    const problems = expectProblems(await loadMachinePolicy({ policyFilePath: remote }));
    expect(problems.map((p) => p.key)).toEqual(['auditEndpoint']);
    expect(problems[0]?.message).toMatch(/^events can only be sent to it with a token/);
    // A test server on this computer may take events without one.
    const local = await policyFile(
      JSON.stringify({ sources: [open], auditEndpoint: 'http://127.0.0.1:8080/audit' }),
    );
    expect(expectOk(await loadMachinePolicy({ policyFilePath: local })).policy.auditEndpoint).toBe(
      'http://127.0.0.1:8080/audit',
    );
  });

  it('needs no audit endpoint where no regional sources are configured (the sandbox)', async () => {
    const file = await policyFile(JSON.stringify({ retentionHours: 24, sandboxAllowed: true }));
    const result = expectOk(await loadMachinePolicy({ policyFilePath: file }));
    expect(result.policy.auditEndpoint).toBeUndefined();
    expect(result.policy.sandboxAllowed).toBe(true);
  });

  it('tolerates a UTF-8 byte-order mark (Notepad writes one)', async () => {
    const file = await policyFile('\uFEFF{"retentionHours": 24}');
    expect(expectOk(await loadMachinePolicy({ policyFilePath: file })).policy.retentionHours).toBe(24);
  });
});

describe('where the policy file lives', () => {
  it('is in ProgramData on Windows (never where %ProgramData% points) and /etc elsewhere', () => {
    expect(defaultPolicyFilePath({ ProgramData: 'D:\\PD' }, 'win32', false)).toBe(
      'C:\\ProgramData\\WessexCareRecords\\policy.json',
    );
    expect(defaultPolicyFilePath({}, 'linux', false)).toBe('/etc/wessex-care-record/policy.json');
    expect(defaultPolicyFilePath({}, 'darwin', false)).toBe('/etc/wessex-care-record/policy.json');
  });

  it('may be overridden for development with WESSEX_POLICY_FILE, never in a packaged build', () => {
    const env = { WESSEX_POLICY_FILE: '/tmp/p.json' };
    expect(defaultPolicyFilePath(env, 'win32', false)).toBe('/tmp/p.json');
    expect(defaultPolicyFilePath(env, 'win32', true)).toBe('C:\\ProgramData\\WessexCareRecords\\policy.json');
    expect(defaultPolicyFilePath(env, 'linux', true)).toBe('/etc/wessex-care-record/policy.json');
  });

  it('loads this machine’s policy from the overridden file, and doctor names the bad key', async () => {
    const file = await policyFile(JSON.stringify({ auditEndpoint: 'not a url' }));
    const result = await loadPolicyForThisMachine({ env: { WESSEX_POLICY_FILE: file }, platform: 'linux' });
    const lines = describePolicyResult(result);
    expect(lines[0]).toContain('Configuration problem');
    expect(lines.join('\n')).toContain('auditEndpoint:');
  });

  it('doctor says where settings came from when the policy is valid', async () => {
    const file = await policyFile(
      JSON.stringify({ sources: [dcrSource], auditEndpoint: 'https://audit.example.nhs.uk/fhir' }),
    );
    const result = await loadPolicyForThisMachine({ env: { WESSEX_POLICY_FILE: file }, platform: 'linux' });
    expect(describePolicyResult(result)).toEqual([
      'Machine policy: configured.',
      '  sources: dcr (policy-file)',
      '  allowed issuers: 0 (default)',
      '  sandbox allowed: no (default)',
    ]);
  });
});

describe('wessex policy (CLI)', () => {
  const run = (file: string) =>
    promisify(execFile)(process.execPath, [WESSEX_CLI, 'policy'], {
      env: { ...process.env, WESSEX_POLICY_FILE: file },
    });

  it('names each bad key and exits 1', async () => {
    const file = await policyFile(JSON.stringify({ auditEndpoint: 'ftp://audit', sourcez: [] }));
    const failure = (await run(file).then(
      () => undefined,
      (error: unknown) => error,
    )) as { code: number; stdout: string } | undefined;
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain('Configuration problem');
    expect(failure?.stdout).toContain('sourcez: is not a known policy setting');
    expect(failure?.stdout).toContain('auditEndpoint: must be an http(s) URL');
  });

  it('reports no machine policy on an unconfigured machine', async () => {
    const { stdout } = await run(path.join(dir, 'absent.json'));
    expect(stdout).toContain('Machine policy: none (built-in defaults).');
    expect(stdout).toContain('sandbox allowed: yes');
  });
});
