import { useMemo, useState } from 'react';
import { SECTION_ORDER, type SectionId } from '../../../common/record';
import { bannerModel, buildSummary, formatDateTime, sourceLines } from '../../../common/summary';
import type { BridgeResults, SessionInfo } from '../../../preload/contract';
import { errorMessage, invoke } from '../bridge';
import { PatientBanner } from '../components/PatientBanner';
import { RecordNotices } from '../components/RecordNotices';
import { SourceStatusPanel } from '../components/SourceStatusPanel';
import { usePreferences } from '../state/usePreferences';
import { useRecord } from '../state/useRecord';
import { DocumentsView } from '../views/DocumentsView';
import { CarePlansView, EncountersView, HistoryView, ImmunisationsView } from '../views/ListViews';
import { ResultsView } from '../views/ResultsView';
import { SummaryView } from '../views/SummaryView';
import { HiddenSections, WithheldByDissent } from '../views/SummarySections';

const NONE: readonly SectionId[] = [];

const PRINT_OUTCOME_MESSAGES: Record<BridgeResults['handover:print']['outcome'], string> = {
  printed: 'Handover summary sent to the printer.',
  cancelled: 'Printing was cancelled; nothing was printed.',
  unconfirmed: 'The print dialog has closed. Check the printer for the handover summary.',
};

export type RecordTab =
  | 'urgent-care'
  | 'full-summary'
  | 'results'
  | 'encounters'
  | 'documents'
  | 'immunisations'
  | 'care-plans'
  | 'history';

const TABS: { id: RecordTab; label: string }[] = [
  { id: 'urgent-care', label: 'Urgent care summary' },
  { id: 'full-summary', label: 'Full summary' },
  { id: 'results', label: 'Results and vitals' },
  { id: 'encounters', label: 'Encounters' },
  { id: 'documents', label: 'Documents and letters' },
  { id: 'immunisations', label: 'Immunisations' },
  { id: 'care-plans', label: 'Care plans' },
  { id: 'history', label: 'History' },
];

