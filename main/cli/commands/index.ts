import type { Command } from 'commander';
import { registerCacheCommand } from './cache';
import { registerPrefetchCommand } from './prefetch';
import { registerAuditCommand } from './audit';
import { registerFetchCommand } from './fetch';
import { registerSandboxCommand } from './sandbox';
import { registerLaunchCommand } from './launch';
import { registerPolicyCommand } from './policy';
import { registerDoctorCommand } from './doctor';
import { registerStartCommand } from './start';

/** Each command lives in its own module and registers itself here. */
export function registerCommands(program: Command): void {
  registerCacheCommand(program);
  registerPrefetchCommand(program);
  program.command('version').action(() => console.log('0.1.0'));
  registerAuditCommand(program);
  registerFetchCommand(program);
  registerSandboxCommand(program);
  registerLaunchCommand(program);
  registerPolicyCommand(program);
  registerDoctorCommand(program);
  registerStartCommand(program);
}
