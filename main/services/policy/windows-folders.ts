// Where Windows keeps its own folders, as the installed product uses them. Never taken from the environment:
// %windir%, %SystemRoot%, %ProgramData% and PATH are the user's to set for any process they start, so a user
// could otherwise point the viewer at a reg.exe or a policy.json of their own.
//
// Why fixed paths rather than asking Windows: the system directory (GetSystemDirectoryW) and ProgramData
// (SHGetKnownFolderPath) have no API in Node or Electron, and every other route (a shell, PowerShell, the
// registry through reg.exe) starts from one of those folders. NHS Windows builds install to C:\Windows, which
// Windows Installer also assumes here. On a machine where Windows lives elsewhere reg.exe is not found at this
// path, and the policy loader reports a configuration problem naming it: the viewer fails closed, connecting
// to nothing, rather than trusting a path it cannot vouch for.
import path from 'node:path';

export const WINDOWS_DIRECTORY = 'C:\\Windows';
export const WINDOWS_SYSTEM_DIRECTORY = path.win32.join(WINDOWS_DIRECTORY, 'System32');
export const WINDOWS_PROGRAM_DATA = 'C:\\ProgramData';

/** reg.exe from the system directory, by absolute path, run without a shell. */
export const WINDOWS_REG_EXE = path.win32.join(WINDOWS_SYSTEM_DIRECTORY, 'reg.exe');

/** The folder the MSI creates with write for Administrators and SYSTEM only (users read). */
export const MACHINE_POLICY_FOLDER = path.win32.join(WINDOWS_PROGRAM_DATA, 'WessexCareRecords');

/**
 * The machine-wide variables Windows defines, with the values they have on a standard installation: what a
 * REG_EXPAND_SZ path set by IT may refer to.
 */
export const WINDOWS_MACHINE_VARIABLES: Readonly<Record<string, string>> = {
  SystemDrive: 'C:',
  SystemRoot: WINDOWS_DIRECTORY,
  windir: WINDOWS_DIRECTORY,
  ProgramData: WINDOWS_PROGRAM_DATA,
  ALLUSERSPROFILE: WINDOWS_PROGRAM_DATA,
  ProgramFiles: 'C:\\Program Files',
  ProgramW6432: 'C:\\Program Files',
  'ProgramFiles(x86)': 'C:\\Program Files (x86)',
  CommonProgramFiles: 'C:\\Program Files\\Common Files',
  CommonProgramW6432: 'C:\\Program Files\\Common Files',
  'CommonProgramFiles(x86)': 'C:\\Program Files (x86)\\Common Files',
  PUBLIC: 'C:\\Users\\Public',
};
