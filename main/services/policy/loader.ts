// Loads the effective machine policy: HKLM registry > policy.json (also machine level) > HKCU registry > user
// settings, key by key. Anything invalid yields named problems and no policy at all — the app then shows its
// configuration-problem screen and connects to nothing, rather than falling back to other servers.
import { expansionVariables, type ExpansionVariables } from './expand-variables';
import { findPolicyKey, POLICY_REGISTRY_KEY, type PolicyKey } from './keys';
import { readPolicyFile } from './policy-file';
import type { PolicyProblem } from './problems';
import { decodeRegistryPolicy, type PolicyRegistryReader, type RegistryHive } from './registry';
import { LOOPBACK_HOST, machinePolicySchema, type MachinePolicy } from './schema';

export type PolicyLevel = 'HKLM' | 'policy-file' | 'HKCU' | 'user-settings' | 'default';

export type EffectivePolicy = Omit<MachinePolicy, 'sandboxAllowed' | 'commandLineRoles'> & {
  sandboxAllowed: boolean;
  commandLineRoles: string[];
};

export type PolicyLoadResult =
  | {
      ok: true;
      policy: EffectivePolicy;
      /** Which level each key came from (for `doctor`). */
      origins: Record<PolicyKey, PolicyLevel>;
      /** True when any machine-level policy (registry or file) exists. */
      machineConfigured: boolean;
    }
  | { ok: false; problems: PolicyProblem[] };

export interface PolicyReaders {
  /** Absent off Windows. */
  registry?: PolicyRegistryReader;
  /** Absent when no policy file is to be read. */
  policyFilePath?: string;
  /** The user's own settings: the lowest level, outranked by every machine policy. */
  userSettings?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** The installed product: REG_EXPAND_SZ values expand only variables Windows defines, never `env`'s. */
  packaged?: boolean;
}

interface Layer {
  level: PolicyLevel;
  source: string;
  values: Record<string, unknown>;
}

async function readRegistryLayer(
  registry: PolicyRegistryReader,
  hive: RegistryHive,
  variables: ExpansionVariables,
  problems: PolicyProblem[],
): Promise<Layer | undefined> {
  const source = `${hive}\\${POLICY_REGISTRY_KEY}`;
  try {
    const values = await registry.readValues(hive, POLICY_REGISTRY_KEY);
    const decoded = decodeRegistryPolicy(hive, values, variables[hive]);
    problems.push(...decoded.problems);
    return { level: hive, source, values: decoded.values };
  } catch (error) {
    problems.push({ key: source, message: `cannot be read: ${(error as Error).message}`, source });
    return undefined;
  }
}

/** File-shaped values: unknown keys (usually typos) are problems, not silently ignored. */
function checkFileKeys(layer: Layer, problems: PolicyProblem[]): Layer {
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(layer.values)) {
    const info = findPolicyKey(name);
    if (info && info.key === name) values[name] = value;
    else
      problems.push({
        key: name,
        message: info
          ? `is spelt differently from the policy setting "${info.key}" (in ${layer.source})`
          : `is not a known policy setting (in ${layer.source})`,
        source: layer.source,
      });
  }
  return { ...layer, values };
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

export async function loadMachinePolicy(readers: PolicyReaders): Promise<PolicyLoadResult> {
  const variables = expansionVariables(readers.env ?? process.env, readers.packaged ?? false);
  const problems: PolicyProblem[] = [];
  const layers: Layer[] = [];

  if (readers.registry) {
    const hklm = await readRegistryLayer(readers.registry, 'HKLM', variables, problems);
    if (hklm) layers.push(hklm);
  }
  if (readers.policyFilePath) {
    const file = await readPolicyFile(readers.policyFilePath);
    if (file.present && 'problem' in file) problems.push(file.problem);
    else if (file.present)
      layers.push(
        checkFileKeys(
          { level: 'policy-file', source: readers.policyFilePath, values: file.values },
          problems,
        ),
      );
  }
  if (readers.registry) {
    const hkcu = await readRegistryLayer(readers.registry, 'HKCU', variables, problems);
    if (hkcu) layers.push(hkcu);
  }
  if (readers.userSettings) {
    layers.push(
      checkFileKeys(
        { level: 'user-settings', source: 'user settings', values: readers.userSettings },
        problems,
      ),
    );
  }

  // Highest level first: the first layer that sets a key wins.
  const merged: Record<string, unknown> = {};
  const origins: Partial<Record<PolicyKey, PolicyLevel>> = {};
  const sourceOf: Partial<Record<string, string>> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer.values)) {
      if (key in merged) continue;
      merged[key] = value;
      origins[key as PolicyKey] = layer.level;
      sourceOf[key] = layer.source;
    }
  }

  const parsed = machinePolicySchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const top = String(issue.path[0] ?? '');
      const source = sourceOf[top];
      problems.push({
        key: formatPath(issue.path) || '(policy)',
        message: source ? `${issue.message} (in ${source})` : issue.message,
        ...(source ? { source } : {}),
      });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  if (!parsed.success) return { ok: false, problems };
  const auditProblem = auditEndpointProblem(parsed.data, sourceOf.sources ?? sourceOf.auditEndpoint);
  if (auditProblem) return { ok: false, problems: [auditProblem] };

  const machineConfigured = layers.some(
    (layer) => layer.level !== 'user-settings' && Object.keys(layer.values).length > 0,
  );
  for (const info of Object.keys(machinePolicySchema.shape) as PolicyKey[]) origins[info] ??= 'default';
  // The sandbox's synthetic patients must not appear on a machine IT has configured, unless IT says so.
  const sandboxAllowed = parsed.data.sandboxAllowed ?? !machineConfigured;
  // Who the command line may act as is IT's choice on a machine IT configured.
  const commandLineRoles =
    parsed.data.commandLineRoles ?? (machineConfigured ? [] : Object.keys(parsed.data.roleMapping));
  return {
    ok: true,
    policy: { ...parsed.data, sandboxAllowed, commandLineRoles },
    origins: origins as Record<PolicyKey, PolicyLevel>,
    machineConfigured,
  };
}

/**
 * Outside the sandbox (regional sources configured) every access must reach an audit server: a local audit
 * file alone is one the user could delete. The upload carries the signed-in user's exchanged token (the
 * regional authorization server of a source that uses token exchange); only an endpoint on this computer may
 * take events without.
 */
function auditEndpointProblem(policy: MachinePolicy, where: string | undefined): PolicyProblem | undefined {
  if (policy.sources.length === 0) return undefined;
  const inFile = where ? ` (sources are set in ${where})` : '';
  if (!policy.auditEndpoint) {
    return {
      key: 'auditEndpoint',
      message:
        'required when regional record sources are configured: every access must reach the regional audit ' +
        `server, not only a file on this computer${inFile}`,
    };
  }
  const authorised = [...policy.sources, ...(policy.recordLocator ? [policy.recordLocator] : [])].some(
    (source) => source.auth.type === 'token-exchange',
  );
  if (authorised || LOOPBACK_HOST.test(new URL(policy.auditEndpoint).hostname)) return undefined;
  return {
    key: 'auditEndpoint',
    message:
      'events can only be sent to it with a token, and no source names a token-exchange authorization ' +
      `server to obtain one from${inFile}`,
  };
}
