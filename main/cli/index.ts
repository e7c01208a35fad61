// The headless CLI over the same main-process services the app uses.
import { Command } from 'commander';
import { version } from '../../package.json';
import { registerCommands } from './commands';

const program = new Command()
  .name('wessex')
  .description('Wessex Care Record viewer — headless tools over the app services')
  .version(version)
  .showHelpAfterError();

registerCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
