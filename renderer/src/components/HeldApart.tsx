// A regional source whose patient disagrees with the clinical system (name, date of birth, sex): its entries
// are held apart, never merged, until the clinician decides whether it is the same person.
import { useState } from 'react';
import type { HeldApartRecord, IdentityDecision } from '../../../common/record';
import { formatDate, SECTION_TITLES } from '../../../common/summary';
import { errorMessage, invoke } from '../bridge';
import { SourceTag } from './SourceTag';

const HELD_APART_ID = 'held-apart';

function decisionFor(
  record: HeldApartRecord,
  decisions: readonly IdentityDecision[] | undefined,
): IdentityDecision | undefined {
  return decisions?.find((d) => d.sourceId === record.sourceId);
}

/** Whether any held-apart source still waits for the clinician's decision. */
export function undecided(records: readonly HeldApartRecord[], decisions?: readonly IdentityDecision[]) {
  return records.some((r) => !decisionFor(r, decisions));
}

/** The short warning in the banner: which sources are held apart, and a way to the panel. */
export function HeldApartBannerNote({
  records,
  decisions,
}: {
  records: readonly HeldApartRecord[];
  decisions?: readonly IdentityDecision[];
}) {
  const review = () => {
    const panel = document.getElementById(HELD_APART_ID);
    panel?.scrollIntoView({ block: 'center' });
    panel?.focus({ preventScroll: true });
  };
  return (
    <p className="wx-banner__held-apart" data-testid="held-apart-warning">
      {records.map((r) =>
        decisionFor(r, decisions)?.decision === 'different-person' ? (
          <span key={r.sourceId}>
            <strong>Kept apart:</strong> {r.sourceName} holds a different person under this NHS number; its
            entries are not part of this record.{' '}
          </span>
        ) : (
          <span key={r.sourceId}>
            <strong>
              Identity warning: {r.sourceName} may hold a different person under this NHS number.
            </strong>{' '}
            Its entries are held apart, not merged.{' '}
          </span>
        ),
      )}
      <button type="button" className="wx-linkbutton" onClick={review}>
        Review held-apart records
      </button>
    </p>
  );
}

function PatientLine({ record }: { record: HeldApartRecord }) {
  const p = record.patient;
  const sex = p.sex ? p.sex.charAt(0).toUpperCase() + p.sex.slice(1) : 'Sex not recorded';
  return (
    <dl className="wx-held-apart__patient">
      <div>
        <dt>Name</dt>
        <dd>{p.name || 'Not recorded'}</dd>
      </div>
      <div>
        <dt>Born</dt>
        <dd>{p.birthDate ? formatDate(p.birthDate) : 'Not recorded'}</dd>
      </div>
      <div>
        <dt>Sex</dt>
        <dd>{sex}</dd>
      </div>
      {p.address && (
        <div>
          <dt>Address</dt>
          <dd>{p.address}</dd>
        </div>
      )}
      {p.registeredGp && (
        <div>
          <dt>Registered GP</dt>
          <dd>{p.registeredGp}</dd>
        </div>
      )}
    </dl>
  );
}

function HeldApartSource({
  record,
  decision,
  nhsNumber,
  onDecided,
}: {
  record: HeldApartRecord;
  decision?: IdentityDecision;
  nhsNumber: string;
  onDecided: () => void;
}) {
  const [state, setState] = useState<{ busy?: boolean; error?: string }>({});
  const headingId = `held-apart-${record.sourceId}`;
  const decide = (choice: IdentityDecision['decision']) => {
    setState({ busy: true });
    invoke('record:decide-identity', { nhsNumber, sourceId: record.sourceId, decision: choice }).then(
      onDecided,
      (e: unknown) => setState({ error: errorMessage(e) }),
    );
  };
  return (
    <section
      className="wx-held-apart__source"
      aria-labelledby={headingId}
      data-testid="held-apart-source"
      data-source={record.sourceId}
    >
      <h3 id={headingId}>{record.sourceName} says this NHS number belongs to:</h3>
      <PatientLine record={record} />
      {record.differences.length > 0 && (
        <>
          <p className="wx-held-apart__label">
            <strong>What does not match:</strong>
          </p>
          <ul className="wx-held-apart__differences">
            {record.differences.map((d) => (
              <li key={d}>{d}</li>
            ))}
          </ul>
        </>
      )}
      <details className="wx-held-apart__entries">
        <summary>
          {record.sourceName} entries held apart ({record.itemCount ?? record.items.length})
        </summary>
        {record.itemCount !== undefined && record.itemCount > record.items.length && (
          <p className="wx-muted">
            Showing the newest {record.items.length} of {record.itemCount}.
          </p>
        )}
        {record.items.length ? (
          <ul className="wx-list">
            {record.items.map((item) => (
              <li key={item.key} className="wx-list__item">
                <span className="wx-muted">{SECTION_TITLES[item.section]}: </span>
                <strong>{item.display}</strong>
                {item.date ? ` — ${formatDate(item.date)}` : ''}
                {item.status ? ` (${item.status})` : ''}
                <SourceTag provenance={item.provenance} />
              </li>
            ))}
          </ul>
        ) : (
          <p className="wx-muted">No entries.</p>
        )}
      </details>
      {decision?.decision === 'different-person' ? (
        <p data-testid="held-apart-decision">
          <strong>Kept apart.</strong> {decision.decidedBy} recorded that this is a different person; these
          entries are not part of this record.
        </p>
      ) : (
        <>
          <p>Check with the patient or their notes. Is this the same person as the patient in the banner?</p>
          <div className="wx-button-row">
            <button
              type="button"
              className="nhsuk-button nhsuk-button--secondary"
              disabled={state.busy}
              onClick={() => decide('same-person')}
            >
              Same person – merge
            </button>
            <button
              type="button"
              className="nhsuk-button nhsuk-button--secondary"
              disabled={state.busy}
              onClick={() => decide('different-person')}
            >
              Different person – keep apart
            </button>
          </div>
          {state.error && (
            <p className="wx-error" role="alert">
              The decision was not recorded: {state.error}
            </p>
          )}
        </>
      )}
    </section>
  );
}

/** One block per held-apart source: who it says the patient is, what differs, its entries, the decision. */
export function HeldApartPanel({
  records,
  decisions,
  nhsNumber,
  onDecided,
}: {
  records: readonly HeldApartRecord[];
  decisions?: readonly IdentityDecision[];
  nhsNumber: string;
  onDecided: () => void;
}) {
  const open = undecided(records, decisions);
  return (
    <section
      id={HELD_APART_ID}
      tabIndex={-1}
      className={`wx-notice ${open ? 'wx-notice--danger' : 'wx-notice--info'} wx-held-apart`}
      aria-labelledby="h-held-apart"
      data-testid="held-apart"
    >
      <h2 id="h-held-apart">Held apart: records that may be about someone else</h2>
      <p>
        These entries are not in the summary. They were found under this NHS number, but the patient details
        do not match.
      </p>
      {records.map((record) => (
        <HeldApartSource
          key={record.sourceId}
          record={record}
          decision={decisionFor(record, decisions)}
          nhsNumber={nhsNumber}
          onDecided={onDecided}
        />
      ))}
    </section>
  );
}
