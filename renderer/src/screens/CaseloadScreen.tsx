import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type {
  CaseloadEvent,
  CaseloadEventCursor,
  CaseloadWatchStatus,
} from '../../../common/caseload-events';
import {
  CASELOAD_EVENT_LABELS,
  CASELOAD_WINDOW_DAYS,
  caseloadOverview,
  describeSourceConnection,
  everySourceComplete,
  quietPeriod,
  sourcesIncomplete,
  sourcesNotConnected,
} from '../../../common/caseload-overview';
import { formatUkDateTime } from '../../../common/london-date';
import { formatNhsNumber } from '../../../common/nhs-number';
import { MAX_PAGE_ROWS } from '../../../common/summary';
import type { AppState, BridgeArgs, SessionInfo } from '../../../preload/contract';
import { errorMessage, invoke, onBridgeEvent } from '../bridge';
import { NhsNumbersField, readNhsNumbers } from '../components/NhsNumbersField';
import { ReasonChoices } from './ReasonForAccess';

type CaseloadChoice = 'appointments-today' | 'caseload-list' | 'nhs-numbers';

const CHOICES: { value: CaseloadChoice; label: string }[] = [
  { value: 'appointments-today', label: 'Today’s appointments' },
  { value: 'caseload-list', label: 'A caseload list' },
  { value: 'nhs-numbers', label: 'NHS numbers I paste or type' },
];

/**
 * "My caseload": watch the clinician's patients for admissions, discharges, ED attendances, new letters and
 * deaths in the regional records, as they happen. One reason for the caseload, which covers opening the
 * record of each patient the watch reports on (audited for that patient when opened).
 */
