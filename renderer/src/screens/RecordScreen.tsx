import { useCallback, useEffect, useMemo, useState } from 'react';
import { formatUkDateTime } from '../../../common/london-date';
import { roleName } from '../../../common/roles';
import { formatAsOf, offlineBanner } from '../../../common/offline-banner';
import { SECTION_ORDER, type SectionId } from '../../../common/record';
import {
  bannerFlags,
  buildSummary,
  nothingRetrieved,
  sourceLines,
  type RecordOverview,
} from '../../../common/summary';
import type { BridgeResults, SessionInfo } from '../../../preload/contract';
import { errorMessage, invoke } from '../bridge';
import { ConfirmIdentity } from '../components/ConfirmIdentity';
import { HeldApartBannerNote, HeldApartPanel, undecided } from '../components/HeldApart';
import { KeptHandover } from '../components/KeptHandover';
import { NoRecord } from '../components/NoRecord';
import { OfflineBanner } from '../components/OfflineBanner';
import { BannerFlags } from '../components/BannerFlags';
import { MiniBanner } from '../components/MiniBanner';
import { PatientBanner } from '../components/PatientBanner';
import { RecordNotices } from '../components/RecordNotices';
import { SourceStatusPanel } from '../components/SourceStatusPanel';
import { forgetPrefetched } from '../state/prefetched';
import { RecordViewContext, type RecordView } from '../state/recordView';
import { usePreferences } from '../state/usePreferences';
import { useScrolledAway } from '../state/useScrolledAway';
import { useRecord } from '../state/useRecord';
import { DocumentsView } from '../views/DocumentsView';
import { CarePlansView, EncountersView, HistoryView, ImmunisationsView } from '../views/ListViews';
import { RecordSearchPanel } from '../views/RecordSearchPanel';
import { prefetchResultsView, ResultsView } from '../views/ResultsView';
import { SummaryView } from '../views/SummaryView';
import { TimelineView } from '../views/TimelineView';
import { HiddenSections, WithheldByDissent } from '../views/SummarySections';

const NONE: readonly SectionId[] = [];

const PRINT_OUTCOME_MESSAGES: Record<BridgeResults['handover:print']['outcome'], string> = {
  printed: 'Handover summary sent to the printer.',
  cancelled: 'Printing was cancelled; nothing was printed.',
  unconfirmed: 'The print dialog has closed. Check the printer for the handover summary.',
};

function savedMessage(saved: BridgeResults['handover:save-pdf']): string {
  switch (saved.outcome) {
    case 'saved':
      return `Handover summary saved as PDF: ${saved.path}`;
    case 'kept':
      return 'Handover summary kept in the encrypted store on this computer (not as a file).';
    case 'cancelled':
      return 'Saving was cancelled; nothing was saved.';
  }
}

type RecordTab =
  | 'urgent-care'
  | 'full-summary'
  | 'timeline'
  | 'results'
  | 'encounters'
  | 'documents'
  | 'immunisations'
  | 'care-plans'
  | 'history';

const TABS: { id: RecordTab; label: string }[] = [
  { id: 'urgent-care', label: 'Urgent care summary' },
  { id: 'full-summary', label: 'Full summary' },
  { id: 'timeline', label: 'Timeline' },
  { id: 'results', label: 'Results and vitals' },
  { id: 'encounters', label: 'Encounters' },
  { id: 'documents', label: 'Documents and letters' },
  { id: 'immunisations', label: 'Immunisations' },
  { id: 'care-plans', label: 'Care plans' },
  { id: 'history', label: 'History' },
];

/** Views that are one section each: a role that may not see the section is told so, with nothing to operate. */
const SECTION_OF_TAB: Partial<Record<RecordTab, SectionId>> = {
  encounters: 'encounters',
  immunisations: 'immunisations',
  'care-plans': 'carePlans',
};

/**
 * A view the role may not see: still offered (the record may hold entries the clinician should know exist, and
 * ask a colleague about), but it says so plainly, with no order or filter controls that would do nothing.
 */
function NotForRoleView({ tab, role }: { tab: { id: RecordTab; label: string }; role?: string }) {
  return (
    <div data-testid={`view-${tab.id}`}>
      <h2>{tab.label}</h2>
      <p className="wx-notice wx-notice--info" data-testid="not-for-role">
        {tab.label} are not available for your role{role ? ` (${role})` : ''}. The record may hold them:
        absence of information here does not mean it does not exist.
      </p>
    </div>
  );
}

