// `wessex policy`: shows the effective machine policy (where each setting came from), or every configuration
// problem by key — what the app's configuration-problem screen shows. Exit code 1 when the policy is invalid.
import type { Command } from 'commander';
import { describePolicyResult, loadPolicyForThisMachine } from '../../services/policy';

export function registerPolicyCommand(program: Command): void {
  program
    .command('policy')
    .description(
      'Check the machine policy (registry on Windows, policy.json; env WESSEX_POLICY_FILE for tests)',
    )
    .option('--json', 'print the effective policy, or the problems, as JSON')
    .action(async (options: { json?: boolean }) => {
      const result = await loadPolicyForThisMachine();
      if (options.json) console.log(JSON.stringify(result, null, 2));
      else for (const line of describePolicyResult(result)) console.log(line);
      if (!result.ok) process.exitCode = 1;
    });
}