export function CaseloadScreen({
  reasons,
  onOpen,
}: {
  reasons: AppState['accessReasons'];
  /** Open this patient's record; `session` carries the reason the caseload gave them, when it did. */
  onOpen: (nhsNumber: string, name: string | undefined, session?: SessionInfo) => void;
}) {
  const [status, setStatus] = useState<CaseloadWatchStatus>();
  const [{ rows, total, olderThan }, setPage] = useState<HeldEvents>({ rows: [], total: 0 });
  const [error, setError] = useState<string>();
  const [announcement, setAnnouncement] = useState('');
  const [busy, setBusy] = useState(false);
  const [readingOlder, setReadingOlder] = useState(false);

  // What the bridge pushed since the page was asked for: a push can arrive just before an answer computed
  // earlier, so the answer must not undo it (every status change and every event is pushed).
  const pushed = useRef<{ statuses: number; events?: CaseloadEvent[] }>({ statuses: 0 });
  // Each read of the newest page starts the list again: an answer asked for before it is not used.
  const reads = useRef(0);
  const load = useCallback(() => {
    const statusesBefore = pushed.current.statuses;
    const read = ++reads.current;
    pushed.current.events = [];
    invoke('caseload:events', { limit: MAX_PAGE_ROWS, offset: 0 }).then(
      (page) => {
        if (read !== reads.current) return;
        const answered = new Set(page.rows.map((e) => e.id));
        const newer = (pushed.current.events ?? []).filter((e) => !answered.has(e.id));
        pushed.current.events = undefined;
        setPage({
          rows: [...newer, ...page.rows],
          total: page.total + newer.length,
          ...olderFrom(page.rows),
        });
        if (pushed.current.statuses === statusesBefore) setStatus(page.status);
      },
      (e: unknown) => setError(errorMessage(e)),
    );
  }, []);
  useEffect(load, [load]);

  // The next page goes on from the last event of the one before, so events arriving meanwhile move nothing.
  const showOlder = (from: CaseloadEventCursor) => {
    const read = reads.current;
    setReadingOlder(true);
    invoke('caseload:events', { limit: MAX_PAGE_ROWS, offset: 0, olderThan: from })
      .then(
        (page) => {
          if (read !== reads.current) return;
          setPage((held) => {
            const have = new Set(held.rows.map((e) => e.id));
            return {
              rows: [...held.rows, ...page.rows.filter((e) => !have.has(e.id))],
              total: Math.max(held.total, page.total),
              ...olderFrom(page.rows),
            };
          });
          setAnnouncement(`${page.rows.length} older update${page.rows.length === 1 ? '' : 's'} shown`);
        },
        (e: unknown) => setError(errorMessage(e)),
      )
      .finally(() => setReadingOlder(false));
  };

  useEffect(() => {
    const stopEvents = onBridgeEvent('caseload:event', (event) => {
      pushed.current.events?.push(event);
      setPage((held) =>
        held.rows.some((e) => e.id === event.id)
          ? held
          : { ...held, rows: [event, ...held.rows], total: held.total + 1 },
      );
      setAnnouncement(`New caseload update: ${describeForAnnouncement(event)}`);
    });
    const stopStatus = onBridgeEvent('caseload:status', (next) => {
      pushed.current.statuses += 1;
      setStatus(next);
    });
    return () => {
      stopEvents();
      stopStatus();
    };
  }, []);

  const start = (args: BridgeArgs<'caseload:watch-start'>, reason: string) => {
    setBusy(true);
    setError(undefined);
    invoke('access:declare-reason', { reasonCode: reason, breakGlass: false })
      .then(() => invoke('caseload:watch-start', args))
      // The status as it is now (the answer's may be older than a change already shown), with any events.
      .then(load, (e: unknown) => setError(errorMessage(e)))
      .finally(() => setBusy(false));
  };
  const stop = () => {
    setBusy(true);
    invoke('caseload:watch-stop', {})
      .then(load, (e: unknown) => setError(errorMessage(e)))
      .finally(() => setBusy(false));
  };
  const open = (event: CaseloadEvent) => {
    invoke('caseload:open-patient', { nhsNumber: event.nhsNumber }).then(
      (session) => onOpen(event.nhsNumber, event.patientName, session),
      // Not covered by the caseload's reason (the watch was stopped): the record asks for a reason as usual.
      (e: unknown) =>
        (e as { code?: string }).code === 'not-permitted'
          ? onOpen(event.nhsNumber, event.patientName)
          : setError(errorMessage(e)),
    );
  };

  return (
    <main className="wx-page" id="main" data-testid="caseload-screen">
      <h1>My caseload</h1>
      <p>
        Know when your patients are admitted, discharged, seen in an emergency department or sent a letter,
        from the regional records, as it happens.
      </p>
      {status?.watching ? (
        <WatchingSummary status={status} busy={busy} onStop={stop} />
      ) : (
        <StartWatching reasons={reasons} busy={busy} onStart={start} onInvalid={setError} />
      )}
      {error && (
        <p className="wx-error" role="alert">
          {error}
        </p>
      )}
      <p
        className="nhsuk-u-visually-hidden"
        role="status"
        aria-live="polite"
        data-testid="caseload-announcer"
      >
        {announcement}
      </p>
      {status && (status.watching || rows.length > 0) && (
        <CaseloadSections
          status={status}
          rows={rows}
          total={total}
          onOpen={open}
          {...(olderThan ? { onShowOlder: () => showOlder(olderThan) } : {})}
          readingOlder={readingOlder}
        />
      )}
    </main>
  );
}

/** The events the screen holds: the pages read (newest first) and every event pushed since. */
interface HeldEvents {
  rows: CaseloadEvent[];
  /** Every event the watch has kept. */
  total: number;
  /** Where the next, older page starts; undefined once the last page read was the oldest. */
  olderThan?: CaseloadEventCursor;
}

/** A full page may have older events after it: they start after its last. */
function olderFrom(page: CaseloadEvent[]): Pick<HeldEvents, 'olderThan'> {
  const last = page.length === MAX_PAGE_ROWS ? page.at(-1) : undefined;
  return last ? { olderThan: { at: last.at, receivedAt: last.receivedAt, id: last.id } } : {};
}

