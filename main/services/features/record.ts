// Opening a patient's record for the signed-in clinician: the record slice of the bridge over record access
// (engine → governance → cache, audited there for every caller).
import type { RecordEvent } from '../../../common/record';
import type { BridgeEvents } from '../../../preload/contract';
import { BridgeError, type BridgeHandlers } from '../bridge/dispatch';
import { IdentityNotConfirmedError } from '../composition/clinical-session';
import type { RecordAccess } from '../composition/record-access';
import type { AppLogger } from '../logging';
import type { OpenedRecords } from './opened-records';
import type { SessionFeature } from './session';

export type RecordHandlers = Pick<
  BridgeHandlers,
  'record:open' | 'record:confirm-identity' | 'record:decide-identity'
>;

export function recordHandlers(deps: {
  sessions: SessionFeature;
  records: RecordAccess;
  opened: OpenedRecords;
  logger: AppLogger;
  emit: (name: 'record:event', payload: BridgeEvents['record:event']) => void;
}): RecordHandlers {
  return {
    'record:open': async ({ nhsNumber, requestId, preferOffline, offlineOnly }) => {
      const session = deps.sessions.current();
      const opened = await deps.records.open({
        requestId,
        identity: session.identityFor(nhsNumber),
        decisions: session.decisionsFor(nhsNumber),
        governance: deps.sessions.governance(),
        breakGlassReason: session.reasons.breakGlass?.freeText,
        ungrantedScopes: session.origin.ungrantedScopes,
        ...(preferOffline ? { preferOffline } : {}),
        ...(offlineOnly ? { offlineOnly } : {}),
        emit: (event: RecordEvent) => deps.emit('record:event', event),
      });
      deps.opened.set(nhsNumber, opened.record);
      deps.logger.info('Record opened', {
        requestId,
        from: opened.from,
        items: opened.record.items.length,
        sources: opened.record.sources.map((s) => `${s.id}: ${s.state}${s.message ? ` (${s.message})` : ''}`),
      });
      return opened.record;
    },
    'record:confirm-identity': async ({ nhsNumber, familyName, birthDate }) => {
      try {
        deps.sessions.current().confirmIdentity(nhsNumber, familyName, birthDate);
      } catch (error) {
        if (error instanceof IdentityNotConfirmedError)
          throw new BridgeError('invalid-argument', error.message);
        throw error;
      }
      return { confirmed: true };
    },
    'record:decide-identity': async ({ nhsNumber, sourceId, decision }) => {
      // A decision is about the patient the clinician was shown: the one held apart in the record they have open.
      const apart = deps.opened.get(nhsNumber)?.heldApart.find((h) => h.sourceId === sourceId);
      if (!apart) {
        throw new BridgeError(
          'invalid-argument',
          'That source is not held apart in the record you have open. Open the record again and review it.',
        );
      }
      deps.sessions.current().decideIdentity(nhsNumber, sourceId, apart.patientKey, decision);
      return { decided: true };
    },
  };
}
