import { useCallback, useEffect, useState } from 'react';
import type { AppState, SessionInfo } from '../../../preload/contract';
import { errorMessage, invoke, onBridgeEvent } from '../bridge';

export type AppStateResult =
  | { status: 'loading' }
  | { status: 'error'; message: string }
  | {
      status: 'ready';
      state: AppState;
      setSession: (session: SessionInfo | undefined) => void;
      reload: () => void;
    };

export function useAppState(): AppStateResult {
  const [state, setState] = useState<AppState>();
  const [error, setError] = useState<string>();

  const load = useCallback(() => {
    invoke('app:get-state', {}).then(
      (s) => {
        setState(s);
        setError(undefined);
      },
      (e: unknown) => setError(errorMessage(e)),
    );
  }, []);

  useEffect(() => {
    load();
    return onBridgeEvent('session:changed', (session) =>
      setState((s) => (s ? { ...s, session: session ?? undefined } : s)),
    );
  }, [load]);

  const setSession = useCallback(
    (session: SessionInfo | undefined) => setState((s) => (s ? { ...s, session } : s)),
    [],
  );

  if (error) return { status: 'error', message: error };
  if (!state) return { status: 'loading' };
  return { status: 'ready', state, setSession, reload: load };
}