function StartWatching({
  reasons,
  busy,
  onStart,
  onInvalid,
}: {
  reasons: AppState['accessReasons'];
  busy: boolean;
  onStart: (args: BridgeArgs<'caseload:watch-start'>, reason: string) => void;
  onInvalid: (message: string) => void;
}) {
  const [choice, setChoice] = useState<CaseloadChoice>('appointments-today');
  const [reason, setReason] = useState('');
  const [listId, setListId] = useState('');
  const [numbers, setNumbers] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!reason) return onInvalid('Choose your reason for watching these patients’ records.');
    if (choice === 'appointments-today') return onStart({ fromSource: 'appointments-today' }, reason);
    if (choice === 'caseload-list') {
      const id = listId.trim();
      if (id && !/^[A-Za-z0-9\-.]{1,64}$/.test(id))
        return onInvalid(
          'A caseload list id is letters, digits, dashes and dots (leave it empty for your own list).',
        );
      return onStart({ fromSource: 'caseload-list', ...(id ? { listId: id } : {}) }, reason);
    }
    const read = readNhsNumbers(numbers);
    if ('problem' in read) return onInvalid(read.problem);
    return onStart({ nhsNumbers: read.nhsNumbers }, reason);
  };

  return (
    <form onSubmit={submit} noValidate data-testid="caseload-start">
      <div className="nhsuk-form-group">
        <fieldset className="nhsuk-fieldset">
          <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Patients to watch</legend>
          <div className="nhsuk-radios">
            {CHOICES.map((c) => (
              <div className="nhsuk-radios__item" key={c.value}>
                <input
                  className="nhsuk-radios__input"
                  id={`caseload-${c.value}`}
                  type="radio"
                  name="caseload-choice"
                  value={c.value}
                  checked={choice === c.value}
                  onChange={() => setChoice(c.value)}
                />
                <label className="nhsuk-label nhsuk-radios__label" htmlFor={`caseload-${c.value}`}>
                  {c.label}
                </label>
              </div>
            ))}
          </div>
        </fieldset>
      </div>
      {choice === 'caseload-list' && (
        <div className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor="caseload-list-id">
            Caseload list (leave empty for your own current caseload)
          </label>
          <input
            className="nhsuk-input nhsuk-input--width-20"
            id="caseload-list-id"
            value={listId}
            onChange={(e) => setListId(e.target.value)}
            spellCheck={false}
            autoComplete="off"
          />
        </div>
      )}
      {choice === 'nhs-numbers' && (
        <NhsNumbersField id="caseload-numbers" value={numbers} onChange={setNumbers} />
      )}
      <div className="nhsuk-form-group">
        <ReasonChoices
          reasons={reasons}
          chosen={reason}
          onChoose={setReason}
          legend="Your reason for watching these patients’ records"
          forList
        />
        <p className="nhsuk-hint">
          One reason for the whole caseload: it lets you open the record of each patient the watch tells you
          about, and is recorded in the audit trail for that patient when you do.
        </p>
      </div>
      <button type="submit" className="nhsuk-button" disabled={busy}>
        Start watching
      </button>
    </form>
  );
}

function WatchingSummary({
  status,
  busy,
  onStop,
}: {
  status: CaseloadWatchStatus;
  busy: boolean;
  onStop: () => void;
}) {
  return (
    <section aria-labelledby="h-caseload-connection" data-testid="caseload-connection">
      <h2 id="h-caseload-connection">
        Watching {status.patients} patient{status.patients === 1 ? '' : 's'}
      </h2>
      <ul className="wx-list">
        {status.sources.map((s) => (
          <li
            key={s.sourceId}
            className="wx-list__item"
            data-testid={`caseload-source-${s.sourceId}`}
            data-connected={s.connected}
          >
            <strong>
              <bdi>{s.sourceName}</bdi>
            </strong>
            : {describeSourceConnection(s)}
            {s.lastCheckedAt && (
              <span className="wx-muted"> (last checked {formatUkDateTime(s.lastCheckedAt)})</span>
            )}
          </li>
        ))}
      </ul>
      {status.sources.length === 0 && <p>No regional source is being watched.</p>}
      <button type="button" className="nhsuk-button nhsuk-button--secondary" disabled={busy} onClick={onStop}>
        Stop watching
      </button>
    </section>
  );
}

