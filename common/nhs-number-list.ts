// A caseload pasted by a user or exported as CSV: one patient a line, the NHS number in any column, or a plain
// list of NHS numbers, one or several a line. Every number or line that is not usable is reported with its line
// number, never silently dropped; a line is never guessed at.
import { formatNhsNumber, isValidNhsNumber, normaliseNhsNumber } from './nhs-number';

export interface ListProblem {
  line: number;
  message: string;
}

export interface ParsedNhsNumberList {
  /** Valid NHS numbers (ten digits, no spaces), in order, without repeats. */
  nhsNumbers: string[];
  problems: ListProblem[];
}

const MAX_LINES = 5_000;

function cells(line: string): string[] {
  return line
    .split(/[,;\t|]/)
    .map((c) =>
      c
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .trim(),
    )
    .filter((c) => c.length > 0);
}

const notValid = (n: string) =>
  `${formatNhsNumber(n)} is not a valid NHS number (the check digit does not match).`;

export function parseNhsNumberList(text: string): ParsedNhsNumberList {
  const nhsNumbers: string[] = [];
  const problems: ListProblem[] = [];
  const seen = new Set<string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > MAX_LINES) {
    problems.push({ line: MAX_LINES + 1, message: `Only the first ${MAX_LINES} lines were read.` });
  }
  lines.slice(0, MAX_LINES).forEach((raw, index) => {
    const line = index + 1;
    const row = cells(raw);
    if (row.length === 0) return;
    const tenDigits = row.map(normaliseNhsNumber).filter((c) => /^\d{10}$/.test(c));
    const candidates = [...new Set(tenDigits)];
    if (candidates.length === 0) {
      // A header row ("NHS number,Name") is expected on line 1 of a CSV.
      if (line === 1 && !/\d/.test(raw)) return;
      problems.push({ line, message: 'No ten-digit NHS number on this line.' });
      return;
    }
    const add = (n: string) => {
      if (seen.has(n)) return;
      seen.add(n);
      nhsNumbers.push(n);
    };
    // A line of numbers only is a list: each must be an NHS number.
    if (tenDigits.length === row.length) {
      for (const n of candidates) {
        if (isValidNhsNumber(n)) add(n);
        else problems.push({ line, message: notValid(n) });
      }
      return;
    }
    // A CSV row: one patient, whose NHS number is the one ten-digit cell that passes the check.
    const valid = candidates.filter(isValidNhsNumber);
    if (valid.length === 0) problems.push({ line, message: notValid(candidates[0]!) });
    else if (valid.length > 1)
      problems.push({
        line,
        message: `More than one NHS number on this line (${valid.map(formatNhsNumber).join(', ')}): which patient is meant?`,
      });
    else add(valid[0]!);
  });
  return { nhsNumbers, problems };
}
