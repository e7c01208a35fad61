// Reading policy from the Windows registry, behind an interface so tests (and Linux) feed registry-shaped
// values from memory. Values are typed as reg.exe reports them; decoding checks each against its key's kind.
import { expandVariables, hasVariableReference, type VariableTable } from './expand-variables';
import { POLICY_REGISTRY_KEY, findPolicyKey, type PolicyKeyInfo } from './keys';
import type { PolicyProblem } from './problems';

export type RegistryHive = 'HKLM' | 'HKCU';

export type RegistryValue =
  | { name: string; type: 'REG_SZ' | 'REG_EXPAND_SZ'; data: string }
  | { name: string; type: 'REG_DWORD' | 'REG_QWORD'; data: number }
  | { name: string; type: 'REG_MULTI_SZ'; data: string[] }
  | { name: string; type: 'REG_BINARY' | 'REG_NONE'; data: string };

export interface PolicyRegistryReader {
  /** The values directly under `hive\key`; an empty list when the key does not exist. */
  readValues(hive: RegistryHive, key: string): Promise<RegistryValue[]>;
}

/** Test double and Linux stand-in: the registry as a plain map of `HIVE\key` → values. */
export function inMemoryRegistry(
  contents: Partial<Record<RegistryHive, RegistryValue[]>>,
): PolicyRegistryReader {
  return {
    async readValues(hive, key) {
      return key === POLICY_REGISTRY_KEY ? [...(contents[hive] ?? [])] : [];
    },
  };
}

export interface DecodedRegistryPolicy {
  values: Record<string, unknown>;
  problems: PolicyProblem[];
}

function decodeValue(
  info: PolicyKeyInfo,
  value: RegistryValue,
  variables: VariableTable,
): { ok: true; value: unknown } | { ok: false; message: string } {
  switch (info.kind) {
    case 'boolean':
      if (value.type === 'REG_DWORD' && (value.data === 0 || value.data === 1)) {
        return { ok: true, value: value.data === 1 };
      }
      return { ok: false, message: 'must be a REG_DWORD of 0 (off) or 1 (on)' };
    case 'number':
      if (value.type === 'REG_DWORD' || value.type === 'REG_QWORD') return { ok: true, value: value.data };
      return { ok: false, message: 'must be a REG_DWORD number' };
    case 'string':
      if (value.type === 'REG_SZ') return { ok: true, value: value.data };
      if (value.type === 'REG_EXPAND_SZ') return expandVariables(value.data, variables);
      return { ok: false, message: 'must be a REG_SZ string' };
    case 'path':
      if (value.type === 'REG_EXPAND_SZ') return expandVariables(value.data, variables);
      if (value.type === 'REG_SZ' && hasVariableReference(value.data)) {
        return {
          ok: false,
          message:
            'holds a %VARIABLE% but is a REG_SZ, which Windows never expands: set it as REG_EXPAND_SZ (as the ' +
            'Group Policy template does)',
        };
      }
      if (value.type === 'REG_SZ') return { ok: true, value: value.data };
      return { ok: false, message: 'must be a REG_EXPAND_SZ path' };
    case 'string-list':
      if (value.type === 'REG_MULTI_SZ') return { ok: true, value: value.data.filter((line) => line !== '') };
      if (value.type === 'REG_SZ') return parseJson(value.data);
      return { ok: false, message: 'must be a REG_MULTI_SZ list (one entry per line)' };
    case 'json':
      if (value.type === 'REG_SZ') return parseJson(value.data);
      return { ok: false, message: 'must be a REG_SZ holding JSON' };
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `is not valid JSON (${(error as Error).message})` };
  }
}

/**
 * Turns one hive's values into policy fields; every value it cannot use becomes a named problem. `variables`
 * are what its REG_EXPAND_SZ values may refer to (see expand-variables.ts).
 */
export function decodeRegistryPolicy(
  hive: RegistryHive,
  values: readonly RegistryValue[],
  variables: VariableTable,
): DecodedRegistryPolicy {
  const where = `${hive}\\${POLICY_REGISTRY_KEY}`;
  const decoded: Record<string, unknown> = {};
  const problems: PolicyProblem[] = [];
  for (const value of values) {
    // The unnamed "(Default)" value is not a policy setting.
    if (value.name === '') continue;
    const info = findPolicyKey(value.name);
    if (!info) {
      problems.push({
        key: value.name,
        message: `is not a known policy setting (in ${where})`,
        source: where,
      });
      continue;
    }
    const result = decodeValue(info, value, variables);
    if (result.ok) decoded[info.key] = result.value;
    else problems.push({ key: info.key, message: `${result.message} (in ${where})`, source: where });
  }
  return { values: decoded, problems };
}
