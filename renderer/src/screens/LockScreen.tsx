import { useState } from 'react';
import { errorMessage, invoke } from '../bridge';
import type { SessionInfo } from '../../../preload/contract';

export function LockScreen({ onUnlocked }: { onUnlocked: (s: SessionInfo) => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const unlock = () => {
    setBusy(true);
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
  return (
    <main className="wx-page" id="main" data-testid="lock-screen">
      <h1>The viewer is locked</h1>
      <p>
        It was locked after a period of inactivity to protect patient information. Sign in again to continue.
      </p>
      {error && (
        <p className="wx-error" role="alert">
          {error}
        </p>
      )}
      <button type="button" className="nhsuk-button" onClick={unlock} disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in again'}
      </button>
    </main>
  );
}
