// The caseload a command works on, given the same way to `prefetch` and `watch`: a file of NHS numbers, a
// List on the first source, or the patients with appointments today.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CaseloadSelection } from '../../../common/caseload-events';
import { practitionerReference } from '../../services/composition/caseload-lookup';
import { parseNhsNumberList } from '../../../common/nhs-number-list';

export interface CaseloadFlags {
  file?: string;
  /** `--list` alone (where allowed): the practitioner's current caseload List. */
  list?: string | boolean;
  appointmentsToday?: boolean;
  practitioner?: string;
}

export function caseloadOptions(
  command: Command,
  list: { argument: '<id>' | '[id]'; help: string },
): Command {
  return command
    .option('--file <file>', 'a CSV or text file with one NHS number a line')
    .option(`--list ${list.argument}`, list.help)
    .option('--appointments-today', 'the patients with appointments today (with --practitioner)')
    .option('--practitioner <id>', 'who you are on the record sources: a Practitioner id or reference');
}

/** The caseload the flags name, with the file's unusable lines (reported on stderr, never dropped silently). */
export function caseloadSelection(
  flags: CaseloadFlags,
  listArgument: '<id>' | '[id]',
): { selection: CaseloadSelection; lineProblems: number } {
  const chosen = [flags.file, flags.list, flags.appointmentsToday].filter(Boolean).length;
  if (chosen !== 1) {
    throw new Error(
      `Give exactly one of --file <caseload.csv>, --list ${listArgument} or --appointments-today.`,
    );
  }
  if (flags.practitioner !== undefined && !practitionerReference(flags.practitioner)) {
    throw new Error(`"${flags.practitioner}" is not a Practitioner id or reference.`);
  }
  if (flags.list) {
    const listId = typeof flags.list === 'string' ? flags.list : undefined;
    if (!listId && !flags.practitioner) throw new Error('--list without an id needs --practitioner <id>.');
    return { selection: { fromSource: 'caseload-list', ...(listId ? { listId } : {}) }, lineProblems: 0 };
  }
  if (flags.appointmentsToday) {
    if (!flags.practitioner) throw new Error('--appointments-today needs --practitioner <id>.');
    return { selection: { fromSource: 'appointments-today' }, lineProblems: 0 };
  }
  let text: string;
  try {
    text = readFileSync(flags.file!, 'utf8');
  } catch {
    throw new Error(`The caseload file ${flags.file} could not be read.`);
  }
  const list = parseNhsNumberList(text);
  if (list.problems.length) {
    console.error(`${list.problems.length} line(s) of the caseload could not be used:`);
    for (const p of list.problems) console.error(`  line ${p.line}: ${p.message}`);
  }
  if (list.nhsNumbers.length === 0) throw new Error('The caseload holds no valid NHS numbers.');
  return { selection: { nhsNumbers: list.nhsNumbers }, lineProblems: list.problems.length };
}
