// What the cache and prefetch commands share: the data directory, the keystore and the machine policy.
import { formatNhsNumber } from '../../../common/nhs-number';
import { openOfflineCache, type OfflineCache } from '../../services/cache';
import { createKeytarSecretStore } from '../../services/keystore/secret-store';
import {
  describePolicyProblems,
  loadPolicyForThisMachine,
  type EffectivePolicy,
} from '../../services/policy';
import { resolveDataDir } from '../../services/paths';

export interface DataDirOption {
  dataDir?: string;
}

export async function loadPolicyOrExplain(): Promise<EffectivePolicy> {
  const result = await loadPolicyForThisMachine();
  if (result.ok) return result.policy;
  const lines = describePolicyProblems(result.problems).map((p) => `  ${p}`);
  throw new Error(`The machine policy has problems, so nothing was changed:\n${lines.join('\n')}`);
}

/** Opens this user's offline cache; notices (e.g. the cache was reset) go to stderr. */
export async function openCliCache(options: DataDirOption, policy?: EffectivePolicy): Promise<OfflineCache> {
  const cache = await openOfflineCache({
    dataDir: resolveDataDir(options.dataDir ?? process.env.WESSEX_DATA_DIR),
    secretStore: createKeytarSecretStore(),
    ...(policy ? { retention: policy } : {}),
  });
  for (const notice of cache.notices) console.error(notice);
  return cache;
}

export function nhsForTerminal(nhs: string): string {
  return formatNhsNumber(nhs);
}
