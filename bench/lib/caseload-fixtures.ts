// What the caseload benches share: a keystore held in memory (the key vault is not what is measured) and
// valid test NHS numbers (the 999 range) that the sandbox does not hold, to make a caseload of any size.
import { nhsCheckDigit } from '../../common/nhs-number';
import type { SecretStore } from '../../main/services/keystore/secret-store';

export function memorySecrets(): SecretStore {
  const map = new Map<string, string>();
  return {
    get: async (k) => map.get(k) ?? null,
    set: async (k, v) => void map.set(k, v),
    delete: async (k) => map.delete(k),
  };
}

export function syntheticNhsNumbers(count: number, taken: Set<string>): string[] {
  const out: string[] = [];
  for (let n = 100_000; out.length < count; n++) {
    const nine = `999${String(n).padStart(6, '0')}`;
    const check = nhsCheckDigit(nine);
    const nhs = `${nine}${check}`;
    if (check !== undefined && !taken.has(nhs)) out.push(nhs);
  }
  return out;
}
