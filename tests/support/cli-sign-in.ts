// A CLI command that signs the clinician in through the browser, with this test as the browser: it takes the
// address the CLI prints, signs in at the (auto-approving) EPR as `user`, and is sent back to the CLI's loopback.
import { spawn } from 'node:child_process';
import { followAuthorizationRedirects } from '../../main/services/launch/headless-authorizer';
import { ROOT, WESSEX_CLI } from './cli';

export function runWessexSigningIn(
  args: readonly string[],
  user: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [WESSEX_CLI, ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    let browsed = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const address = /Open this address in your browser to sign in:\s+(\S+)/.exec(stderr)?.[1];
      if (!address || browsed) return;
      browsed = true;
      const authorize = new URL(address);
      authorize.searchParams.set('user', user);
      void followAuthorizationRedirects(authorize.href, (input, init) => fetch(input, init)).then(
        (callback) => fetch(callback),
      );
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
