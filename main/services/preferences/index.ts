// The user's non-sensitive preferences (view choices, the last caseload list used), kept in
// <dataDir>/preferences.json behind one interface. The Electron shell stores them with electron-store; headless
// (CLI, harness, tests) with `conf`, the engine electron-store is built on — importing electron-store outside
// Electron pulls in the `electron` package. With an explicit directory both write the same file, atomically.
import { readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { preferencesSchema, type Preferences, type PreferencesPatch } from '../../../common/preferences';

export { preferencesSchema, type Preferences, type PreferencesPatch };

/** Reads and writes open the file on first use: a CLI command that never touches preferences never loads it. */
export interface PreferencesStore {
  get(): Promise<Preferences>;
  /** Validates the merged result; throws a clear error (and writes nothing) when it is invalid. */
  update(patch: PreferencesPatch): Promise<Preferences>;
  reset(): Promise<Preferences>;
  readonly path: string;
}

export interface OpenedPreferences {
  store: PreferencesStore;
  /** Set when an unreadable file was moved aside (kept, not deleted) and defaults were used instead. */
  recovered?: { movedTo: string; reason: string };
}

const CONFIG_NAME = 'preferences';

/** What both conf and electron-store are: a JSON file read and written whole. */
export interface KeyValueFile {
  store: Record<string, unknown>;
  readonly path: string;
  clear(): void;
}

export type OpenKeyValueFile = (options: {
  cwd: string;
  configName: string;
  configFileMode: number;
}) => Promise<KeyValueFile>;

/** Headless: conf, loaded only when preferences are opened (CLI commands that never do, never pay for it). */
export const openConfFile: OpenKeyValueFile = async (options) => {
  const { default: Conf } = await import('conf');
  return new Conf<Record<string, unknown>>(options);
};

export function preferencesPath(dir: string): string {
  return path.join(dir, `${CONFIG_NAME}.json`);
}

/** A file that is not valid preferences is set aside whole, so nothing the user had is destroyed. */
async function quarantineIfInvalid(file: string): Promise<OpenedPreferences['recovered']> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let reason: string | undefined;
  try {
    const parsed = preferencesSchema.strict().safeParse(JSON.parse(text));
    if (!parsed.success)
      reason = `invalid value for ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`;
  } catch {
    reason = 'not valid JSON';
  }
  if (!reason) return undefined;
  const movedTo = `${file}.unreadable-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  await rename(file, movedTo);
  return { movedTo, reason };
}

export async function openPreferences(
  dir: string,
  open: OpenKeyValueFile = openConfFile,
): Promise<OpenedPreferences> {
  const recovered = await quarantineIfInvalid(preferencesPath(dir));
  let opened: Promise<KeyValueFile> | undefined;
  const file = () => (opened ??= open({ cwd: dir, configName: CONFIG_NAME, configFileMode: 0o600 }));
  const read = async (): Promise<Preferences> => preferencesSchema.parse((await file()).store);
  const store: PreferencesStore = {
    get: read,
    async update(patch) {
      const result = preferencesSchema.strict().safeParse({ ...(await read()), ...patch });
      if (!result.success) {
        const issue = result.error.issues[0];
        if (issue?.code === 'unrecognized_keys')
          throw new Error(`Unknown preference ${issue.keys.join(', ')}`);
        throw new Error(`Preference ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`);
      }
      (await file()).store = result.data;
      return result.data;
    },
    async reset() {
      (await file()).clear();
      return read();
    },
    path: preferencesPath(dir),
  };
  return recovered ? { store, recovered } : { store };
}
