// How complete a fetched record is, as `wessex fetch` reports it in its exit code: a script (or a support
// engineer) must be able to tell "the whole record" from "part of it" from "nothing at all".
import { failedBecause } from '../../common/failure-words';
import type { SourceStatus } from '../../common/record';

const FETCH_EXIT = {
  /** Every source answered completely. */
  complete: 0,
  /** The command itself failed (bad input, policy problems): runProgram's code for any thrown error. */
  failed: 1,
  /**
   * At least one source was partial, failed, not reached, only a saved copy or withheld (the patient declined
   * to share it, or the source refused this user), but something was shown.
   */
  incomplete: 2,
  /** No source answered. */
  nothing: 3,
} as const;

export interface FetchOutcome {
  exitCode: (typeof FETCH_EXIT)[keyof typeof FETCH_EXIT];
  /** Plain words for stderr when the record is not complete (source names and states only, no patient data). */
  message?: string;
}

/** The source said something we show: live, in full or in part, or its saved copy. */
const answered = (s: SourceStatus): boolean =>
  s.state === 'complete' || s.state === 'partial' || s.savedCopy !== undefined;

function why(s: SourceStatus): string {
  if (s.declined) return `${s.name} withheld: the patient has declined to share it`;
  // The source refused this user (its regional policy): its own words, already naming it.
  if (s.refusal && s.message) return s.message;
  if (s.savedCopy && (s.state === 'complete' || s.state === 'partial')) {
    return `${s.name} saved copy from ${s.savedCopy.asOf}`;
  }
  const state = s.state === 'not-reached' ? 'not reached' : s.state === 'pending' ? 'no answer' : s.state;
  // Source messages often start with the source's name ("CHIE could not be reached: …"): say it once.
  const detail = s.message?.startsWith(`${s.name} `) ? s.message.slice(s.name.length + 1) : s.message;
  const saved = s.savedCopy ? ` (showing its saved copy from ${s.savedCopy.asOf})` : '';
  // A source that did not answer says why in its own words ("CHIE could not be reached: …"), not "failed: …".
  const words =
    s.state === 'partial' ? (detail ? `${state}: ${detail}` : state) : failedBecause(state, detail);
  return `${s.name} ${words}${saved}`;
}

/**
 * `heldApart`: sources whose patient may be someone else — their entries are not in the record, so it is not
 * the whole record even when every source answered.
 */
export function fetchOutcome(
  sources: readonly SourceStatus[],
  heldApart: readonly { sourceName: string }[] = [],
): FetchOutcome {
  const short = sources.filter((s) => s.state !== 'complete' || s.savedCopy || s.declined);
  if (sources.length === 0 || !sources.some(answered)) {
    return {
      exitCode: FETCH_EXIT.nothing,
      message: `No source answered: ${short.map(why).join('; ') || 'no record sources are configured'}.`,
    };
  }
  const apart = heldApart.map((h) => `${h.sourceName} held apart: its patient may be a different person`);
  if (short.length || apart.length) {
    return {
      exitCode: FETCH_EXIT.incomplete,
      message: `The record is incomplete: ${[...short.map(why), ...apart].join('; ')}.`,
    };
  }
  return { exitCode: FETCH_EXIT.complete };
}
