import type { Command } from 'commander';
import type { CliEnvironment } from '../environment';
import { registerAuditCommand } from './audit';
import { registerCacheCommand } from './cache';
import { registerDoctorCommand } from './doctor';
import { registerFetchCommand } from './fetch';
import { registerFindPatientCommand } from './find-patient';
import { registerLaunchCommand } from './launch';
import { registerPolicyCommand } from './policy';
import { registerPrefetchCommand } from './prefetch';
import { registerWatchCommand } from './watch';

/** Each command lives in its own module and registers itself here. */
export function registerCommands(program: Command, env: CliEnvironment): void {
  registerLaunchCommand(program);
  registerFetchCommand(program, env);
  registerFindPatientCommand(program, env);
  registerPrefetchCommand(program, env);
  registerWatchCommand(program, env);
  registerCacheCommand(program, env);
  registerAuditCommand(program);
  registerPolicyCommand(program);
  registerDoctorCommand(program);
}
