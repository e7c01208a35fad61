// The Windows implementation of PolicyRegistryReader: `reg.exe query`, run from the system directory by its
// absolute path, without a shell and with a fixed environment. (The winreg package finds reg.exe through
// %windir% and runs it through the shell %ComSpec% names: both are the user's to set.)
import { execFile } from 'node:child_process';
import type { PolicyRegistryReader, RegistryHive, RegistryValue } from './registry';
import { WINDOWS_DIRECTORY, WINDOWS_REG_EXE } from './windows-folders';

const REG_TYPES = [
  'REG_SZ',
  'REG_EXPAND_SZ',
  'REG_MULTI_SZ',
  'REG_DWORD',
  'REG_QWORD',
  'REG_BINARY',
  'REG_NONE',
] as const;
type RegType = (typeof REG_TYPES)[number];

/** One value line of `reg query`: four spaces, name, four spaces, type, four spaces, data (maybe empty). */
const VALUE_LINE = /^ {4}(.*?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$/;

/** Turns one value as reg.exe prints it into a typed value: DWORDs in hex, REG_MULTI_SZ joined by "\0". */
export function fromRegExeValue(name: string, type: string, data: string): RegistryValue {
  const valueName = name === '(Default)' ? '' : name;
  switch (type as RegType) {
    case 'REG_DWORD':
    case 'REG_QWORD':
      return { name: valueName, type: type as 'REG_DWORD' | 'REG_QWORD', data: Number.parseInt(data, 16) };
    case 'REG_MULTI_SZ':
      return { name: valueName, type: 'REG_MULTI_SZ', data: data === '' ? [] : data.split('\\0') };
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      return { name: valueName, type: type as 'REG_SZ' | 'REG_EXPAND_SZ', data };
    default:
      return { name: valueName, type: type === 'REG_BINARY' ? 'REG_BINARY' : 'REG_NONE', data };
  }
}

/** The values directly under the queried key (subkeys, which reg.exe lists after them, are not values). */
export function parseRegQueryOutput(stdout: string): RegistryValue[] {
  const values: RegistryValue[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const match = VALUE_LINE.exec(line);
    if (match && (REG_TYPES as readonly string[]).includes(match[2] ?? '')) {
      values.push(fromRegExeValue(match[1] ?? '', match[2] ?? '', match[3] ?? ''));
    }
  }
  return values;
}

export interface RegExeOptions {
  /** Default: reg.exe in the system directory. */
  regExe?: string;
}

const HIVE_NAMES: Record<RegistryHive, string> = { HKLM: 'HKLM', HKCU: 'HKCU' };

export function createWindowsRegistryReader(options: RegExeOptions = {}): PolicyRegistryReader {
  const regExe = options.regExe ?? WINDOWS_REG_EXE;
  return {
    readValues(hive: RegistryHive, key: string) {
      return new Promise<RegistryValue[]>((resolve, reject) => {
        execFile(
          regExe,
          ['query', `${HIVE_NAMES[hive]}\\${key}`],
          {
            shell: false,
            windowsHide: true,
            encoding: 'utf8',
            // Nothing from the user's environment reaches it; Windows processes expect SystemRoot.
            env: { SystemRoot: WINDOWS_DIRECTORY },
            timeout: 15_000,
          },
          (error, stdout) => {
            // reg.exe exits 1 when the key does not exist: no policy at that level.
            if (error && (error as { code?: unknown }).code === 1) return resolve([]);
            if (error) {
              const code = (error as NodeJS.ErrnoException).code;
              return reject(new Error(`${regExe} could not be run (${String(code ?? error.message)})`));
            }
            resolve(parseRegQueryOutput(stdout));
          },
        );
      });
    },
  };
}
