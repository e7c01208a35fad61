import { parseNhsNumberList } from '../../../common/nhs-number-list';

/**
 * A list of NHS numbers a clinician pastes or types (the caseload to watch, the records to prefetch): one a
 * line, several separated by commas or semicolons, or a caseload CSV with the NHS number in any column, read
 * as the command line reads a list file. The screen holds the text and reads it with `readNhsNumbers` when
 * the form is sent.
 */
export function NhsNumbersField({
  id,
  value,
  onChange,
}: {
  id: string;
  value: string;
  onChange: (text: string) => void;
}) {
  return (
    <div className="nhsuk-form-group">
      <label className="nhsuk-label" htmlFor={id}>
        NHS numbers, one per line
      </label>
      <textarea
        className="nhsuk-textarea"
        id={id}
        rows={4}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}

/** Lines reported at most, so a pasted spreadsheet of mistakes does not bury the form. */
const PROBLEMS_SHOWN = 5;

/** The NHS numbers in the text, in order and without repeats; or, in plain words, every line that is wrong. */
export function readNhsNumbers(text: string): { nhsNumbers: string[] } | { problem: string } {
  const { nhsNumbers, problems } = parseNhsNumberList(text);
  if (problems.length) {
    const more = problems.length - PROBLEMS_SHOWN;
    const lines = problems.slice(0, PROBLEMS_SHOWN).map((p) => `Line ${p.line}: ${p.message}`);
    return { problem: [...lines, ...(more > 0 ? [`and ${more} more lines.`] : [])].join(' ') };
  }
  if (!nhsNumbers.length) return { problem: 'Enter at least one NHS number, one per line.' };
  return { nhsNumbers };
}
