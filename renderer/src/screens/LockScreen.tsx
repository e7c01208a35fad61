import { useState } from 'react';
import { errorMessage, invoke } from '../bridge';
import type { SessionInfo } from '../../../preload/contract';

/**
 * The inactivity lock. Nothing about a patient is on this screen (main sends none while locked). Unlocking is
 * a fresh sign-in in the system browser; the session's `unlock` says whether it is under way or why the last
 * attempt left the viewer locked, and the record returns with the `session:changed` that unlocks it.
 */
export function LockScreen({
  session,
  onUnlocked,
  onSignOut,
}: {
  session: SessionInfo;
  onUnlocked: (s: SessionInfo) => void;
  onSignOut: () => void;
}) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const unlock = () => {
    setBusy(true);
    setError(undefined);
    invoke('session:unlock', {}).then(
      (s) => {
        setBusy(false);
        onUnlocked(s);
      },
      (e: unknown) => {
        setBusy(false);
        setError(errorMessage(e));
      },
    );
  };
  const waiting = session.unlock?.waiting === true;
  const problem = error ?? session.unlock?.problem;
  return (
    <main className="wx-page" id="main" data-testid="lock-screen">
      <h1>The viewer is locked</h1>
      <p>
        It was locked after a period of inactivity to protect patient information. Sign in again to unlock:
        your web browser will ask for your password. Only <bdi>{session.user.display}</bdi> can unlock it;
        anyone else should sign out.
      </p>
      {problem && (
        <p className="wx-error" role="alert" data-testid="unlock-problem">
          {problem}
        </p>
      )}
      {waiting ? (
        <>
          <p role="status" data-testid="unlock-waiting">
            Waiting for you to sign in in your web browser. This window will unlock when you have signed in.
          </p>
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary"
            onClick={unlock}
            disabled={busy}
          >
            Open the sign-in page again
          </button>
        </>
      ) : (
        <button type="button" className="nhsuk-button" onClick={unlock} disabled={busy}>
          {busy ? 'Opening the sign-in page…' : 'Sign in again to unlock'}
        </button>
      )}
      <p>
        <button type="button" className="wx-linkbutton" onClick={onSignOut}>
          Sign out
        </button>
      </p>
    </main>
  );
}
