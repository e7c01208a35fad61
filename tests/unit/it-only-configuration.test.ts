// Configuration only IT can set: in the installed product (packaged) nothing the user controls — WESSEX_*
// variables, %windir%, %ProgramData%, a file they wrote — decides which servers the viewer trusts or which
// reg.exe reads the policy; and a standalone sign-in server is trusted only when it is an allowed issuer.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LaunchError, SmartLaunchService } from '../../main/services/launch';
import { defaultDataDir } from '../../main/services/paths';
import {
  inMemoryRegistry,
  loadMachinePolicy,
  loadPolicyForThisMachine,
  type PolicyLoadResult,
  type RegistryValue,
} from '../../main/services/policy';
import { createWindowsRegistryReader } from '../../main/services/policy/reg-exe-reader';
import { WINDOWS_REG_EXE } from '../../main/services/policy/windows-folders';

const VIEWER_KEY = 'Software\\Policies\\WessexCareRecords\\Viewer';
const PHISHING = 'https://sign-in.phishing.example/fhir';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'wessex-it-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectOk(result: PolicyLoadResult) {
  if (!result.ok) throw new Error(`expected a valid policy, got ${JSON.stringify(result.problems)}`);
  return result;
}
function expectProblems(result: PolicyLoadResult) {
  if (result.ok) throw new Error('expected configuration problems');
  return result.problems;
}

/** A policy.json in a folder the user can write (their temp folder), naming a sign-in server of their own. */
async function userWrittenPolicy(): Promise<string> {
  const file = path.join(dir, 'policy.json');
  await writeFile(file, JSON.stringify({ allowedIssuers: [PHISHING], standaloneIssuer: PHISHING }));
  return file;
}

describe('a policy file named by WESSEX_POLICY_FILE', () => {
  it('is read by a development build', async () => {
    const env = { WESSEX_POLICY_FILE: await userWrittenPolicy() };
    const result = expectOk(
      await loadPolicyForThisMachine({
        env,
        platform: 'win32',
        registry: inMemoryRegistry({}),
        packaged: false,
      }),
    );
    expect(result.policy.allowedIssuers).toEqual([PHISHING]);
  });

  it('is ignored by a packaged build: no trusted issuer comes from it', async () => {
    const env = { WESSEX_POLICY_FILE: await userWrittenPolicy(), ProgramData: dir };
    const result = expectOk(
      await loadPolicyForThisMachine({
        env,
        platform: 'win32',
        registry: inMemoryRegistry({}),
        packaged: true,
      }),
    );
    expect(result.policy.allowedIssuers).toEqual([]);
    expect(result.policy.standaloneIssuer).toBeUndefined();
    expect(result.machineConfigured).toBe(false);
  });

  it('nor does %ProgramData% move policy.json to a folder of the user’s', async () => {
    await mkdir(path.join(dir, 'WessexCareRecords'));
    await writeFile(
      path.join(dir, 'WessexCareRecords', 'policy.json'),
      JSON.stringify({ allowedIssuers: [PHISHING] }),
    );
    const result = expectOk(
      await loadPolicyForThisMachine({
        env: { ProgramData: dir, PROGRAMDATA: dir },
        platform: 'win32',
        registry: inMemoryRegistry({}),
        packaged: true,
      }),
    );
    expect(result.policy.allowedIssuers).toEqual([]);
  });
});

describe('the data folder', () => {
  it('follows WESSEX_DATA_DIR only in a development build', () => {
    const env = { WESSEX_DATA_DIR: dir, LOCALAPPDATA: 'C:\\Users\\sam\\AppData\\Local' };
    expect(defaultDataDir(env, 'win32', 'C:\\Users\\sam', false)).toBe(path.resolve(dir));
    expect(defaultDataDir(env, 'win32', 'C:\\Users\\sam', true)).toBe(
      'C:\\Users\\sam\\AppData\\Local\\Wessex Care Record',
    );
  });
});

