// Faults given on the command line, e.g. `--fault chie=down`, `--fault chie=slow:20000`, `--fault dcr=500`:
// parsed once here (pure), applied by `startSandbox({ faults })` so every sandbox user has the same switch.
import { FAULT_MODES, isFaultMode, type FaultMode, type FaultOptions } from './http/faults';

/** The sandbox servers a fault can be set on. */
export const FAULT_TARGETS = ['dcr', 'chie', 'locator', 'audit'] as const;
export type FaultTarget = (typeof FAULT_TARGETS)[number];

export interface FaultSetting {
  mode: FaultMode;
  options?: FaultOptions;
}

/** At most one fault per server, e.g. `{ chie: { mode: 'down' } }`. */
export type SandboxFaults = Partial<Record<FaultTarget, FaultSetting>>;

export const FAULT_SPEC_SYNTAX = '<source>=<mode>[:<number>], e.g. chie=down, chie=slow:20000 or dcr=500';

/** What the number after the mode means, for the modes that take one. */
const NUMBER_MEANING: Partial<
  Record<FaultMode, { option: keyof FaultOptions; what: string; min: number; max: number }>
> = {
  slow: { option: 'delayMs', what: 'delay in milliseconds', min: 1, max: 600_000 },
  '429': { option: 'retryAfterSeconds', what: 'Retry-After in seconds', min: 0, max: 3_600 },
  '503': { option: 'retryAfterSeconds', what: 'Retry-After in seconds', min: 0, max: 3_600 },
  oversize: { option: 'bytes', what: 'body size in bytes', min: 1, max: 1024 ** 3 },
  'hostile-error-text': { option: 'status', what: 'HTTP status', min: 200, max: 599 },
};

function isFaultTarget(value: string): value is FaultTarget {
  return (FAULT_TARGETS as readonly string[]).includes(value);
}

/** One `<source>=<mode>[:<number>]`; throws an Error saying what is wrong, in plain words. */
export function parseFaultSpec(spec: string): { target: FaultTarget; fault: FaultSetting } {
  const match = /^\s*([^=\s]+)\s*=\s*([^:\s]+)(?::(.*))?$/.exec(spec);
  if (!match) throw new Error(`--fault "${spec}" is not ${FAULT_SPEC_SYNTAX}.`);
  const [, source = '', mode = '', number] = match;
  const target = source.toLowerCase();
  if (!isFaultTarget(target)) {
    throw new Error(
      `--fault "${spec}": there is no sandbox source "${source}"; use one of ${FAULT_TARGETS.join(', ')}.`,
    );
  }
  if (!isFaultMode(mode)) {
    throw new Error(`--fault "${spec}": unknown fault mode "${mode}"; use one of ${FAULT_MODES.join(', ')}.`);
  }
  if (number === undefined) return { target, fault: { mode } };
  const meaning = NUMBER_MEANING[mode];
  if (!meaning) throw new Error(`--fault "${spec}": the ${mode} fault takes no number.`);
  const value = Number(number);
  if (!/^\d+$/.test(number) || !Number.isSafeInteger(value) || value < meaning.min || value > meaning.max) {
    throw new Error(
      `--fault "${spec}": the ${meaning.what} must be a whole number from ${meaning.min} to ${meaning.max}.`,
    );
  }
  return { target, fault: { mode, options: { [meaning.option]: value } } };
}

/** Every `--fault` given (repeatable); one fault per source. */
export function parseFaultSpecs(specs: readonly string[]): SandboxFaults {
  const faults: SandboxFaults = {};
  for (const spec of specs) {
    const { target, fault } = parseFaultSpec(spec);
    if (faults[target]) throw new Error(`--fault: ${target} was given a fault twice; give one per source.`);
    faults[target] = fault;
  }
  return faults;
}
