// REG_EXPAND_SZ values: %VAR% replaced as Windows would, but only from variables the viewer can vouch for.
//
// Where it matters (a path such as sensitiveCodeListPath decides which codes are hidden), the user's own
// environment must not steer a setting IT made: anyone can start the viewer with %ProgramData% pointing at a
// folder of their own. So in the installed product a machine (HKLM) setting expands only the variables Windows
// defines for the whole machine, with their standard values; a user (HKCU) setting may also use the user's own
// profile folders (%LOCALAPPDATA%, %APPDATA%, %USERPROFILE%), which are that user's whatever the variable says.
// A development build expands from its environment (falling back to the standard folders). A variable outside that set is a configuration problem,
// never left in the path as text or replaced by nothing.
import type { RegistryHive } from './registry';
import { WINDOWS_MACHINE_VARIABLES } from './windows-folders';

/** Lower-case variable name → value (Windows variable names are case-insensitive). */
export type VariableTable = ReadonlyMap<string, string>;

export type ExpansionVariables = Readonly<Record<RegistryHive, VariableTable>>;

const USER_PROFILE_VARIABLES = ['USERPROFILE', 'LOCALAPPDATA', 'APPDATA'];

function table(entries: Iterable<[string, string | undefined]>): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of entries) if (value !== undefined) map.set(name.toLowerCase(), value);
  return map;
}

export function expansionVariables(env: NodeJS.ProcessEnv, packaged: boolean): ExpansionVariables {
  const machine = table(Object.entries(WINDOWS_MACHINE_VARIABLES));
  if (!packaged) {
    // Development: the environment, over Windows' standard folders (so a checkout on Linux expands alike).
    const all = new Map([...machine, ...table(Object.entries(env))]);
    return { HKLM: all, HKCU: all };
  }
  const fromEnv = table(Object.entries(env));
  const user = new Map(machine);
  for (const name of USER_PROFILE_VARIABLES) {
    const value = fromEnv.get(name.toLowerCase());
    if (value) user.set(name.toLowerCase(), value);
  }
  return { HKLM: machine, HKCU: user };
}

export type Expanded = { ok: true; value: string } | { ok: false; message: string };

export function expandVariables(text: string, variables: VariableTable): Expanded {
  const unknown: string[] = [];
  const value = text.replace(/%([^%]+)%/g, (whole, name: string) => {
    const found = variables.get(name.toLowerCase());
    if (found === undefined) unknown.push(`%${name}%`);
    return found ?? whole;
  });
  if (unknown.length === 0) return { ok: true, value };
  return {
    ok: false,
    message:
      `uses ${unknown.join(', ')}, which cannot be expanded here (a machine setting may use only the variables ` +
      'Windows defines for the whole machine, such as %ProgramData% or %ProgramFiles%)',
  };
}

/** True when a value holds a %VAR% reference (a REG_SZ keeps it as text: Windows never expands one). */
export function hasVariableReference(text: string): boolean {
  return /%[^%]+%/.test(text);
}
