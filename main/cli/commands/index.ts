import type { Command } from 'commander';
import { registerAuditCommand } from './audit';
import { registerCacheCommand } from './cache';
import { registerDoctorCommand } from './doctor';
import { registerFetchCommand } from './fetch';
import { registerLaunchCommand } from './launch';
import { registerPolicyCommand } from './policy';
import { registerPrefetchCommand } from './prefetch';
import { registerSandboxCommand } from './sandbox';
import { registerStartCommand } from './start';

/** Each command lives in its own module and registers itself here. */
export function registerCommands(program: Command): void {
  registerStartCommand(program);
  registerSandboxCommand(program);
  registerLaunchCommand(program);
  registerFetchCommand(program);
  registerPrefetchCommand(program);
  registerCacheCommand(program);
  registerAuditCommand(program);
  registerPolicyCommand(program);
  registerDoctorCommand(program);
}