describe('reg.exe', () => {
  /** A stand-in reg.exe where %windir% points: it would hand the viewer a phishing sign-in server. */
  async function planted(): Promise<string> {
    const system32 = path.join(dir, 'system32');
    await mkdir(system32);
    const fake = path.join(system32, 'reg.exe');
    const output = [
      '',
      `HKEY_LOCAL_MACHINE\\${VIEWER_KEY}`,
      `    allowedIssuers    REG_MULTI_SZ    ${PHISHING}`,
      '',
    ].join('\r\n');
    await writeFile(fake, `#!/bin/sh\nprintf '%s' '${output}'\n`);
    await chmod(fake, 0o755);
    return fake;
  }

  it('is the system directory’s, by absolute path', () => {
    expect(WINDOWS_REG_EXE).toBe('C:\\Windows\\System32\\reg.exe');
  });

  it('is never the one %windir%, %SystemRoot%, %ComSpec% or PATH point at', async () => {
    const fake = await planted();
    // The stand-in works: read through it explicitly, it yields the phishing issuer.
    expect(await createWindowsRegistryReader({ regExe: fake }).readValues('HKLM', VIEWER_KEY)).toEqual([
      { name: 'allowedIssuers', type: 'REG_MULTI_SZ', data: [PHISHING] },
    ]);
    const saved = { ...process.env };
    Object.assign(process.env, {
      windir: dir,
      SystemRoot: dir,
      ComSpec: fake,
      PATH: `${path.dirname(fake)}${path.delimiter}${process.env.PATH ?? ''}`,
    });
    try {
      const result = await loadPolicyForThisMachine({ platform: 'win32', packaged: true });
      const problems = expectProblems(result);
      // Off Windows the real one is not there: the viewer says so and trusts nothing, rather than running another.
      expect(problems[0]?.key).toBe(`HKLM\\${VIEWER_KEY}`);
      expect(problems[0]?.message).toContain('C:\\Windows\\System32\\reg.exe could not be run');
      expect(JSON.stringify(problems)).not.toContain(PHISHING);
    } finally {
      for (const name of ['windir', 'SystemRoot', 'ComSpec', 'PATH']) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
  });
});

describe('paths written REG_EXPAND_SZ (sensitiveCodeListPath)', () => {
  const codeList = (type: 'REG_SZ' | 'REG_EXPAND_SZ', data: string): RegistryValue[] => [
    { name: 'sensitiveCodeListPath', type, data },
  ];
  const userEnv = {
    ProgramData: 'C:\\Users\\sam\\fake-programdata',
    LOCALAPPDATA: 'C:\\Users\\sam\\AppData\\Local',
    SENSITIVE: 'C:\\Users\\sam',
  };

  it('expand machine variables to Windows’ own folders in a packaged build, whatever the user’s environment says', async () => {
    const result = expectOk(
      await loadMachinePolicy({
        registry: inMemoryRegistry({
          HKLM: codeList('REG_EXPAND_SZ', '%PROGRAMDATA%\\WessexCareRecords\\codes.json'),
        }),
        env: userEnv,
        packaged: true,
      }),
    );
    expect(result.policy.sensitiveCodeListPath).toBe('C:\\ProgramData\\WessexCareRecords\\codes.json');
  });

  it('expand from the environment in a development build', async () => {
    const result = expectOk(
      await loadMachinePolicy({
        registry: inMemoryRegistry({ HKLM: codeList('REG_EXPAND_SZ', '%ProgramData%\\codes.json') }),
        env: userEnv,
        packaged: false,
      }),
    );
    expect(result.policy.sensitiveCodeListPath).toBe('C:\\Users\\sam\\fake-programdata\\codes.json');
  });

  it('let a machine setting use no per-user or user-defined variable; a user setting may use its profile folders', async () => {
    const machine = expectProblems(
      await loadMachinePolicy({
        registry: inMemoryRegistry({
          HKLM: codeList('REG_EXPAND_SZ', '%LOCALAPPDATA%\\%SENSITIVE%\\codes.json'),
        }),
        env: userEnv,
        packaged: true,
      }),
    );
    expect(machine).toHaveLength(1);
    expect(machine[0]?.key).toBe('sensitiveCodeListPath');
    expect(machine[0]?.message).toContain('%LOCALAPPDATA%, %SENSITIVE%');
    expect(machine[0]?.message).toContain(`HKLM\\${VIEWER_KEY}`);

    const user = expectOk(
      await loadMachinePolicy({
        registry: inMemoryRegistry({ HKCU: codeList('REG_EXPAND_SZ', '%LOCALAPPDATA%\\codes.json') }),
        env: userEnv,
        packaged: true,
      }),
    );
    expect(user.policy.sensitiveCodeListPath).toBe('C:\\Users\\sam\\AppData\\Local\\codes.json');
  });

  it('name a %VARIABLE% left in a REG_SZ path, which Windows never expands', async () => {
    const problems = expectProblems(
      await loadMachinePolicy({
        registry: inMemoryRegistry({ HKLM: codeList('REG_SZ', '%ProgramData%\\codes.json') }),
        packaged: true,
      }),
    );
    expect(problems[0]?.key).toBe('sensitiveCodeListPath');
    expect(problems[0]?.message).toContain('REG_EXPAND_SZ');
    const literal = expectOk(
      await loadMachinePolicy({
        registry: inMemoryRegistry({ HKLM: codeList('REG_SZ', 'C:\\ProgramData\\codes.json') }),
        packaged: true,
      }),
    );
    expect(literal.policy.sensitiveCodeListPath).toBe('C:\\ProgramData\\codes.json');
  });
});

describe('standaloneIssuer', () => {
  const emis = 'https://emis.example.nhs.uk/fhir';
  const registryWith = (values: RegistryValue[]) => inMemoryRegistry({ HKLM: values });

  it('is a configuration problem when it is not also an allowed issuer, named where it is set', async () => {
    const problems = expectProblems(
      await loadMachinePolicy({
        registry: registryWith([
          { name: 'allowedIssuers', type: 'REG_MULTI_SZ', data: [emis] },
          { name: 'standaloneIssuer', type: 'REG_SZ', data: PHISHING },
        ]),
      }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]?.key).toBe('standaloneIssuer');
    expect(problems[0]?.message).toContain('must also be one of the allowed issuers');
    expect(problems[0]?.message).toContain(`HKLM\\${VIEWER_KEY}`);
  });

  it('is accepted when IT lists it among the allowed issuers (compared in canonical form)', async () => {
    const result = expectOk(
      await loadMachinePolicy({
        registry: registryWith([
          {
            name: 'allowedIssuers',
            type: 'REG_MULTI_SZ',
            data: [emis, 'https://Ambulance.example.nhs.uk/fhir/'],
          },
          { name: 'standaloneIssuer', type: 'REG_SZ', data: 'https://ambulance.example.nhs.uk:443/fhir' },
        ]),
      }),
    );
    expect(result.policy.standaloneIssuer).toBe('https://ambulance.example.nhs.uk:443/fhir');
  });

  it('is not trusted by the sign-in itself when outside the allow-list: nothing is requested or opened', async () => {
    const requests: string[] = [];
    const opened: string[] = [];
    const launcher = new SmartLaunchService({
      allowedIssuers: [emis],
      standaloneIssuer: PHISHING,
      clientId: 'wessex-care-record',
      secretStore: { get: async () => null, set: async () => undefined, delete: async () => false },
      openExternal: async (url) => void opened.push(url),
      fetch: async (input) => {
        requests.push(String(input));
        throw new Error('no request may be made');
      },
    });
    const failure = await launcher.beginStandaloneLaunch().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(LaunchError);
    expect((failure as LaunchError).code).toBe('issuer-not-allowed');
    expect(requests).toEqual([]);
    expect(opened).toEqual([]);
  });
});
