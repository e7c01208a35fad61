// `wessex find-patient --family <name> --dob <YYYY-MM-DD> --role <code>`: the patients with this name and date of
// birth in every configured directory, searched exactly as the app searches (validated by the bridge, audited
// as a PatientQuery by the operating-system user). Matches go to stdout (the user asked for them); a directory
// that did not answer is named on stderr and in the exit code.
import type { Command } from 'commander';
import { formatNhsNumber } from '../../../common/nhs-number';
import { PATIENT_SEARCH_LIMIT, type PatientSearchResult } from '../../../common/patient-search';
import { formatDate } from '../../../common/summary';
import { terminalText as t } from '../../../common/text-safety';
import type { CliEnvironment } from '../environment';
import { clinicianOptions, withCliSession, type ClinicianFlags } from '../viewer-session';

interface FindPatientFlags extends ClinicianFlags {
  family: string;
  given?: string;
  dob: string;
  postcode?: string;
  json?: boolean;
}

const STATE_MARK = { answered: '✓', partial: '!', failed: '✗', 'not-searched': '–' } as const;

/** The matches and each directory's answer, as a clinician reads them at a terminal. */
export function formatPatientSearch(result: PatientSearchResult): string {
  const lines: string[] = [];
  if (result.matches.length === 0) {
    lines.push(
      result.complete ? 'No patient matches.' : 'No patient matches in the directories that answered.',
    );
  }
  for (const m of result.matches) {
    const nhs = m.nhsNumber ? `NHS ${formatNhsNumber(m.nhsNumber)}` : 'no valid NHS number';
    const born = m.birthDate ? `born ${t(formatDate(m.birthDate))}` : 'date of birth not recorded';
    lines.push(`${t(m.name)}  ${born}  ${m.sex ? t(m.sex) : 'sex not recorded'}  ${nhs}`);
    const details = [
      m.address && t(m.address),
      m.registeredGp ? `GP ${t(m.registeredGp)}` : undefined,
      `held by ${m.heldBy.map(t).join(', ')}`,
    ];
    lines.push(`    ${details.filter(Boolean).join(' · ')}`);
    if (m.deceased) lines.push(`    died${m.deceased.date ? ` ${t(formatDate(m.deceased.date))}` : ''}`);
    for (const d of m.disagreements) lines.push(`    records differ: ${t(d)}`);
    lines.push(
      m.nhsNumber
        ? `    open with: wessex fetch --nhs ${m.nhsNumber}`
        : `    ${t(m.cannotOpen ?? 'cannot be opened')}`,
    );
  }
  if (result.tooMany) {
    lines.push(`More than ${PATIENT_SEARCH_LIMIT} matches: add --postcode or --given to narrow the search.`);
  }
  lines.push('Searched:');
  for (const d of result.directories) {
    const said = d.state === 'answered' ? `${d.matches} ${d.matches === 1 ? 'match' : 'matches'}` : d.state;
    lines.push(`  ${STATE_MARK[d.state]} ${t(d.name)} — ${said}${d.message ? `: ${t(d.message)}` : ''}`);
  }
  return lines.join('\n');
}

/** 0 every directory asked answered in full; 2 some did not, or too many to list; 3 none answered. */
export function findPatientExitCode(result: PatientSearchResult): number {
  const asked = result.directories.filter((d) => d.state !== 'not-searched');
  if (asked.length > 0 && asked.every((d) => d.state === 'failed')) return 3;
  return result.complete && !result.tooMany ? 0 : 2;
}

export function registerFindPatientCommand(program: Command, env: CliEnvironment): void {
  clinicianOptions(
    program
      .command('find-patient')
      .description('Find a patient by family name and date of birth in every configured directory')
      .requiredOption('--family <name>', 'family name (surname), or its start')
      .requiredOption('--dob <YYYY-MM-DD>', 'date of birth')
      .option('--given <name>', 'given name, or its start')
      .option('--postcode <postcode>', 'postcode, or its first part (e.g. BH24)')
      .option('--json', 'print the matches and each directory’s answer as JSON')
      .addHelpText(
        'after',
        [
          '',
          'Exit codes:',
          '  0  every directory answered in full',
          '  1  the command itself failed (bad input, policy problems)',
          '  2  a directory did not answer in full, or there are too many matches to list',
          '  3  no directory answered',
        ].join('\n'),
      ),
  ).action(async (flags: FindPatientFlags) => {
    await withCliSession(env, flags, {}, async (session) => {
      const result = await session.invoke('patient:search', {
        family: flags.family,
        birthDate: flags.dob,
        ...(flags.given ? { given: flags.given } : {}),
        ...(flags.postcode ? { postcode: flags.postcode } : {}),
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else console.log(formatPatientSearch(result));
      const unanswered = result.directories.filter((d) => d.state === 'failed' || d.state === 'partial');
      if (unanswered.length) {
        console.error(
          `Not every directory answered, so someone held only there is not listed: ${unanswered.map((d) => d.message ?? d.name).join('; ')}`,
        );
      }
      const code = findPatientExitCode(result);
      if (code) process.exitCode = code;
    });
  });
}
