// `wessex watch --file caseload.csv | --list [id] | --appointments-today --practitioner <id> --role <code>`:
// the caseload watch the app runs (the same subscriptions or polling, governance, audit and encrypted store),
// printing each admission, discharge, ED attendance, letter or death as it arrives: one line each (`--json`:
// one JSON object a line). The patient's name only with --names (the NHS number identifies them for the
// clinician). Ctrl+C ends it: the Subscriptions are deleted and the session ends, exit 0.
import type { Command } from 'commander';
import { caseloadOptions, caseloadSelection, type CaseloadFlags } from './caseload-options';
import type { CaseloadEvent, CaseloadEventKind, CaseloadWatchStatus } from '../../../common/caseload-events';
import { formatUkDateTime } from '../../../common/london-date';
import { formatNhsNumber } from '../../../common/nhs-number';
import { terminalText } from '../../../common/text-safety';
import { practitionerReference } from '../../services/composition/caseload-lookup';
import type { CliEnvironment } from '../environment';
import { clinicianOptions, withCliSession, type ClinicianFlags } from '../viewer-session';

interface WatchFlags extends ClinicianFlags, CaseloadFlags {
  json?: boolean;
  names?: boolean;
}

const KIND_WORDS: Record<CaseloadEventKind, string> = {
  admitted: 'Admitted',
  discharged: 'Discharged',
  'ed-arrival': 'ED arrival',
  'ed-departure': 'Left ED',
  'new-letter': 'New letter',
  died: 'Died',
  'new-activity': 'New activity',
};

/** One line: when, what, who (NHS number; name with --names), where or what letter, which source. */
export function eventLine(event: CaseloadEvent, names: boolean): string {
  const who = [
    formatNhsNumber(event.nhsNumber),
    ...(names && event.patientName ? [terminalText(event.patientName)] : []),
  ].join(' ');
  const detail =
    event.kind === 'new-activity'
      ? terminalText(event.withheldReason ?? 'details withheld')
      : terminalText(event.title ?? event.where ?? '');
  return [
    formatUkDateTime(event.at),
    KIND_WORDS[event.kind],
    who,
    ...(detail ? [detail] : []),
    `(${terminalText(event.sourceName)})`,
  ].join('  ');
}

export function eventJson(event: CaseloadEvent, names: boolean): string {
  const { patientName, ...rest } = event;
  return JSON.stringify(names && patientName ? { ...rest, patientName } : rest);
}

/** "Dorset Care Record: live", "CHIE: polling", "CHIE: not connected — CHIE could not be reached: …". */
function statusLines(status: CaseloadWatchStatus): string[] {
  return status.sources.map((s) => {
    const how = s.mode === 'websocket' ? 'live' : s.mode === 'polling' ? 'polling' : 'not watched';
    if (s.connected) return `${s.sourceName}: ${how}`;
    const why = s.problem?.startsWith(`${s.sourceName}: `)
      ? s.problem.slice(s.sourceName.length + 2)
      : s.problem;
    return `${s.sourceName}: ${s.mode === 'unavailable' ? how : 'not connected'}${why ? ` — ${terminalText(why)}` : ''}`;
  });
}

export function registerWatchCommand(program: Command, env: CliEnvironment): void {
  clinicianOptions(
    caseloadOptions(
      program
        .command('watch')
        .description(
          'Watch a caseload for admissions, discharges, ED attendances, new letters and deaths (Ctrl+C to stop)',
        ),
      {
        argument: '[id]',
        help: 'a FHIR List (caseload) on the first source; without an id, your current one',
      },
    )
      .option('--json', 'one JSON object a line')
      .option('--names', 'print the patient’s name as well as the NHS number'),
  ).action(async (flags: WatchFlags) => {
    const { selection, lineProblems } = caseloadSelection(flags, '[id]');
    const practitioner = practitionerReference(flags.practitioner);
    await withCliSession(
      env,
      { ...flags, ...(practitioner ? { practitioner } : {}) },
      {},
      async (session) => {
        if (session.origin === 'built-in sandbox')
          console.error('Using the built-in Wessex sandbox (synthetic patients).');
        const watch = session.viewer.caseloadWatch;
        const interrupted = new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        // Each source's connection, said once the watch has started and again whenever it changes.
        let started = false;
        let lastStatus = '';
        const sayStatus = (status: CaseloadWatchStatus) => {
          const text = statusLines(status).join('\n');
          if (started && status.watching && text !== lastStatus) console.error(text);
          lastStatus = text;
        };
        watch.onStatus(sayStatus);
        watch.onEvent((event) => {
          console.log(flags.json ? eventJson(event, !!flags.names) : eventLine(event, !!flags.names));
        });
        // One reason for the caseload, as for a prefetch.
        await session.declareReason();
        try {
          const status = await watch.start(selection);
          console.error(
            `Watching ${status.patients} patient(s) on ${status.sources.length} source(s). Press Ctrl+C to stop.`,
          );
          started = true;
          lastStatus = '';
          sayStatus(watch.status());
          await interrupted;
        } finally {
          await watch.stop();
        }
        console.error('Stopped watching; the subscriptions were removed.');
        if (lineProblems) process.exitCode = 2;
      },
    );
  });
}
