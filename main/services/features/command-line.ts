// What only the command line does: sign in as the operating-system user with a declared role (one IT allows),
// and re-encrypt the offline store — audited as that user.
import type { AuditTrail } from '../audit';
import { BridgeError } from '../bridge/dispatch';
import type { OfflineCache } from '../cache/offline-cache';
import { osUserOrigin } from '../composition/clinical-session';
import type { SessionFeature } from './session';

export function commandLineOperations(deps: {
  commandLineRoles: readonly string[];
  sessions: SessionFeature;
  cache: OfflineCache | undefined;
  audit: AuditTrail;
}) {
  return {
    signInOsUser(role: string, practitioner?: string): void {
      if (!deps.commandLineRoles.includes(role)) {
        const allowed = deps.commandLineRoles.join(', ') || 'none';
        throw new BridgeError(
          'not-permitted',
          `The command line may not act as "${role}" on this computer (roles allowed by IT: ${allowed}).`,
        );
      }
      deps.sessions.start(osUserOrigin(role, practitioner));
    },
    async rekeyOfflineStore(): Promise<void> {
      deps.sessions.check('signed-in');
      if (!deps.cache)
        throw new BridgeError('unavailable', 'Offline records are unavailable on this computer.');
      deps.audit.record({
        kind: 'key-rotation',
        store: 'offline cache',
        detail: 'Re-encrypted under a new key',
      });
      await deps.cache.rekey();
    },
  };
}
