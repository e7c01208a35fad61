// The CLI as a support engineer runs it: the built `wessex` (npm test builds before Vitest runs), a real child
// process with its own environment.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const WESSEX_CLI = resolve(ROOT, 'out/main/cli.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `wessex <args>` to the end; a non-zero exit is a result to assert on, not a thrown error. */
export function runWessex(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeout?: number } = {},
): Promise<CliResult> {
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      [WESSEX_CLI, ...args],
      { cwd: ROOT, env: options.env ?? process.env, timeout: options.timeout ?? 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolveRun({ code, stdout, stderr });
      },
    );
  });
}
