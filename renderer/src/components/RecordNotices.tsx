import type { WessexRecord } from '../../../common/record';
import { explainScope, notices, SECTION_TITLES } from '../../../common/summary';

/** The honesty notices (the offline copy's age is in the sticky banner): failures, withheld, dissent, scopes not granted (break-glass: App). */
export function RecordNotices({ record, now }: { record: WessexRecord; now: Date }) {
  const n = notices(record, now);
  return (
    <div className="wx-notices">
      {n.failedSources.length > 0 && (
        <div className="wx-notice wx-notice--warning" role="alert" data-testid="source-failure-banner">
          <strong>Some of the record could not be fetched.</strong>
          <ul>
            {n.failedSources.map((s) => (
              <li key={s.id}>
                {s.name}: {s.stateInSentence}
                {s.message ? ` — ${s.message}` : ''}
                {s.warnings.length ? ` — ${s.warnings.join('; ')}` : ''}
              </li>
            ))}
          </ul>
          Absence of information here does not mean it does not exist.
        </div>
      )}
      {n.withheldSources.length > 0 && (
        <div className="wx-notice wx-notice--info" role="status" data-testid="source-refusal-notice">
          <strong>Some of the record is withheld from you.</strong>
          <ul>
            {n.withheldSources.map((s) => (
              <li key={s.id}>{s.message}</li>
            ))}
          </ul>
        </div>
      )}
      {n.dissent && !record.governance?.dissentOverridden && (
        <div className="wx-notice wx-notice--info" role="status" data-testid="dissent-notice">
          <strong>This patient has declined to share their record.</strong> Shared care record information is
          not shown. Ask the patient or their GP practice directly.
        </div>
      )}
      {record.governance?.dissentOverridden && (
        <div className="wx-notice wx-notice--danger" role="alert" data-testid="dissent-overridden-notice">
          <strong>This patient has declined to share their record.</strong> It is shown because you used
          emergency access. This is audited.
        </div>
      )}
      {record.governance && record.governance.hiddenSections.length > 0 && (
        <div className="wx-notice wx-notice--info" role="status" data-testid="role-notice">
          Some sections are not available for your role:{' '}
          {record.governance.hiddenSections.map((s) => SECTION_TITLES[s]).join(', ')}.
        </div>
      )}
      {n.withheld && (!n.dissent || record.governance?.dissentOverridden) && (
        <div className="wx-notice wx-notice--info" role="status" data-testid="withheld-notice">
          Some information is not shown because of confidentiality policy.
        </div>
      )}
      {n.ungrantedScopes.length > 0 && (
        <div className="wx-notice wx-notice--info" role="status" data-testid="scopes-notice">
          <strong>Your access does not include everything.</strong> The viewer could not read:{' '}
          {n.ungrantedScopes.map(explainScope).join(', ')}. Those sections may be empty for that reason.
        </div>
      )}
    </div>
  );
}
