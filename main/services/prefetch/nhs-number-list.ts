// A caseload pasted by a user or exported as CSV: one patient a line, the NHS number in any column.
// Every line that is not usable is reported with its line number, never silently dropped.
import { formatNhsNumber, isValidNhsNumber, normaliseNhsNumber } from '../../../common/nhs-number';

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
    const candidates = row.map(normaliseNhsNumber).filter((c) => /^\d{10}$/.test(c));
    if (candidates.length === 0) {
      // A header row ("NHS number,Name") is expected on line 1 of a CSV.
      if (line === 1 && !/\d/.test(raw)) return;
      problems.push({ line, message: 'No ten-digit NHS number on this line.' });
      return;
    }
    const valid = candidates.find(isValidNhsNumber);
    if (!valid) {
      problems.push({
        line,
        message: `${formatNhsNumber(candidates[0]!)} is not a valid NHS number (the check digit does not match).`,
      });
      return;
    }
    if (seen.has(valid)) return;
    seen.add(valid);
    nhsNumbers.push(valid);
  });
  return { nhsNumbers, problems };
}
