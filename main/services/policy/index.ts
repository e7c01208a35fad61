// Machine policy: the one entry point the composition root and `doctor` use.
import { isPackagedBuild } from '../build-mode';
import { loadMachinePolicy, type PolicyLoadResult } from './loader';
import { defaultPolicyFilePath } from './policy-file';
import { describePolicyProblems } from './problems';
import type { PolicyRegistryReader } from './registry';

export { machinePolicySchema, type MachinePolicy, type RegionalSource, type RoleAccess } from './schema';
export { POLICY_REGISTRY_KEY, policyKeys, type PolicyKey, type PolicyKeyInfo } from './keys';
export { loadMachinePolicy, type EffectivePolicy, type PolicyLevel, type PolicyLoadResult } from './loader';
export { describePolicyProblems, type PolicyProblem } from './problems';
export { defaultPolicyFilePath, POLICY_FILE_ENV } from './policy-file';
export { inMemoryRegistry, type PolicyRegistryReader, type RegistryValue } from './registry';

export interface MachinePolicyOptions {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  userSettings?: Record<string, unknown>;
  /** Injected in tests; on Windows the real registry is read with the system directory's reg.exe. */
  registry?: PolicyRegistryReader;
  /** The installed product (default: what the Electron entry said, see build-mode.ts). */
  packaged?: boolean;
}

/** Reads this machine's policy from where IT puts it: the registry (Windows) and policy.json. */
export async function loadPolicyForThisMachine(
  options: MachinePolicyOptions = {},
): Promise<PolicyLoadResult> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const packaged = options.packaged ?? isPackagedBuild();
  let registry = options.registry;
  if (!registry && platform === 'win32') {
    const { createWindowsRegistryReader } = await import('./reg-exe-reader');
    registry = createWindowsRegistryReader();
  }
  return loadMachinePolicy({
    ...(registry ? { registry } : {}),
    policyFilePath: defaultPolicyFilePath(env, platform, packaged),
    ...(options.userSettings ? { userSettings: options.userSettings } : {}),
    env,
    packaged,
  });
}

/** What `doctor` prints about policy: where each setting came from, or every problem by key. */
export function describePolicyResult(result: PolicyLoadResult): string[] {
  if (!result.ok) {
    return [
      'Configuration problem: the viewer will not connect to anything until this is fixed.',
      ...describePolicyProblems(result.problems).map((line) => `  ${line}`),
    ];
  }
  const lines = [
    result.machineConfigured ? 'Machine policy: configured.' : 'Machine policy: none (built-in defaults).',
    `  sources: ${result.policy.sources.map((source) => source.id).join(', ') || 'none'} (${result.origins.sources})`,
    `  allowed issuers: ${result.policy.allowedIssuers.length} (${result.origins.allowedIssuers})`,
    `  sandbox allowed: ${result.policy.sandboxAllowed ? 'yes' : 'no'} (${result.origins.sandboxAllowed})`,
  ];
  return lines;
}
