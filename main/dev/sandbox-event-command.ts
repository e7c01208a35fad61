// `wessex sandbox event admit|discharge|ed|letter|death <patient> [--source dcr|chie] [--where "..."]`: makes
// something happen to a sandbox patient on a running sandbox (`wessex sandbox` or `npm start`), through its
// loopback admin endpoint, so the caseload alerts can be watched arriving (issue 18).
import type { Command } from 'commander';
import { SANDBOX_EVENT_KINDS, type SandboxEventKind } from '../../sandbox';
import { readSandboxState, sandboxStatePath } from './sandbox-state';

interface EventOptions {
  source?: string;
  where?: string;
  admin?: string;
}

const DONE: Record<SandboxEventKind, string> = {
  admit: 'Admitted',
  discharge: 'Discharged',
  ed: 'Sent to ED',
  letter: 'Filed a discharge letter for',
  death: 'Recorded the death of',
};
const SOURCE_NAMES: Record<string, string> = { dcr: 'Dorset Care Record', chie: 'CHIE' };

export function registerSandboxEventCommand(sandbox: Command): void {
  sandbox
    .command('event')
    .description(
      'On a running sandbox: admit, discharge, send to ED, file a discharge letter for, or record the death of a patient',
    )
    .argument('<kind>', SANDBOX_EVENT_KINDS.join(' | '))
    .argument('<patient>', 'sandbox patient key (e.g. frail) or NHS number')
    .option('--source <source>', 'dcr or chie', 'dcr')
    .option('--where <text>', 'the ward, department or hospital')
    .option(
      '--admin <url>',
      "the sandbox's admin endpoint (default: the running sandbox's, from its state file)",
    )
    .action(async (kind: string, patient: string, options: EventOptions) => {
      if (!(SANDBOX_EVENT_KINDS as readonly string[]).includes(kind))
        throw new Error(`The event must be one of ${SANDBOX_EVENT_KINDS.join(', ')}, not "${kind}".`);
      const source = options.source ?? 'dcr';
      if (source !== 'dcr' && source !== 'chie')
        throw new Error(`--source must be dcr or chie, not "${source}".`);
      const admin = options.admin ?? (await readSandboxState())?.admin;
      if (!admin)
        throw new Error(
          `No running sandbox found (${sandboxStatePath()} is missing): start one with "wessex sandbox" or "npm start", or give --admin.`,
        );
      let response: Response;
      try {
        response = await fetch(`${admin.replace(/\/$/, '')}/${kind}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ patient, source, ...(options.where ? { where: options.where } : {}) }),
        });
      } catch {
        throw new Error('The sandbox could not be reached: is it still running?');
      }
      const body = (await response.json().catch(() => ({}))) as {
        error?: string;
        resourceType?: string;
        id?: string;
        status?: string;
      };
      if (!response.ok) throw new Error(`The sandbox refused: ${body.error ?? `HTTP ${response.status}`}`);
      const status = body.status ? ` (${body.status})` : '';
      console.log(
        `${DONE[kind as SandboxEventKind]} ${patient} on ${SOURCE_NAMES[source]}: ${body.resourceType}/${body.id}${status}`,
      );
    });
}
