import { useState, type FormEvent } from 'react';
import type { AppState, SessionInfo } from '../../../preload/contract';
import { formatNhsNumber } from '../../../common/nhs-number';
import { errorMessage, invoke } from '../bridge';

// Main checks the same minimum (main/services/governance/access-reason.ts); saying it here saves a round trip.
const MIN_BREAK_GLASS_REASON = 10;

/** The listed legitimate-relationship reasons, as radios (one patient's reason, or a caseload's). */
export function ReasonChoices({
  reasons,
  chosen,
  onChoose,
  legend,
  disabled = false,
  forList = false,
}: {
  reasons: AppState['accessReasons'];
  chosen: string;
  onChoose: (code: string) => void;
  legend: string;
  disabled?: boolean;
  /** One reason for a list of patients (a caseload): worded for them all. */
  forList?: boolean;
}) {
  return (
    <fieldset className="nhsuk-fieldset" disabled={disabled}>
      <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{legend}</legend>
      <div className="nhsuk-radios">
        {reasons.map((r) => (
          <div className="nhsuk-radios__item" key={r.code}>
            <input
              className="nhsuk-radios__input"
              id={`reason-${r.code}`}
              type="radio"
              name="reason"
              value={r.code}
              checked={chosen === r.code}
              onChange={() => onChoose(r.code)}
            />
            <label className="nhsuk-label nhsuk-radios__label" htmlFor={`reason-${r.code}`}>
              {forList ? r.listLabel : r.label}
            </label>
          </div>
        ))}
      </div>
    </fieldset>
  );
}

/**
 * Opening a patient the session has no reason for (any patient but the one the EPR launched with): say why you
 * are looking at this patient (from main's list, AppState.accessReasons), or break the glass for this patient
 * with a reason in your own words. The reason covers this patient only.
 */
export function ReasonForAccess({
  patient,
  reasons,
  onDeclared,
  onCancel,
}: {
  patient: { nhsNumber: string; name?: string };
  reasons: AppState['accessReasons'];
  onDeclared: (s: SessionInfo) => void;
  onCancel: () => void;
}) {
  const [reason, setReason] = useState('');
  const [breakGlass, setBreakGlass] = useState(false);
  const [freeText, setFreeText] = useState('');
  const [error, setError] = useState<string>();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (breakGlass && freeText.trim().length < MIN_BREAK_GLASS_REASON) {
      setError(
        `Enter the reason you need emergency access (at least ${MIN_BREAK_GLASS_REASON} characters). It is recorded and reviewed.`,
      );
      return;
    }
    if (!breakGlass && !reason) {
      setError('Choose the reason you are accessing this record.');
      return;
    }
    const reasonCode = breakGlass ? 'break-glass' : reason;
    invoke('access:declare-reason', {
      reasonCode,
      breakGlass,
      freeText: freeText.trim() || undefined,
      nhsNumber: patient.nhsNumber,
    }).then(onDeclared, (err: unknown) => setError(errorMessage(err)));
  };

  return (
    <main className="wx-page" id="main" data-testid="reason-for-access">
      <form onSubmit={submit} noValidate>
        <h1>Why are you accessing this patient’s record?</h1>
        <dl className="wx-reason-patient" data-testid="reason-patient">
          {patient.name && (
            <>
              <dt>Patient</dt>
              <dd>
                <bdi>{patient.name}</bdi>
              </dd>
            </>
          )}
          <dt>NHS number</dt>
          <dd>{formatNhsNumber(patient.nhsNumber)}</dd>
        </dl>
        <p>
          Your reason covers this patient only: each other patient you open needs their own. It is recorded in
          the audit trail.
        </p>
        {error && (
          <div className="nhsuk-error-summary" role="alert" aria-labelledby="reason-error-title">
            <h2 className="nhsuk-error-summary__title" id="reason-error-title">
              There is a problem
            </h2>
            <p className="nhsuk-error-summary__body">{error}</p>
          </div>
        )}
        <ReasonChoices
          reasons={reasons}
          chosen={reason}
          onChoose={setReason}
          legend="Reason for access"
          disabled={breakGlass}
        />
        <div className="nhsuk-checkboxes wx-breakglass">
          <div className="nhsuk-checkboxes__item">
            <input
              className="nhsuk-checkboxes__input"
              id="break-glass"
              type="checkbox"
              checked={breakGlass}
              onChange={(e) => setBreakGlass(e.target.checked)}
            />
            <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor="break-glass">
              Emergency access (break-glass) to this patient: none of these reasons apply and this is an
              emergency
            </label>
          </div>
        </div>
        <div className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor="reason-text">
            {breakGlass ? 'Reason for emergency access (required)' : 'More detail (optional)'}
          </label>
          {breakGlass && (
            <div className="nhsuk-hint" id="reason-text-hint">
              In your own words, at least {MIN_BREAK_GLASS_REASON} characters. It is recorded and reviewed.
            </div>
          )}
          <textarea
            className="nhsuk-textarea"
            id="reason-text"
            rows={3}
            maxLength={500}
            value={freeText}
            onChange={(e) => setFreeText(e.target.value)}
            aria-required={breakGlass}
            aria-describedby={breakGlass ? 'reason-text-hint' : undefined}
          />
        </div>
        <div className="wx-button-row">
          <button
            type="submit"
            className={breakGlass ? 'nhsuk-button nhsuk-button--warning' : 'nhsuk-button'}
          >
            {breakGlass ? 'Break the glass and continue' : 'Continue'}
          </button>
          <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={onCancel}>
            Back to Find a patient
          </button>
        </div>
      </form>
    </main>
  );
}