function CaseloadSections({
  status,
  rows,
  total,
  onOpen,
  onShowOlder,
  readingOlder,
}: {
  status: CaseloadWatchStatus;
  rows: CaseloadEvent[];
  total: number;
  onOpen: (event: CaseloadEvent) => void;
  /** Read the next, older page; absent when there is none. */
  onShowOlder?: () => void;
  readingOlder: boolean;
}) {
  const overview = useMemo(() => caseloadOverview(rows, new Date()), [rows]);
  const notShown = onShowOlder ? Math.max(total - rows.length, 0) : 0;
  const complete = everySourceComplete(status) && notShown === 0;
  const missing = sourcesNotConnected(status);
  const gaps = sourcesIncomplete(status);
  const period = quietPeriod(status, new Date());
  const noHospitalActivity =
    overview.admittedOrDischarged.length === 0 && overview.edAttendances.length === 0;
  // "None" is said only of what the watch could see: since it began, from the sources it heard fully, and
  // with every update it kept on the screen.
  const none = complete
    ? `None ${period}`
    : missing.length
      ? 'None reported by the connected sources'
      : notShown
        ? 'None among the updates shown (older ones are not shown: see above)'
        : 'None received, but some updates are missing (see above)';
  const row = (e: CaseloadEvent, detail: ReactNode) => (
    <CaseloadRow key={e.id} event={e} onOpen={onOpen}>
      {detail}
    </CaseloadRow>
  );
  return (
    <div data-testid="caseload-sections">
      {!status.watching && (
        <p className="wx-notice wx-notice--warning">
          Not watching now: these are the updates received while the watch ran.
        </p>
      )}
      {status.watching && missing.length > 0 && (
        <div className="wx-notice wx-notice--warning" data-testid="caseload-incomplete">
          <p>
            <strong>These lists may be incomplete:</strong> updates from{' '}
            {missing.length === 1 ? 'this source are' : 'these sources are'} not arriving.
          </p>
          <ul>
            {missing.map((s) => (
              <li key={s.sourceId}>
                <bdi>{s.sourceName}</bdi>: {s.problem ?? 'not connected'}
              </li>
            ))}
          </ul>
        </div>
      )}
      {gaps.length > 0 && (
        <div className="wx-notice wx-notice--warning" data-testid="caseload-gaps">
          <p>
            <strong>Some updates are missing from these lists:</strong>
          </p>
          <ul>
            {gaps.map((s) => (
              <li key={s.sourceId}>
                <bdi>{s.incomplete}</bdi>
              </li>
            ))}
          </ul>
        </div>
      )}
      {!!status.unreadable && <UnreadableNotice count={status.unreadable} />}
      {status.watching && complete && noHospitalActivity && (
        <p className="wx-notice" data-testid="caseload-no-activity">
          No admissions, discharges or ED attendances {period}.
        </p>
      )}
      {onShowOlder && notShown > 0 && (
        <div className="wx-notice wx-notice--warning" data-testid="caseload-older">
          <p>
            Showing the newest {rows.length} of {total} updates: {notShown} older update
            {notShown === 1 ? ' is' : 's are'} not in these lists.
          </p>
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary"
            disabled={readingOlder}
            onClick={onShowOlder}
          >
            Show older updates
          </button>
        </div>
      )}
      <EventSection
        id="in-hospital"
        title="In hospital now"
        hint="From the admissions and discharges the watch has received: a stay that began before you started watching is not shown."
        events={overview.inHospital}
        none={complete ? 'No one is known to be in hospital' : none}
        render={(e) =>
          row(
            e,
            <>
              In <bdi>{e.where ?? 'hospital (ward not given)'}</bdi> since {formatUkDateTime(e.since ?? e.at)}
            </>,
          )
        }
      />
      <EventSection
        id="admitted-discharged"
        title={`Admitted or discharged in the last ${CASELOAD_WINDOW_DAYS} days`}
        events={overview.admittedOrDischarged}
        none={none}
        render={(e) => row(e, <EventWhat event={e} />)}
      />
      <EventSection
        id="ed-attendances"
        title="ED attendances"
        events={overview.edAttendances}
        none={none}
        render={(e) => row(e, <EventWhat event={e} />)}
      />
      <EventSection
        id="new-letters"
        title="New letters"
        events={overview.newLetters}
        none={none}
        render={(e) =>
          row(
            e,
            <>
              New letter{e.title ? ': ' : ''}
              {e.title && <bdi>{e.title}</bdi>}, {formatUkDateTime(e.at)}
            </>,
          )
        }
      />
      {overview.otherUpdates.length > 0 && (
        <EventSection
          id="other-updates"
          title="Other updates"
          events={overview.otherUpdates}
          none={none}
          render={(e) => row(e, <EventWhat event={e} />)}
        />
      )}
    </div>
  );
}

