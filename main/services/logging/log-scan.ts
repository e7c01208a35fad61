// Checks written logs for identifiers that must never be there (used by the logging and session tests).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface LogLeak {
  file: string;
  /** Index into the identifiers given, so the report does not repeat the identifier itself. */
  identifierIndex: number;
  line: number;
}

/** The spellings an identifier may take in a log: NHS numbers also in 3-3-4 groups with spaces or dashes. */
function spellings(identifier: string): string[] {
  const digits = identifier.replace(/[\s-]/g, '');
  if (/^\d{10}$/.test(digits)) {
    const [a, b, c] = [digits.slice(0, 3), digits.slice(3, 6), digits.slice(6)];
    return [digits, `${a} ${b} ${c}`, `${a}-${b}-${c}`];
  }
  return [identifier.toLowerCase()];
}

export async function findIdentifiersInLogs(
  identifiers: readonly string[],
  logDir: string,
): Promise<LogLeak[]> {
  const leaks: LogLeak[] = [];
  let entries: string[];
  try {
    entries = await readdir(logDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  for (const name of entries.filter((entry) => entry.endsWith('.log')).sort()) {
    const file = path.join(logDir, name);
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines.forEach((text, lineIndex) => {
      const lower = text.toLowerCase();
      identifiers.forEach((identifier, identifierIndex) => {
        if (identifier.trim().length < 2) return;
        if (spellings(identifier.trim()).some((spelling) => lower.includes(spelling))) {
          leaks.push({ file, identifierIndex, line: lineIndex + 1 });
        }
      });
    });
  }
  return leaks;
}

/** Throws when any identifier appears in any *.log file under logDir. */
export async function assertLogsFreeOf(identifiers: readonly string[], logDir: string): Promise<void> {
  const leaks = await findIdentifiersInLogs(identifiers, logDir);
  if (leaks.length > 0) {
    const where = leaks.map((leak) => `identifier #${leak.identifierIndex} at ${leak.file}:${leak.line}`);
    throw new Error(`Patient identifiers or tokens found in logs:\n${where.join('\n')}`);
  }
}
