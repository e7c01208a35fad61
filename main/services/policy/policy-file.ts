// The file-shaped machine policy: policy.json in ProgramData (Windows) or /etc (Linux, macOS).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isPackagedBuild } from '../build-mode';
import type { PolicyProblem } from './problems';
import { MACHINE_POLICY_FOLDER } from './windows-folders';

/** Tests and development only: point the app at another policy file. Ignored by the installed product. */
export const POLICY_FILE_ENV = 'WESSEX_POLICY_FILE';

/**
 * policy.json's one place: on Windows the folder the MSI creates writable by Administrators and SYSTEM only
 * (found without the environment, see windows-folders.ts); /etc elsewhere. A development build may be pointed
 * elsewhere with WESSEX_POLICY_FILE; a packaged one never.
 */
export function defaultPolicyFilePath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  packaged: boolean = isPackagedBuild(),
): string {
  const override = packaged ? undefined : env[POLICY_FILE_ENV]?.trim();
  if (override) return path.resolve(override);
  if (platform === 'win32') return path.win32.join(MACHINE_POLICY_FOLDER, 'policy.json');
  return '/etc/wessex-care-record/policy.json';
}

export type PolicyFileContents =
  | { present: false }
  | { present: true; values: Record<string, unknown> }
  | { present: true; problem: PolicyProblem };

/** A missing file is no policy; an unreadable or malformed one is a problem, never silently ignored. */
export async function readPolicyFile(filePath: string): Promise<PolicyFileContents> {
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { present: false };
    return {
      present: true,
      problem: {
        key: 'policy.json',
        message: `cannot be read (${code ?? 'error'}): ${filePath}`,
        source: filePath,
      },
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return {
      present: true,
      problem: {
        key: 'policy.json',
        message: `is not valid JSON (${(error as Error).message}): ${filePath}`,
        source: filePath,
      },
    };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return {
      present: true,
      problem: { key: 'policy.json', message: `must hold a JSON object: ${filePath}`, source: filePath },
    };
  }
  return { present: true, values: parsed as Record<string, unknown> };
}