export function RecordScreen({
  nhsNumber,
  preferOffline,
  defaultView,
  session,
}: {
  nhsNumber: string;
  preferOffline: boolean;
  defaultView: 'urgent-care' | 'full-summary';
  session?: SessionInfo;
}) {
  const { load, retry } = useRecord(nhsNumber, preferOffline);
  const { preferences, update: updatePreferences } = usePreferences();
  const makeDefault = (view: 'urgent-care' | 'full-summary') =>
    session &&
    updatePreferences({
      defaultViewByRole: { ...preferences?.defaultViewByRole, [session.user.role]: view },
    });
  const [tab, setTab] = useState<RecordTab>(defaultView);
  const [handover, setHandover] = useState<{ busy: boolean; message: string }>();
  const [now] = useState(() => new Date());
  const record = load?.partial;
  const complete = !!load?.record;
  const needResults = tab === 'results' || tab === 'full-summary';

  const core = useMemo(
    () => (record ? buildSummary(record, now, { includeResults: false }) : undefined),
    [record, now],
  );
  const withResults = useMemo(
    () => (record && needResults ? buildSummary(record, now) : undefined),
    [record, now, needResults],
  );
  const model = withResults ?? core;
  const arrived = (section: SectionId) => complete || !!load?.arrivedSections.includes(section);

  /** Shows the urgent-care view (what the handover prints), then asks the host to print or save it. */
  const handOver = (pending: string, request: () => Promise<string>) => {
    setTab('urgent-care');
    setHandover({ busy: true, message: pending });
    requestAnimationFrame(() =>
      request().then(
        (message) => setHandover({ busy: false, message }),
        (e: unknown) => setHandover({ busy: false, message: errorMessage(e) }),
      ),
    );
  };
  const printHandover = () =>
    handOver('Printing the handover summary…', () =>
      invoke('handover:print', { nhsNumber }).then(({ outcome }) => PRINT_OUTCOME_MESSAGES[outcome]),
    );
  const saveHandoverPdf = () =>
    handOver('Saving the handover summary…', () =>
      invoke('handover:save-pdf', { nhsNumber }).then(({ path }) => `Handover summary saved as PDF: ${path}`),
    );

  if (!load || !record || !model) return <p role="status">Opening record…</p>;
  const banner =
    model.banner.name === 'Name not recorded' && !complete ? bannerModel(record, now) : model.banner;

  return (
    <div className="wx-record">
      <div className="wx-sticky">
        <PatientBanner banner={banner} loading={!complete} />
        <nav className="wx-tabs wx-screen-only" aria-label="Record views">
          <ul>
            {TABS.map((t) => (
              <li key={t.id}>
                <button
                  type="button"
                  className="wx-tab"
                  aria-current={tab === t.id ? 'page' : undefined}
                  onClick={() => setTab(t.id)}
                >
                  {t.label}
                </button>
              </li>
            ))}
          </ul>
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary wx-print-button"
            onClick={printHandover}
            disabled={!complete || handover?.busy}
          >
            Print handover summary
          </button>
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary wx-print-button"
            onClick={saveHandoverPdf}
            disabled={!complete || handover?.busy}
          >
            Save as PDF
          </button>
        </nav>
        {session && (tab === 'urgent-care' || tab === 'full-summary') && tab !== defaultView && (
          <p className="wx-screen-only wx-default-view">
            <button
              type="button"
              className="wx-linkbutton"
              data-testid="make-default-view"
              onClick={() => makeDefault(tab)}
            >
              Open records on the {tab === 'urgent-care' ? 'urgent care summary' : 'full summary'} from now on
              (as {session.user.role} on this computer)
            </button>
          </p>
        )}
        {handover && (
          <p className="wx-screen-only wx-saved" role="status" data-testid="handover-status">
            {handover.message}
          </p>
        )}
      </div>
      <main id="main" className="wx-record__body" tabIndex={-1}>
        <div className="wx-print-only wx-stamp" data-testid="handover-stamp">
          <p>
            <strong>Handover summary</strong> for {banner.name}, NHS number {banner.nhsNumber ?? 'not known'}.
          </p>
          <p>
            Printed by {session?.user.display ?? 'unknown user'} ({session?.user.role ?? 'role not known'}) on{' '}
            {formatDateTime(new Date().toISOString())} UTC.
          </p>
          <p>
            Sources:{' '}
            {sourceLines(load.sources)
              .map(
                (s) =>
                  `${s.name} — ${s.stateLabel.toLowerCase()}${s.fetchedAt ? ` ${formatDateTime(s.fetchedAt)}` : ''}`,
              )
              .join('; ')}
            .
          </p>
        </div>
        {load.error && (
          <div className="wx-notice wx-notice--danger" role="alert" data-testid="record-error">
            <strong>The record could not be opened.</strong> {load.error}{' '}
            <button type="button" className="wx-linkbutton" onClick={retry}>
              Try again
            </button>
          </div>
        )}
        <HiddenSections.Provider value={record.governance?.hiddenSections ?? NONE}>
          <WithheldByDissent.Provider
            value={complete && record.dissent && !record.governance?.dissentOverridden}
          >
            <SourceStatusPanel sources={load.sources} loading={load.loading} />
            {complete && <RecordNotices record={record} now={now} />}
            {(tab === 'urgent-care' || tab === 'full-summary') && (
              <SummaryView model={model} arrived={arrived} mode={tab} complete={complete} />
            )}
            {tab === 'results' &&
              (complete ? <ResultsView model={model} /> : <p role="status">Loading results…</p>)}
            {tab === 'encounters' && <EncountersView model={model} />}
            {tab === 'documents' && (
              <DocumentsView model={model} pointers={record.pointers} nhsNumber={nhsNumber} />
            )}
            {tab === 'immunisations' && <ImmunisationsView model={model} />}
            {tab === 'care-plans' && <CarePlansView model={model} />}
            {tab === 'history' && <HistoryView model={model} />}
          </WithheldByDissent.Provider>
        </HiddenSections.Provider>
        <p className="wx-muted wx-footnote">
          Record assembled {record.assembledAt ? formatDateTime(record.assembledAt) : '…'} from{' '}
          {load.sources.length} sources. {SECTION_ORDER.length} sections in urgent-care order. Absence of
          information does not mean it does not exist.
        </p>
      </main>
    </div>
  );
}
