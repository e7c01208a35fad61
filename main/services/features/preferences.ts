// The user's display preferences over the bridge (validated in the store; no patient data may go in).
import { BridgeError, type BridgeHandlers } from '../bridge/dispatch';
import type { PreferencesStore } from '../preferences';

export type PreferenceHandlers = Pick<BridgeHandlers, 'preferences:get' | 'preferences:update'>;

export function preferenceHandlers(store: PreferencesStore): PreferenceHandlers {
  return {
    'preferences:get': async () => store.get(),
    'preferences:update': async ({ patch }) => {
      try {
        return await store.update(patch);
      } catch (error) {
        throw new BridgeError(
          'invalid-argument',
          error instanceof Error ? error.message : 'Invalid preference.',
        );
      }
    },
  };
}