/** Updates the watch could not read may have been admissions: said, with how many. */
function UnreadableNotice({ count }: { count: number }) {
  const one = count === 1;
  return (
    <p className="wx-notice wx-notice--warning" data-testid="caseload-unreadable">
      <strong>
        {count} update{one ? '' : 's'} could not be read
      </strong>{' '}
      (a regional record sent {one ? 'it' : 'them'} in a form the viewer does not understand), so{' '}
      {one ? 'it is' : 'they are'} not shown here. Check the patients’ records.
    </p>
  );
}

function EventSection({
  id,
  title,
  hint,
  events,
  none,
  render,
}: {
  id: string;
  title: string;
  hint?: string;
  events: CaseloadEvent[];
  none: string;
  render: (event: CaseloadEvent) => ReactNode;
}) {
  return (
    <section aria-labelledby={`h-${id}`} className="wx-caseload-section" data-testid={`caseload-${id}`}>
      <h2 id={`h-${id}`}>
        {title} <span className="wx-muted">({events.length})</span>
      </h2>
      {hint && <p className="nhsuk-hint">{hint}</p>}
      {events.length === 0 ? <p>{none}</p> : <ul className="wx-list">{events.map(render)}</ul>}
    </section>
  );
}

function CaseloadRow({
  event,
  onOpen,
  children,
}: {
  event: CaseloadEvent;
  onOpen: (event: CaseloadEvent) => void;
  children: ReactNode;
}) {
  const name = event.patientName ?? `NHS number ${formatNhsNumber(event.nhsNumber)}`;
  return (
    <li className="wx-list__item wx-caseload-row">
      <button type="button" className="wx-linkbutton" onClick={() => onOpen(event)}>
        <bdi>{name}</bdi>
        <span className="nhsuk-u-visually-hidden">: open record</span>
      </button>
      <span className="wx-muted"> · {formatNhsNumber(event.nhsNumber)}</span>
      <span className="wx-block">{children}</span>
      <span className="wx-source">
        <bdi>{event.sourceName}</bdi>
      </span>
    </li>
  );
}

function EventWhat({ event }: { event: CaseloadEvent }) {
  const where = event.where && (event.kind === 'discharged' ? ' from ' : ' at ');
  return (
    <>
      {CASELOAD_EVENT_LABELS[event.kind]}
      {where}
      {event.where && <bdi>{event.where}</bdi>}, {formatUkDateTime(event.at)}
      {event.withheldReason && <span className="wx-block wx-muted">{event.withheldReason}</span>}
    </>
  );
}

function describeForAnnouncement(event: CaseloadEvent): string {
  const who = event.patientName ?? `NHS number ${formatNhsNumber(event.nhsNumber)}`;
  return `${who}, ${CASELOAD_EVENT_LABELS[event.kind].toLowerCase()}${event.where ? `, ${event.where}` : ''}`;
}
