import { useState, type FormEvent } from 'react';
import type { AppState, SessionInfo } from '../../../preload/contract';
import { errorMessage, invoke } from '../bridge';

// Main checks the same minimum (main/services/governance/access-reason.ts); saying it here saves a round trip.
const MIN_BREAK_GLASS_REASON = 10;

/**
 * A standalone session has no EPR context: say why you are looking (from main's list, AppState.accessReasons),
 * or break the glass with a reason in your own words.
 */
export function ReasonForAccess({
  reasons,
  onDeclared,
}: {
  reasons: AppState['accessReasons'];
  onDeclared: (s: SessionInfo) => void;
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
    }).then(onDeclared, (err: unknown) => setError(errorMessage(err)));
  };

  return (
    <main className="wx-page" id="main" data-testid="reason-for-access">
      <form onSubmit={submit} noValidate>
        <h1>Why are you accessing this record?</h1>
        <p>
          You opened the viewer without a patient from your clinical system. Your reason is recorded in the
          audit trail.
        </p>
        {error && (
          <div className="nhsuk-error-summary" role="alert" aria-labelledby="reason-error-title">
            <h2 className="nhsuk-error-summary__title" id="reason-error-title">
              There is a problem
            </h2>
            <p className="nhsuk-error-summary__body">{error}</p>
          </div>
        )}
        <fieldset className="nhsuk-fieldset" disabled={breakGlass}>
          <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Reason for access</legend>
          <div className="nhsuk-radios">
            {reasons.map((r) => (
              <div className="nhsuk-radios__item" key={r.code}>
                <input
                  className="nhsuk-radios__input"
                  id={`reason-${r.code}`}
                  type="radio"
                  name="reason"
                  value={r.code}
                  checked={reason === r.code}
                  onChange={() => setReason(r.code)}
                />
                <label className="nhsuk-label nhsuk-radios__label" htmlFor={`reason-${r.code}`}>
                  {r.label}
                </label>
              </div>
            ))}
          </div>
        </fieldset>
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
              Emergency access (break-glass): none of these reasons apply and this is an emergency
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
        <button type="submit" className={breakGlass ? 'nhsuk-button nhsuk-button--warning' : 'nhsuk-button'}>
          {breakGlass ? 'Break the glass and continue' : 'Continue'}
        </button>
      </form>
    </main>
  );
}
