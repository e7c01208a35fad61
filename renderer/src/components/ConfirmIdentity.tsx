// An unverified NHS number is never used to search regional records silently: the clinician asks the patient
// (or checks their notes) for their surname and date of birth and types them in — nothing is filled in for
// them — then the record is opened again (audited in main) and every regional match is checked against them.
import { useId, useState, type FormEvent } from 'react';
import { londonDate } from '../../../common/london-date';
import { dateOfBirthFrom } from '../../../common/patient-search';
import { errorMessage, invoke } from '../bridge';

interface Errors {
  familyName?: string;
  birthDate?: string;
  checked?: string;
  submit?: string;
}

export function ConfirmIdentity({
  nhsNumber,
  reason,
  onConfirmed,
}: {
  nhsNumber: string;
  /** Why regional records were not searched (the engine's words). */
  reason: string;
  onConfirmed: () => void;
}) {
  const id = useId();
  const [familyName, setFamilyName] = useState('');
  const [dob, setDob] = useState({ day: '', month: '', year: '' });
  const [checked, setChecked] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const dateOfBirth = dateOfBirthFrom(dob, londonDate(new Date()));
    const birthDate = 'birthDate' in dateOfBirth ? dateOfBirth.birthDate : undefined;
    const found: Errors = {};
    if (!familyName.trim()) found.familyName = 'Enter the patient’s surname';
    if (!birthDate)
      found.birthDate = 'Enter the patient’s date of birth as day, month and year, like 20 7 1936';
    if (!checked)
      found.checked = 'Tick to say you have checked these details with the patient or their notes';
    setErrors(found);
    if (Object.keys(found).length || !birthDate) return;
    setBusy(true);
    invoke('record:confirm-identity', { nhsNumber, familyName: familyName.trim(), birthDate }).then(
      () => onConfirmed(),
      (e: unknown) => {
        setBusy(false);
        setErrors({ submit: errorMessage(e) });
      },
    );
  };

  const field = (key: 'day' | 'month' | 'year', label: string, width: string) => (
    <div className="wx-date-input__item">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input
        id={`${id}-${key}`}
        className={`nhsuk-input ${width}`}
        inputMode="numeric"
        value={dob[key]}
        aria-invalid={!!errors.birthDate}
        aria-describedby={errors.birthDate ? `${id}-dob-error` : undefined}
        onChange={(e) => setDob((d) => ({ ...d, [key]: e.target.value }))}
      />
    </div>
  );

  return (
    <section
      className="wx-notice wx-notice--warning wx-confirm"
      aria-labelledby={`${id}-h`}
      data-testid="confirm-identity"
    >
      <h2 id={`${id}-h`}>Confirm identity to search regional records</h2>
      <p>
        {reason}. Check the patient’s surname and date of birth with the patient or their notes. If they match
        the clinical system, regional records are searched and any record that does not match is held apart.
      </p>
      <form onSubmit={submit} noValidate>
        <div className="wx-field">
          <label htmlFor={`${id}-family`}>Surname</label>
          {errors.familyName && (
            <p className="wx-error" id={`${id}-family-error`}>
              {errors.familyName}
            </p>
          )}
          <input
            id={`${id}-family`}
            className="nhsuk-input wx-input--name"
            autoComplete="off"
            value={familyName}
            aria-invalid={!!errors.familyName}
            aria-describedby={errors.familyName ? `${id}-family-error` : undefined}
            onChange={(e) => setFamilyName(e.target.value)}
          />
        </div>
        <fieldset className="wx-field wx-date-input">
          <legend>Date of birth</legend>
          {errors.birthDate && (
            <p className="wx-error" id={`${id}-dob-error`}>
              {errors.birthDate}
            </p>
          )}
          {field('day', 'Day', 'wx-input--2')}
          {field('month', 'Month', 'wx-input--2')}
          {field('year', 'Year', 'wx-input--4')}
        </fieldset>
        <div className="wx-field wx-check">
          {errors.checked && (
            <p className="wx-error" id={`${id}-checked-error`}>
              {errors.checked}
            </p>
          )}
          <input
            id={`${id}-checked`}
            type="checkbox"
            checked={checked}
            aria-invalid={!!errors.checked}
            aria-describedby={errors.checked ? `${id}-checked-error` : undefined}
            onChange={(e) => setChecked(e.target.checked)}
          />
          <label htmlFor={`${id}-checked`}>I have checked these with the patient or their notes</label>
        </div>
        {errors.submit && (
          <p className="wx-error" role="alert" data-testid="confirm-identity-error">
            {errors.submit}
          </p>
        )}
        <button type="submit" className="nhsuk-button" disabled={busy}>
          {busy ? 'Confirming…' : 'Confirm identity and search regional records'}
        </button>
      </form>
    </section>
  );
}
