// One way every command loads the machine policy: a broken policy is always reported, by key, and stops the
// command before it does anything.
import { describePolicyProblems, loadPolicyForThisMachine, type EffectivePolicy } from '../services/policy';

export async function loadPolicyOrExplain(): Promise<EffectivePolicy> {
  const result = await loadPolicyForThisMachine();
  if (result.ok) return result.policy;
  const lines = describePolicyProblems(result.problems).map((p) => `  ${p}`);
  throw new Error(`The machine policy has problems, so nothing was done:\n${lines.join('\n')}`);
}
