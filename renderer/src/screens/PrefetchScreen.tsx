import { useEffect, useRef, useState, type FormEvent } from 'react';
import { formatNhsNumber } from '../../../common/nhs-number';
import type { AppState, PrefetchProgress } from '../../../preload/contract';
import { errorMessage, invoke, newRequestId, onBridgeEvent } from '../bridge';
import { NhsNumbersField, readNhsNumbers } from '../components/NhsNumbersField';
import { usePreferences } from '../state/usePreferences';
import { ReasonChoices } from './ReasonForAccess';

/**
 * Caseload prefetch: save records for offline use before a shift or home visits. One reason for the list,
 * which main applies to and audits for each patient in it.
 */
export function PrefetchScreen({ reasons }: { reasons: AppState['accessReasons'] }) {
  const [reason, setReason] = useState('');
  const [numbers, setNumbers] = useState('');
  const [pin, setPin] = useState(false);
  const [progress, setProgress] = useState<PrefetchProgress>();
  const [error, setError] = useState<string>();
  const { preferences, update: updatePreferences } = usePreferences();
  const [listIdTyped, setListId] = useState<string>();
  const listId = listIdTyped ?? preferences?.lastCaseloadListId ?? '';
  const requestRef = useRef<string | undefined>(undefined);

  useEffect(
    () =>
      onBridgeEvent('prefetch:progress', (p) => {
        if (p.requestId === requestRef.current) setProgress(p);
      }),
    [],
  );

  const start = (args: {
    nhsNumbers?: string[];
    fromSource?: 'appointments-today' | 'caseload-list';
    listId?: string;
  }) => {
    if (!reason) {
      setError('Choose your reason for saving these patients’ records.');
      return;
    }
    const requestId = newRequestId();
    requestRef.current = requestId;
    setError(undefined);
    setProgress({ requestId, total: args.nhsNumbers?.length ?? 0, done: 0, results: [], finished: false });
    invoke('access:declare-reason', { reasonCode: reason, breakGlass: false })
      .then(() => invoke('prefetch:start', { requestId, pin, ...args }))
      .then(
        (p) => {
          setProgress(p);
          // The list is remembered for next time once it has given patients.
          if (args.listId && p.results.some((r) => r.ok))
            updatePreferences({ lastCaseloadListId: args.listId });
        },
        (e: unknown) => setError(errorMessage(e)),
      );
  };

  const startList = () => {
    const id = listId.trim();
    if (id && !/^[A-Za-z0-9\-.]{1,64}$/.test(id)) {
      setError('A caseload list id is letters, digits, dashes and dots (leave it empty for your own list).');
      return;
    }
    start({ fromSource: 'caseload-list', ...(id ? { listId: id } : {}) });
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const read = readNhsNumbers(numbers);
    if ('problem' in read) {
      setError(read.problem);
      return;
    }
    start({ nhsNumbers: read.nhsNumbers });
  };

  const failures = progress?.results.filter((r) => !r.ok) ?? [];
  const running = !!progress && !progress.finished;
  return (
    <main className="wx-page" id="main" data-testid="prefetch-screen">
      <h1>Caseload prefetch</h1>
      <p>Save records to this device, encrypted, so they are available without a connection.</p>
      <form onSubmit={submit} noValidate>
        <div className="nhsuk-form-group">
          <ReasonChoices
            reasons={reasons}
            chosen={reason}
            onChoose={setReason}
            legend="Your reason for saving these patients’ records"
            forList
          />
          <p className="nhsuk-hint">
            One reason for the whole list: it is recorded in the audit trail for each patient, and lets you
            open their records later in this session. Emergency access (break-glass) is given one patient at a
            time, from Find a patient.
          </p>
        </div>
        <NhsNumbersField id="prefetch-numbers" value={numbers} onChange={setNumbers} />
        <div className="nhsuk-checkboxes__item nhsuk-form-group">
          <input
            className="nhsuk-checkboxes__input"
            id="prefetch-pin"
            type="checkbox"
            checked={pin}
            onChange={(e) => setPin(e.target.checked)}
          />
          <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor="prefetch-pin">
            Keep these records until I remove them (pin)
          </label>
        </div>
        <div className="wx-button-row">
          <button type="submit" className="nhsuk-button" disabled={running}>
            Prefetch these patients
          </button>
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary"
            disabled={running}
            onClick={() => start({ fromSource: 'appointments-today' })}
          >
            Prefetch today’s appointments
          </button>
        </div>
        <div className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor="prefetch-list">
            Caseload list (leave empty for your own current caseload)
          </label>
          <input
            className="nhsuk-input nhsuk-input--width-20"
            id="prefetch-list"
            value={listId}
            onChange={(e) => setListId(e.target.value)}
            spellCheck={false}
            autoComplete="off"
          />
        </div>
        <button
          type="button"
          className="nhsuk-button nhsuk-button--secondary"
          disabled={running}
          onClick={startList}
        >
          Prefetch the caseload list
        </button>
      </form>
      {error && (
        <p className="wx-error" role="alert">
          {error}
        </p>
      )}
      {progress && (
        <section aria-labelledby="h-prefetch-progress" data-testid="prefetch-progress">
          <h2 id="h-prefetch-progress">{progress.finished ? 'Prefetch finished' : 'Prefetching…'}</h2>
          <progress
            className="wx-progress"
            max={Math.max(progress.total, 1)}
            value={progress.done}
            aria-label="Records prefetched"
          />
          <p role="status">
            {progress.done} of {progress.total} records done
            {progress.finished
              ? `: ${progress.results.filter((r) => r.ok).length} saved, ${failures.length} failed`
              : ''}
          </p>
          <ul className="wx-list">
            {progress.results.map((r) => (
              <li key={r.nhsNumber} className="wx-list__item">
                {formatNhsNumber(r.nhsNumber)}:{' '}
                {r.ok ? (
                  <strong className="wx-tag wx-tag--ok">Saved</strong>
                ) : (
                  <strong className="wx-tag wx-tag--warn">Failed</strong>
                )}
                {r.message ? ` — ${r.message}` : ''}
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
