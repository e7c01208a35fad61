// The caseload a command works on, given the same way to `prefetch` and `watch`: a file of NHS numbers, a
// List on the first source, or the patients with appointments today.
import type { Command } from 'commander';

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
