import { useCallback, useEffect, useState } from 'react';
import { describeHandoverPdfRemoval } from '../../../common/handover-pdfs';
import { formatNhsNumber } from '../../../common/nhs-number';
import { formatUkDateTime } from '../../../common/london-date';
import { formatDate } from '../../../common/summary';
import type { CachedRecordSummary } from '../../../preload/contract';
import { errorMessage, invoke } from '../bridge';

/** What is stored on this device, and removing it. */
export function CacheScreen({ onOpen }: { onOpen: (nhsNumber: string, name?: string) => void }) {
  const [records, setRecords] = useState<CachedRecordSummary[]>();
  const [error, setError] = useState<string>();
  const [message, setMessage] = useState<string>();
  const [confirmAll, setConfirmAll] = useState(false);

  const refresh = useCallback(() => {
    invoke('cache:list', {}).then(setRecords, (e: unknown) => setError(errorMessage(e)));
  }, []);
  useEffect(refresh, [refresh]);

  const remove = (r: CachedRecordSummary) => {
    invoke('cache:delete', { nhsNumber: r.nhsNumber }).then(
      (res) => {
        setMessage(
          res.deleted
            ? `Removed the offline copy for ${r.name}.`
            : `There was no offline copy for ${r.name}.`,
        );
        refresh();
      },
      (e: unknown) => setError(errorMessage(e)),
    );
  };
  const removeAll = () => {
    invoke('cache:delete-all', {}).then(
      (res) => {
        setConfirmAll(false);
        const pdfs = describeHandoverPdfRemoval(res.handoverPdfs);
        setMessage(
          `Removed ${res.deleted} offline record${res.deleted === 1 ? '' : 's'} from this device.${pdfs ? ` ${pdfs}` : ''}`,
        );
        refresh();
      },
      (e: unknown) => setError(errorMessage(e)),
    );
  };

  return (
    <main className="wx-page" id="main" data-testid="cache-screen">
      <h1>Offline records on this device</h1>
      {message && (
        <p className="wx-notice wx-notice--info" role="status">
          {message}
        </p>
      )}
      {error && (
        <p className="wx-error" role="alert">
          {error}
        </p>
      )}
      {records && records.length === 0 && <p>No records are stored on this device.</p>}
      {records && records.length > 0 && (
        <>
          <table className="nhsuk-table wx-table" data-testid="cache-table">
            <caption className="nhsuk-table__caption">{records.length} stored records</caption>
            <thead>
              <tr>
                <th scope="col">Patient</th>
                <th scope="col">Saved</th>
                <th scope="col">Expires</th>
                <th scope="col">Sources</th>
                <th scope="col">
                  <span className="nhsuk-u-visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {records.map((r) => (
                <tr key={r.nhsNumber}>
                  <td>
                    <button
                      type="button"
                      className="wx-linkbutton"
                      onClick={() => onOpen(r.nhsNumber, r.name)}
                    >
                      {r.name}
                    </button>
                    <span className="wx-block wx-muted">
                      {formatNhsNumber(r.nhsNumber)}
                      {r.birthDate ? ` · born ${formatDate(r.birthDate)}` : ''}
                    </span>
                  </td>
                  <td>{formatUkDateTime(r.fetchedAt)}</td>
                  <td>{r.pinned ? 'Pinned' : formatUkDateTime(r.expiresAt)}</td>
                  <td>{r.sources.map((s) => `${s.name} (${s.state})`).join(', ')}</td>
                  <td>
                    <button
                      type="button"
                      className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                      onClick={() => remove(r)}
                    >
                      Delete<span className="nhsuk-u-visually-hidden"> offline copy for {r.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {!confirmAll ? (
            <button
              type="button"
              className="nhsuk-button nhsuk-button--warning"
              onClick={() => setConfirmAll(true)}
            >
              Delete all offline records
            </button>
          ) : (
            <div
              className="wx-notice wx-notice--danger"
              role="alertdialog"
              aria-labelledby="confirm-all-title"
            >
              <p id="confirm-all-title">
                <strong>Delete all {records.length} offline records from this device?</strong> The handover
                summaries saved from them go too. You will need a connection to see them again.
              </p>
              <div className="wx-button-row">
                <button type="button" className="nhsuk-button nhsuk-button--warning" onClick={removeAll}>
                  Yes, delete all
                </button>
                <button
                  type="button"
                  className="nhsuk-button nhsuk-button--secondary"
                  onClick={() => setConfirmAll(false)}
                >
                  Cancel
                </button>
              </div>
            </div>
          )}
        </>
      )}
    </main>
  );
}
