// The user's display preferences, read once from main and saved back on each change (main validates them).
import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import type { Preferences } from '../../../common/preferences';
import { invoke } from '../bridge';

type Patch = Partial<Preferences>;

export interface PreferencesState {
  /** Undefined until read (or when they could not be: the defaults apply). */
  preferences?: Preferences;
  /** True once main has answered (either way): the first screen can open as the user left it. */
  settled: boolean;
  update(patch: Patch): void;
}

export const PreferencesContext = createContext<PreferencesState>({
  settled: false,
  update: () => undefined,
});

/** Reads them once `ready` (a viewer that cannot start asks main for nothing more). */
export function usePreferencesStore(ready: boolean): PreferencesState {
  const [preferences, setPreferences] = useState<Preferences>();
  const [settled, setSettled] = useState(false);
  useEffect(() => {
    if (!ready) return;
    invoke('preferences:get', {})
      .then(setPreferences, () => undefined)
      .finally(() => setSettled(true));
  }, [ready]);
  const update = useCallback((patch: Patch) => {
    setPreferences((current) => (current ? { ...current, ...patch } : current));
    invoke('preferences:update', { patch }).then(setPreferences, () => undefined);
  }, []);
  return { preferences, settled, update };
}

export const usePreferences = (): PreferencesState => useContext(PreferencesContext);
