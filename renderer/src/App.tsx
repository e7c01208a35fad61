import { useEffect, useState } from 'react';
import { roleName } from '../../common/roles';
import type { AppState, SessionInfo } from '../../preload/contract';
import { errorMessage, invoke, onBridgeEvent } from './bridge';
import { BreakGlassBanner } from './components/BreakGlassBanner';
import { LaunchNotice } from './components/LaunchNotice';
import { useAppState } from './state/useAppState';
import { PreferencesContext, usePreferences, usePreferencesStore } from './state/usePreferences';
import { CacheScreen } from './screens/CacheScreen';
import { CaseloadScreen } from './screens/CaseloadScreen';
import { ConfigurationProblem } from './screens/ConfigurationProblem';
import { LockScreen } from './screens/LockScreen';
import { PatientPicker } from './screens/PatientPicker';
import { PrefetchScreen } from './screens/PrefetchScreen';
import { ReasonForAccess } from './screens/ReasonForAccess';
import { RecordScreen } from './screens/RecordScreen';
import { SignedOut } from './screens/SignedOut';

type Screen =
  | { kind: 'record'; nhsNumber: string; preferOffline: boolean; name?: string }
  | { kind: 'picker' }
  | { kind: 'prefetch' }
  | { kind: 'caseload' }
  | { kind: 'cache' };

function Header({
  session,
  screen,
  onNavigate,
  onSignOut,
}: {
  session?: SessionInfo;
  screen: Screen['kind'];
  onNavigate: (s: Screen) => void;
  onSignOut: () => void;
}) {
  const links: { kind: 'picker' | 'prefetch' | 'caseload' | 'cache'; label: string }[] = [
    { kind: 'picker', label: 'Find a patient' },
    { kind: 'caseload', label: 'My caseload' },
    { kind: 'prefetch', label: 'Caseload prefetch' },
    { kind: 'cache', label: 'Offline records' },
  ];
  // In a narrow window (400% zoom) the links and the signed-in user are behind a menu button, so the patient
  // comes first on screen.
  const [menuOpen, setMenuOpen] = useState(false);
  return (
    <header className={`wx-header wx-screen-only${menuOpen ? ' wx-header--open' : ''}`}>
      <span className="wx-header__service">Wessex Care Record</span>
      {session && (
        <>
          <button
            type="button"
            className="wx-header__link wx-header__menu"
            aria-expanded={menuOpen}
            aria-controls="main-menu"
            onClick={() => setMenuOpen(!menuOpen)}
          >
            Menu
          </button>
          <nav aria-label="Main" id="main-menu" className="wx-header__menu-items">
            <ul className="wx-header__nav">
              {links.map((l) => (
                <li key={l.kind}>
                  <button
                    type="button"
                    className="wx-header__link"
                    aria-current={screen === l.kind ? 'page' : undefined}
                    onClick={() => {
                      setMenuOpen(false);
                      onNavigate({ kind: l.kind });
                    }}
                  >
                    {l.label}
                  </button>
                </li>
              ))}
            </ul>
          </nav>
          <div className="wx-header__account wx-header__menu-items">
            <span className="wx-header__user" data-testid="signed-in-user">
              {session.user.display} · {roleName(session.user)}
              {session.user.organisation ? ` · ${session.user.organisation}` : ''}
            </span>
            <button type="button" className="wx-header__link" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        </>
      )}
    </header>
  );
}

