import { isValidNhsNumber, normaliseNhsNumber } from '../../../common/nhs-number';

/**
 * A list of NHS numbers a clinician pastes or types (the caseload to watch, the records to prefetch): one a
 * line, or separated by commas or semicolons. The screen holds the text and reads it with `readNhsNumbers`
 * when the form is sent.
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

/** The valid NHS numbers in the text, in order and without repeats; or, in plain words, what is wrong. */
export function readNhsNumbers(text: string): { nhsNumbers: string[] } | { problem: string } {
  const list = text
    .split(/[\n,;]+/)
    .map((s) => normaliseNhsNumber(s.trim()))
    .filter(Boolean);
  const invalid = list.filter((n) => !isValidNhsNumber(n));
  if (invalid.length) return { problem: `These are not valid NHS numbers: ${invalid.join(', ')}` };
  if (!list.length) return { problem: 'Enter at least one NHS number, one per line.' };
  return { nhsNumbers: [...new Set(list)] };
}
