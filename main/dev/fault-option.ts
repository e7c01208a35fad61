// The development CLI's `--fault <source>=<mode>[:<number>]` (repeatable): a sandbox server made to fail, for
// `wessex sandbox`, and for `fetch` / `prefetch` when they run on the built-in sandbox.
import type { Command } from 'commander';
import { FAULT_SPEC_SYNTAX, parseFaultSpecs, type SandboxFaults } from '../../sandbox';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function withFaultOption(command: Command, what = 'make a sandbox source fail'): Command {
  return command.option('--fault <spec>', `${what}: ${FAULT_SPEC_SYNTAX} (repeatable)`, collect);
}

/** The faults a command was given, checked; undefined when none. */
export function faultsFromFlags(fault: unknown): SandboxFaults | undefined {
  if (fault === undefined) return undefined;
  if (!Array.isArray(fault) || !fault.every((f): f is string => typeof f === 'string'))
    throw new Error(`--fault must be given as ${FAULT_SPEC_SYNTAX}.`);
  return fault.length ? parseFaultSpecs(fault) : undefined;
}