function Shell({ state, setSession }: { state: AppState; setSession: (s: SessionInfo | undefined) => void }) {
  const session = state.session;
  const [screen, setScreen] = useState<Screen>(() =>
    session?.patientNhsNumber
      ? { kind: 'record', nhsNumber: session.patientNhsNumber, preferOffline: false }
      : { kind: 'picker' },
  );
  const [signOutError, setSignOutError] = useState<string>();
  const { preferences } = usePreferences();
  // A caseload notification clicked: main brought the window forward; show what it was about.
  useEffect(() => onBridgeEvent('caseload:show', () => setScreen({ kind: 'caseload' })), []);

  // A launch from the EPR while the viewer is open (second instance, or the sign-in callback) brings a new
  // session with its patient in context: open that patient (the reasons given in the last session went with
  // it). Lock, unlock and reason changes keep the session and leave the clinician where they are. After signing out, whoever signs in next
  // starts from the patient search. (Adjusted while rendering, as React recommends, not in an effect.)
  const contextPatient = session?.patientNhsNumber;
  const signedIn = !!session;
  const sessionId = session?.id;
  const [seen, setSeen] = useState({ contextPatient, signedIn, sessionId });
  if (seen.contextPatient !== contextPatient || seen.signedIn !== signedIn || seen.sessionId !== sessionId) {
    setSeen({ contextPatient, signedIn, sessionId });
    const onScreen = screen.kind === 'record' && !screen.preferOffline ? screen.nhsNumber : undefined;
    // Only a new session is a launch: locking hides the patient in context and unlocking brings it back.
    const launched = sessionId !== seen.sessionId;
    if (!signedIn) setScreen({ kind: 'picker' });
    else if (contextPatient && launched && contextPatient !== onScreen)
      setScreen({ kind: 'record', nhsNumber: contextPatient, preferOffline: false });
    // A launch with no patient the viewer can match (no NHS number): never the previous patient.
    else if (launched && session?.launch === 'ehr' && !contextPatient) setScreen({ kind: 'picker' });
  }
  // A launch from the EPR under way or failed: the previous patient leaves the screen at once.
  const launch = state.launch;
  const [seenLaunch, setSeenLaunch] = useState(launch);
  if (seenLaunch !== launch) {
    setSeenLaunch(launch);
    if (launch && screen.kind === 'record') setScreen({ kind: 'picker' });
  }

  if (!state.policy.ok) return <ConfigurationProblem problems={state.policy.problems} />;
  if (!session) return <SignedOut onSignedIn={setSession} launch={launch} />;
  const signOut = () =>
    invoke('session:sign-out', {}).then(
      () => setSession(undefined),
      (e: unknown) => setSignOutError(errorMessage(e)),
    );
  if (session.locked) return <LockScreen session={session} onUnlocked={setSession} onSignOut={signOut} />;
  const open = (nhsNumber: string, preferOffline = false, name?: string) =>
    setScreen({ kind: 'record', nhsNumber, preferOffline, ...(name ? { name } : {}) });
  // A reason covers one patient: the EPR's patient in context, or one the clinician gave a reason for.
  const reason =
    screen.kind === 'record'
      ? session.patientReasons.find((r) => r.nhsNumber === screen.nhsNumber)
      : undefined;

  return (
    <>
      <a className="wx-skip" href="#main">
        Skip to main content
      </a>
      <Header session={session} screen={screen.kind} onNavigate={setScreen} onSignOut={signOut} />
      {reason?.breakGlass && <BreakGlassBanner breakGlass={reason.breakGlass} />}
      {state.notices.length > 0 && (
        <div className="wx-notice wx-notice--warning wx-screen-only" role="alert" data-testid="app-notices">
          {state.notices.map((n) => (
            <p key={n}>{n}</p>
          ))}
        </div>
      )}
      <LaunchNotice launch={launch} />
      {!launch && session.eprPatientWithoutNhsNumber && (
        <div
          className="wx-notice wx-notice--warning wx-screen-only"
          role="alert"
          data-testid="launch-no-nhs-number"
        >
          <p>{session.eprPatientWithoutNhsNumber.message}</p>
        </div>
      )}
      {signOutError && (
        <p className="wx-error" role="alert">
          {signOutError}
        </p>
      )}
      {screen.kind === 'record' && !reason && (
        <ReasonForAccess
          key={screen.nhsNumber}
          patient={{ nhsNumber: screen.nhsNumber, ...(screen.name ? { name: screen.name } : {}) }}
          reasons={state.accessReasons}
          onDeclared={setSession}
          onCancel={() => setScreen({ kind: 'picker' })}
        />
      )}
      {screen.kind === 'record' && reason && (
        <RecordScreen
          // A new session (another launch, perhaps another clinician) opens the record afresh, for them.
          key={`${session.id}-${screen.nhsNumber}-${screen.preferOffline}`}
          nhsNumber={screen.nhsNumber}
          preferOffline={screen.preferOffline}
          defaultView={preferences?.defaultViewByRole[session.user.role] ?? state.defaultView}
          session={session}
        />
      )}
      {screen.kind === 'picker' && <PatientPicker sandboxPatients={state.sandboxPatients} onOpen={open} />}
      {screen.kind === 'prefetch' && <PrefetchScreen reasons={state.accessReasons} />}
      {screen.kind === 'caseload' && (
        <CaseloadScreen
          reasons={state.accessReasons}
          onOpen={(nhsNumber, name, withReason) => {
            if (withReason) setSession(withReason);
            open(nhsNumber, false, name);
          }}
        />
      )}
      {screen.kind === 'cache' && <CacheScreen onOpen={(n, name) => open(n, true, name)} />}
    </>
  );
}

export function App() {
  const app = useAppState();
  const preferences = usePreferencesStore(app.status === 'ready' && app.state.policy.ok);
  if (app.status === 'loading' || (app.status === 'ready' && app.state.policy.ok && !preferences.settled))
    return (
      <p className="wx-page" role="status">
        Starting the Wessex Care Record viewer…
      </p>
    );
  if (app.status === 'error')
    return (
      <main className="wx-page" id="main">
        <h1>The viewer could not start</h1>
        <p role="alert">{app.message}</p>
      </main>
    );
  return (
    <PreferencesContext.Provider value={preferences}>
      <Shell state={app.state} setSession={app.setSession} />
    </PreferencesContext.Provider>
  );
}
