// The `wessex` command line: the same services the app runs, headless. Shared by the shipped CLI (plain
// `node`, or the app binary's --cli mode) and the development CLI, which adds the sandbox commands.
import { Command } from 'commander';
import { version } from '../../package.json';
import { registerCommands } from './commands';
import type { CliEnvironment } from './environment';
import { terminalLines } from '../../common/text-safety';

export function createProgram(env: CliEnvironment): Command {
  const program = new Command()
    .name('wessex')
    .description('Wessex Care Record viewer — headless tools over the app services')
    .version(version)
    .showHelpAfterError();
  registerCommands(program, env);
  return program;
}

/** Runs the program; any failure is one plain-words line on stderr and exit code 1. */
export async function runProgram(
  program: Command,
  argv: readonly string[],
  from?: 'node' | 'electron',
): Promise<void> {
  // Every file this process creates (stores, logs, exports) is readable by this user only.
  process.umask(0o077);
  try {
    await program.parseAsync([...argv], from ? { from } : undefined);
  } catch (error) {
    // A message may quote a server (an OperationOutcome, a refusal): never its escape sequences.
    console.error(terminalLines(error instanceof Error ? error.message : String(error)));
    process.exitCode = 1;
  }
}

/** The shipped CLI's viewer: the product composition on this machine's policy. */
export const productEnvironment: CliEnvironment = {
  async openViewer(options) {
    const { createViewer } = await import('../services/composition/viewer');
    return { viewer: await createViewer(options), origin: 'machine policy' };
  },
};
