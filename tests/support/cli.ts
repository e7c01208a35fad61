// The CLI as a support engineer runs it: built (npm test builds before Vitest runs), a real child process with
// its own environment. The development CLI is the shipped one plus the sandbox; PRODUCT_CLI is what ships.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const WESSEX_CLI = resolve(ROOT, 'out/main/dev-cli.js');
export const PRODUCT_CLI = resolve(ROOT, 'out/main/cli.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `wessex <args>` to the end; a non-zero exit is a result to assert on, not a thrown error. */
export function runWessex(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeout?: number; cli?: string } = {},
): Promise<CliResult> {
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      [options.cli ?? WESSEX_CLI, ...args],
      { cwd: ROOT, env: options.env ?? process.env, timeout: options.timeout ?? 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolveRun({ code, stdout, stderr });
      },
    );
  });
}
