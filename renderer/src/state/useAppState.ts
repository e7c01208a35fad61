import { useCallback, useEffect, useRef, useState } from 'react';
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

  // Read on start and again after every session change (the default view follows the role). Only the newest
  // answer is applied; notices already on screen are kept (main hands each one out once).
  const requestSeq = useRef(0);
  const loaded = useRef(false);
  const load = useCallback(() => {
    const seq = ++requestSeq.current;
    invoke('app:get-state', {}).then(
      (fresh) => {
        if (seq !== requestSeq.current) return;
        loaded.current = true;
        setState((s) => (s ? { ...fresh, notices: [...s.notices, ...fresh.notices] } : fresh));
        setError(undefined);
      },
      (e: unknown) => {
        // A failed re-read after start keeps the screen as it is; only a failed start is an error screen.
        if (seq === requestSeq.current && !loaded.current) setError(errorMessage(e));
      },
    );
  }, []);

  useEffect(() => {
    load();
    const offLaunch = onBridgeEvent('launch:status', (launch) =>
      setState((s) => (s ? { ...s, launch: launch ?? undefined } : s)),
    );
    const offSession = onBridgeEvent('session:changed', (session) => {
      setState((s) => (s ? { ...s, session: session ?? undefined } : s));
      load();
    });
    return () => {
      offLaunch();
      offSession();
    };
  }, [load]);

  const setSession = useCallback(
    (session: SessionInfo | undefined) => setState((s) => (s ? { ...s, session } : s)),
    [],
  );

  if (error) return { status: 'error', message: error };
  if (!state) return { status: 'loading' };
  return { status: 'ready', state, setSession, reload: load };
}
