import { useState } from 'react';
import type { LaunchStatus, SessionInfo } from '../../../preload/contract';
import { LaunchNotice } from '../components/LaunchNotice';
import { errorMessage, invoke } from '../bridge';

/**
 * Nobody signed in. Clinicians in an EPR open the viewer from there; paramedics and community staff sign in
 * directly (a standalone launch). Outside the sandbox the system browser takes over and the session arrives
 * later as a `session:changed` event, which replaces this screen.
 */
export function SignedOut({
  onSignedIn,
  launch,
}: {
  onSignedIn: (s: SessionInfo) => void;
  /** A launch from the clinical system under way, or why it failed. */
  launch?: LaunchStatus;
}) {
  const [state, setState] = useState<'idle' | 'busy' | 'browser'>('idle');
  const [error, setError] = useState<string>();

  const signIn = () => {
    setState('busy');
    setError(undefined);
    invoke('session:sign-in', {}).then(
      (session) => {
        if (session) onSignedIn(session);
        else setState('browser');
      },
      (e: unknown) => {
        setState('idle');
        setError(errorMessage(e));
      },
    );
  };

  return (
    <main className="wx-page" id="main" data-testid="signed-out">
      <h1>You are signed out</h1>
      <LaunchNotice launch={launch} />
      <p>Open the viewer from your clinical system to see the patient you are working with.</p>
      <h2>Not working in a clinical system?</h2>
      <p>
        Paramedics and community staff can sign in directly, then find a patient by NHS number. You will be
        asked why you are accessing the record.
      </p>
      {error && (
        <p className="wx-error" role="alert">
          {error}
        </p>
      )}
      {state === 'browser' ? (
        <>
          <p role="status" data-testid="sign-in-browser">
            Continue signing in in your web browser. This window will update when you have signed in.
          </p>
          <button type="button" className="nhsuk-button nhsuk-button--secondary" onClick={signIn}>
            Start signing in again
          </button>
        </>
      ) : (
        <button type="button" className="nhsuk-button" onClick={signIn} disabled={state === 'busy'}>
          {state === 'busy' ? 'Signing in…' : 'Sign in directly'}
        </button>
      )}
    </main>
  );
}
