// A viewer that cannot start (invalid policy, no keystore for the audit log, a broken sensitive-code list):
// the first screen names each problem and where it was set, and nothing connects to anything.
import {
  bridgeChannels,
  type AppState,
  type BridgeChannel,
  type BridgeEventName,
} from '../../../preload/contract';
import { notWatching } from '../../../common/caseload-events';
import { BridgeError, type BridgeHandlers } from '../bridge/dispatch';
import type { PolicyLoadResult } from '../policy';
import type { Viewer } from './viewer';

export function refusingViewer(
  loaded: Extract<PolicyLoadResult, { ok: false }>,
  onEvent: (listener: (name: BridgeEventName, payload: unknown) => void) => () => void,
): Viewer {
  const refuse = async (): Promise<never> => {
    throw new BridgeError(
      'configuration',
      'The viewer is not configured correctly. Contact your IT service desk.',
    );
  };
  const state: AppState = {
    policy: { ok: false, problems: loaded.problems.map((p) => ({ key: p.key, message: p.message })) },
    sandboxPatients: [],
    notices: [],
    accessReasons: [],
    defaultView: 'full-summary',
  };
  const handlers = Object.fromEntries(
    bridgeChannels.map((channel: BridgeChannel) => [
      channel,
      channel === 'app:get-state' ? async () => state : refuse,
    ]),
  ) as unknown as BridgeHandlers;
  return {
    handlers,
    onEvent,
    policy: loaded,
    session: () => undefined,
    handleLaunchArgs: async () => undefined,
    openedRecord: async () => undefined,
    signInOsUser: () => {
      throw new BridgeError('configuration', 'The viewer is not configured correctly; nothing was done.');
    },
    rekeyOfflineStore: refuse,
    caseloadWatch: {
      start: refuse,
      stop: async () => undefined,
      status: notWatching,
      events: async () => ({ rows: [], total: 0 }),
      reportsOn: async () => false,
      onEvent: () => () => undefined,
      onStatus: () => () => undefined,
    },
    close: async () => undefined,
  };
}

/**
 * A viewer opened for the offline store alone: whatever would read the record sources says why it cannot;
 * a saved copy (record:open with offlineOnly) still opens.
 */
export function withoutRecordSources(
  open: BridgeHandlers['record:open'],
): Pick<BridgeHandlers, 'record:open' | 'prefetch:start' | 'document:get'> {
  return {
    'record:open': (args, caller) => (args.offlineOnly ? open(args, caller) : noSources()),
    'prefetch:start': noSources,
    'document:get': noSources,
  };
}

async function noSources(): Promise<never> {
  throw new BridgeError('configuration', 'No regional record sources are configured on this computer.');
}