const LOADING_REASON_ID = 'print-loading-reason';
const NOT_FOR_ROLE_ID = 'tab-not-for-role';
const NO_RECORD_REASON_ID = 'print-no-record-reason';

/** "Identity confirmed by Dr A Patel at 09:14 today (surname and date of birth checked)". */
function confirmationText(record: RecordOverview, now: Date): string | undefined {
  const c = record.identityConfirmation;
  if (!c) return undefined;
  const at = new Date(c.at);
  const when = Number.isNaN(at.getTime()) ? c.at : formatAsOf(at, now);
  return `Identity confirmed by ${c.confirmedBy} at ${when} (surname and date of birth checked).`;
}

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
  const [documentToOpen, setDocumentToOpen] = useState<string>();
  // "Open the ReSPECT form": the keyboard follows to the document opened (once, not on every later visit).
  const [focusDocument, setFocusDocument] = useState(false);
  const documentFocused = useCallback(() => setFocusDocument(false), []);
  // A banner flag's section, brought into view (and focused) once the summary showing it has rendered.
  const [jumpTo, setJumpTo] = useState<{ section: SectionId }>();
  useEffect(() => {
    if (!jumpTo) return;
    const heading = document.getElementById(`h-${jumpTo.section}`);
    if (!heading) return;
    heading.setAttribute('tabindex', '-1');
    heading.scrollIntoView({ block: 'start' });
    heading.focus({ preventScroll: true });
  }, [jumpTo, tab]);
  const [handover, setHandover] = useState<{ busy: boolean; message: string; keptId?: string }>();
  const [openKept, setOpenKept] = useState<string>();
  const [bannerRef, bannerScrolledAway] = useScrolledAway();
  const [now] = useState(() => new Date());
  const record = load?.partial;
  const complete = !!load?.record;
  // The summary once per record: the long lists (results, encounters, …) stay in main and come in pages.
  const model = useMemo(() => record && buildSummary(record, now), [record, now]);
  const requestId = load?.requestId;
  const sources = load?.sources;
  const resultsCount = complete ? (model?.counts.results ?? 0) : 0;
  const resultsFilter = preferences?.resultsFilter ?? 'all';
  // The results view's first answers, asked in the task after the summary's paint: opening the view draws at once.
  useEffect(() => {
    if (!requestId || !resultsCount || tab === 'results') return;
    let asking: ReturnType<typeof setTimeout> | undefined;
    const painted = requestAnimationFrame(() => {
      asking = setTimeout(() => prefetchResultsView(nhsNumber, requestId, resultsFilter));
    });
    return () => {
      cancelAnimationFrame(painted);
      clearTimeout(asking);
    };
  }, [nhsNumber, requestId, resultsCount, resultsFilter, tab]);
  useEffect(() => forgetPrefetched, []);
  const finished = load?.record;
  const noRecord = !!finished && nothingRetrieved(finished);
  const view = useMemo<RecordView | undefined>(
    () =>
      record && {
        nhsNumber,
        ...(requestId ? { requestId } : {}),
        completeness: record.completeness,
        lists: record.lists,
        pendingSources: (sources ?? []).filter((s) => s.state === 'pending').map((s) => s.name),
        now,
        deceased: !!record.patient.deceased,
        offline: !!record.offline,
        openDocument: (key: string) => {
          setDocumentToOpen(key);
          setFocusDocument(true);
          setTab('documents');
        },
        ...(documentToOpen ? { documentToOpen } : {}),
        focusDocument,
        documentFocused,
      },
    [record, sources, requestId, nhsNumber, now, documentToOpen, focusDocument, documentFocused],
  );

  /** Shows the urgent-care view (what the handover prints), then asks the host to print or save it. */
  const handOver = (
    pending: string,
    request: () => Promise<string | { message: string; keptId?: string }>,
  ) => {
    setTab('urgent-care');
    setHandover({ busy: true, message: pending });
    requestAnimationFrame(() =>
      request().then(
        (done) => setHandover({ busy: false, ...(typeof done === 'string' ? { message: done } : done) }),
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
      invoke('handover:save-pdf', { nhsNumber }).then((saved) => ({
        message: savedMessage(saved),
        ...(saved.outcome === 'kept' ? { keptId: saved.exportId } : {}),
      })),
    );

  if (!load || !record || !model || !view) return <p role="status">Opening record…</p>;
  // A held-apart source's own warning is said once, by the held-apart note (with the way to decide).
  const apartIds = new Set(record.heldApart.map((h) => h.sourceId));
  const banner = {
    ...model.banner,
    warnings: model.banner.warnings.filter(
      (w) => !(w.kind === 'demographic-mismatch' && w.sourceId && apartIds.has(w.sourceId)),
    ),
  };
  const unverified = finished?.identityConfirmation
    ? undefined
    : finished?.identityWarnings.find((w) => w.kind === 'unverified-nhs-number');
  const printDisabled = !complete || noRecord || handover?.busy;
  const printReason = noRecord ? NO_RECORD_REASON_ID : !complete ? LOADING_REASON_ID : undefined;
  const offlineAsOf = offlineBanner(record, now)?.asOfText;
  const flags = bannerFlags(model, record.completeness);
  const hiddenSections = record.governance?.hiddenSections ?? NONE;
  const notForRole = (id: RecordTab) => {
    const section = SECTION_OF_TAB[id];
    return !!section && hiddenSections.includes(section);
  };
  const shownTab = TABS.find((t) => t.id === tab);

  return (
    <RecordViewContext.Provider value={view}>
      <div className="wx-record">
        <MiniBanner
          banner={
            !complete && banner.name === 'Name not recorded'
              ? { ...banner, name: 'Loading patient details…' }
              : banner
          }
          offlineAsOf={offlineAsOf}
          active={bannerScrolledAway}
          identityInDoubt={
            complete && (banner.warnings.length > 0 || record.heldApart.length > 0 || !!unverified)
          }
          alerts={flags.filter((f) => f.tone === 'alert').map((f) => f.text)}
        />
        <div className="wx-sticky">
          <PatientBanner
            ref={bannerRef}
            banner={banner}
            loading={!complete}
            urgent={undecided(record.heldApart, record.identityDecisions)}
            confirmation={finished ? confirmationText(finished, now) : undefined}
            heldApart={
              record.heldApart.length > 0 ? (
                <HeldApartBannerNote records={record.heldApart} decisions={record.identityDecisions} />
              ) : undefined
            }
          />
          {model && (
            <BannerFlags
              flags={flags}
              onOpen={(section) => {
                // Encounters are summarised on the full summary only; the rest are on both.
                if (section === 'encounters') setTab('full-summary');
                else if (tab !== 'urgent-care' && tab !== 'full-summary') setTab('urgent-care');
                setJumpTo({ section });
              }}
            />
          )}
          {record.offline && <OfflineBanner offline={record.offline} now={now} />}
          <nav className="wx-tabs wx-screen-only" aria-label="Record views">
            <span id={NOT_FOR_ROLE_ID} className="nhsuk-u-visually-hidden">
              Not available for your role.
            </span>
            {!complete && (
              <span id={LOADING_REASON_ID} className="nhsuk-u-visually-hidden">
                Printing and saving are available once the whole record has loaded.
              </span>
            )}
            {noRecord ? (
              <p id={NO_RECORD_REASON_ID} className="wx-tabs__note">
                Nothing to print or save: no record could be retrieved.
              </p>
            ) : (
              <ul>
                {TABS.map((t) => (
                  <li key={t.id}>
                    <button
                      type="button"
                      className={notForRole(t.id) ? 'wx-tab wx-tab--not-for-role' : 'wx-tab'}
                      aria-current={tab === t.id ? 'page' : undefined}
                      aria-describedby={notForRole(t.id) ? NOT_FOR_ROLE_ID : undefined}
                      onClick={() => setTab(t.id)}
                    >
                      {t.label}
                    </button>
                  </li>
                ))}
              </ul>
            )}
            <button
              type="button"
              className="nhsuk-button nhsuk-button--secondary wx-print-button"
              onClick={printHandover}
              disabled={printDisabled}
              aria-describedby={printReason}
            >
              Print handover summary
            </button>
            <button
              type="button"
              className="nhsuk-button nhsuk-button--secondary wx-print-button"
              onClick={saveHandoverPdf}
              disabled={printDisabled}
              aria-describedby={printReason}
            >
              Save as PDF
            </button>
          </nav>
          {session &&
            !noRecord &&
            (tab === 'urgent-care' || tab === 'full-summary') &&
            tab !== defaultView && (
              <p className="wx-screen-only wx-default-view">
                <button
                  type="button"
                  className="wx-linkbutton"
                  data-testid="make-default-view"
                  onClick={() => makeDefault(tab)}
                >
                  Open records on the {tab === 'urgent-care' ? 'urgent care summary' : 'full summary'} from
                  now on (for your role, {roleName(session.user)}, on this computer)
                </button>
              </p>
            )}
          {handover && (
            <p className="wx-screen-only wx-saved" role="status" data-testid="handover-status">
              {handover.message}
              {handover.keptId && (
                <>
                  {' '}
                  <button
                    type="button"
                    className="wx-linkbutton"
                    onClick={() => setOpenKept(handover.keptId)}
                  >
                    Open the kept handover summary
                  </button>
                </>
              )}
            </p>
          )}
        </div>
        <main id="main" className="wx-record__body" tabIndex={-1}>
          {openKept && (
            <KeptHandover nhsNumber={nhsNumber} exportId={openKept} onClose={() => setOpenKept(undefined)} />
          )}
          <div className="wx-print-only wx-stamp" data-testid="handover-stamp">
            <p>
              <strong>Handover summary</strong> for {banner.name}, NHS number{' '}
              {banner.nhsNumber ?? 'not known'}.
            </p>
            <p>
              Printed by {session?.user.display ?? 'unknown user'} (
              {session ? roleName(session.user) : 'role not known'}) on{' '}
              {formatUkDateTime(new Date().toISOString())}.
            </p>
            <p>
              Sources:{' '}
              {sourceLines(load.sources, now)
                .map(
                  (s) =>
                    `${s.name} — ${s.stateInSentence}${s.fetchedAt ? ` ${formatUkDateTime(s.fetchedAt)}` : ''}`,
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
          <HiddenSections.Provider value={hiddenSections}>
            <WithheldByDissent.Provider
              value={complete && record.dissent && !record.governance?.dissentOverridden}
            >
              <div className="wx-record-tools">
                <SourceStatusPanel
                  sources={load.sources}
                  loading={load.loading}
                  heldApart={record.heldApart.map((h) => h.sourceId)}
                />
                {complete && !noRecord && <RecordSearchPanel />}
              </div>
              {unverified && finished && (
                <ConfirmIdentity nhsNumber={nhsNumber} reason={unverified.message} onConfirmed={retry} />
              )}
              {noRecord ? (
                // Not searched for want of a confirmed identity: the form above says why and what to do.
                !unverified && <NoRecord sources={load.sources} onRetry={retry} />
              ) : (
                <>
                  {record.heldApart.length > 0 && (
                    <HeldApartPanel
                      records={record.heldApart}
                      decisions={record.identityDecisions}
                      nhsNumber={nhsNumber}
                      onDecided={retry}
                    />
                  )}
                  {complete && <RecordNotices record={record} now={now} />}
                  {(tab === 'urgent-care' || tab === 'full-summary') && (
                    <SummaryView model={model} mode={tab} complete={complete} />
                  )}
                  {tab === 'results' &&
                    (complete ? (
                      <ResultsView total={model.counts.results} />
                    ) : (
                      <p role="status">Loading results…</p>
                    ))}
                  {tab === 'timeline' &&
                    (complete ? (
                      <TimelineView sources={load.sources} heldApart={record.heldApart} />
                    ) : (
                      <p role="status">Loading the timeline…</p>
                    ))}
                  {shownTab && notForRole(tab) && (
                    <NotForRoleView tab={shownTab} role={session ? roleName(session.user) : undefined} />
                  )}
                  {tab === 'encounters' && !notForRole(tab) && <EncountersView model={model} />}
                  {tab === 'documents' && (
                    <DocumentsView model={model} pointers={record.pointers} nhsNumber={nhsNumber} />
                  )}
                  {tab === 'immunisations' && !notForRole(tab) && <ImmunisationsView model={model} />}
                  {tab === 'care-plans' && !notForRole(tab) && <CarePlansView model={model} />}
                  {tab === 'history' && <HistoryView model={model} />}
                </>
              )}
            </WithheldByDissent.Provider>
          </HiddenSections.Provider>
          <p className="wx-muted wx-footnote">
            Record assembled {record.assembledAt ? formatUkDateTime(record.assembledAt) : '…'} from{' '}
            {load.sources.length} sources. {SECTION_ORDER.length} sections in urgent-care order. Absence of
            information does not mean it does not exist.
          </p>
        </main>
      </div>
    </RecordViewContext.Provider>
  );
}
