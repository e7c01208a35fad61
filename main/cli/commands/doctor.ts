// `wessex doctor`: policy, sources, keystore and the encrypted stores, in plain words; exit 1 on any problem,
// 2 when everything works but only after a recovery (a store reset, a log set aside) someone must look into.
import type { Command } from 'commander';
import { runDoctor } from '../../services/doctor';
import { resolveDataDir } from '../../services/paths';
import { loadPolicyForThisMachine } from '../../services/policy';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('Check policy, record sources, the OS keystore and the encrypted stores')
    .option('--data-dir <dir>', 'where the offline store and audit log live')
    .action(async (flags: { dataDir?: string }) => {
      const checks = await runDoctor({
        policy: await loadPolicyForThisMachine(),
        dataDir: resolveDataDir(flags.dataDir),
      });
      for (const check of checks) {
        console.log(`${!check.ok ? '✗' : check.warning ? '!' : '✓'} ${check.name}`);
        for (const line of check.lines) console.log(`    ${line}`);
      }
      if (checks.some((c) => !c.ok)) process.exitCode = 1;
      else if (checks.some((c) => c.warning)) process.exitCode = 2;
    });
}
