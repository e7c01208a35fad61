import { useState, type FormEvent } from 'react';
import { formatNhsNumber, isValidNhsNumber, normaliseNhsNumber } from '../../../common/nhs-number';
import { formatUkDate } from '../../../common/london-date';
import { formatDate } from '../../../common/summary';
import type { CachedRecordSummary, SandboxPatientInfo } from '../../../preload/contract';
import { errorMessage, invoke } from '../bridge';
import { PatientSearch } from './PatientSearch';

/**
 * No patient in context: type an NHS number, search by name and date of birth, pick a sandbox patient, or
 * search the offline copies.
 */
export function PatientPicker({
  sandboxPatients,
  onOpen,
}: {
  sandboxPatients: SandboxPatientInfo[];
  /** `name`: shown when the clinician is asked for their reason to see this patient. */
  onOpen: (nhsNumber: string, preferOffline?: boolean, name?: string) => void;
}) {
  const [nhs, setNhs] = useState('');
  const [nhsError, setNhsError] = useState<string>();
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<CachedRecordSummary[]>();
  const [searchError, setSearchError] = useState<string>();

  const openNumber = (e: FormEvent) => {
    e.preventDefault();
    if (!isValidNhsNumber(nhs)) {
      setNhsError('Enter a valid 10-digit NHS number, like 943 476 5919.');
      return;
    }
    setNhsError(undefined);
    onOpen(normaliseNhsNumber(nhs));
  };

  const search = (e: FormEvent) => {
    e.preventDefault();
    if (!query.trim()) return;
    invoke('cache:search', { query }).then(
      (r) => {
        setFound(r);
        setSearchError(undefined);
      },
      (err: unknown) => setSearchError(errorMessage(err)),
    );
  };

  return (
    <main className="wx-page" id="main" data-testid="patient-picker">
      <h1>Find a patient</h1>
      <form
        onSubmit={openNumber}
        noValidate
        className={nhsError ? 'nhsuk-form-group nhsuk-form-group--error' : 'nhsuk-form-group'}
      >
        <label className="nhsuk-label nhsuk-label--s" htmlFor="nhs-number">
          NHS number
        </label>
        {nhsError && (
          <span className="nhsuk-error-message" id="nhs-number-error" role="alert">
            <span className="nhsuk-u-visually-hidden">Error:</span> {nhsError}
          </span>
        )}
        <div className="wx-inline-form">
          <input
            className="nhsuk-input nhsuk-input--width-10"
            id="nhs-number"
            inputMode="numeric"
            autoComplete="off"
            value={nhs}
            aria-describedby={nhsError ? 'nhs-number-error' : undefined}
            onChange={(e) => setNhs(e.target.value)}
          />
          <button type="submit" className="nhsuk-button">
            Open record
          </button>
        </div>
      </form>

      <PatientSearch onOpen={(nhsNumber, name) => onOpen(nhsNumber, false, name)} />

      {sandboxPatients.length > 0 && (
        <section aria-labelledby="h-sandbox">
          <h2 id="h-sandbox">Sandbox patients</h2>
          <p className="wx-muted">Synthetic patients on the built-in Wessex sandbox. No real patient data.</p>
          <ul className="wx-list" data-testid="sandbox-patients">
            {sandboxPatients.map((p) => (
              <li key={p.nhsNumber} className="wx-list__item">
                <button
                  type="button"
                  className="wx-linkbutton"
                  onClick={() => onOpen(p.nhsNumber, false, p.name)}
                >
                  {p.name}
                </button>{' '}
                <span className="wx-muted">{formatNhsNumber(p.nhsNumber)}</span>
                <span className="wx-block wx-muted">{p.demonstrates}</span>
              </li>
            ))}
          </ul>
        </section>
      )}

      <section aria-labelledby="h-offline-search">
        <h2 id="h-offline-search">Search offline records</h2>
        <form onSubmit={search} className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor="offline-query">
            Name, NHS number or date of birth
          </label>
          <div className="wx-inline-form">
            <input
              className="nhsuk-input nhsuk-input--width-20"
              id="offline-query"
              value={query}
              maxLength={100}
              onChange={(e) => setQuery(e.target.value)}
            />
            <button type="submit" className="nhsuk-button nhsuk-button--secondary">
              Search
            </button>
          </div>
        </form>
        {searchError && (
          <p className="wx-error" role="alert">
            {searchError}
          </p>
        )}
        {found && (
          <ul className="wx-list" data-testid="offline-results" aria-live="polite">
            {found.length === 0 && <li className="wx-list__item">No offline records match.</li>}
            {found.map((r) => (
              <li key={r.nhsNumber} className="wx-list__item">
                <button
                  type="button"
                  className="wx-linkbutton"
                  onClick={() => onOpen(r.nhsNumber, true, r.name)}
                >
                  {r.name}
                </button>{' '}
                <span className="wx-muted">
                  {formatNhsNumber(r.nhsNumber)}
                  {r.birthDate ? ` · born ${formatDate(r.birthDate)}` : ''} · saved{' '}
                  {formatUkDate(r.fetchedAt)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </main>
  );
}
