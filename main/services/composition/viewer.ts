// The composition root: machine policy → stores → record sources → feature services → one set of bridge
// handlers, each guarded and audited by its channel rule. The Electron app, the Chromium harness and the CLI
// all start here, so they run the same code. Wiring only: each feature owns its slice of the bridge.
import { join } from 'node:path';
import type { AppState, BridgeEventName, BridgeEvents } from '../../../preload/contract';
import type { SubjectToken } from '../auth/token-exchange';
import { DIRECT_CARE, purposeOfUse, type AccessContext } from '../auth/token-provider';
import { normaliseNhsNumber } from '../../../common/nhs-number';
import { userTokens as createUserTokens } from '../auth/user-tokens';
import { ACCESS_REASONS } from '../governance';
import { KeystoreEntryIndex } from '../keystore/entry-index';
import { createKeytarSecretStore } from '../keystore/secret-store';
import { legacyRefreshTokenAccounts, offlineAccessWanted, SmartLaunchService } from '../launch';
import { classifyError, createAppLogger, logDirectory } from '../logging';
import { loadPolicyForThisMachine } from '../policy';
import { sourcesFromPolicy } from '../record';
import { audited, guarded } from '../features/channel-rules';
import { caseloadHandlers } from '../features/caseload';
import { CaseloadAlertsFeature } from '../features/caseload-alerts';
import { commandLineOperations } from '../features/command-line';
import { documentHandlers } from '../features/documents';
import { offlineRecordHandlers } from '../features/offline-records';
import { OpenedRecords } from '../features/opened-records';
import { patientSearchHandlers } from '../features/patient-search';
import { preferenceHandlers } from '../features/preferences';
import { recordHandlers } from '../features/record';
import { SessionFeature } from '../features/session';
import { createCaseloadWatch } from './caseload-watch';
import { readDocument } from './documents';
import { loggingFailures } from './logging-failures';
import { RecordAccess } from './record-access';
import { refusingViewer, withoutRecordSources } from './startup-problem';
import { openViewerStores } from './stores';
import type { Viewer, ViewerOptions } from './viewer-types';

export type { Viewer, ViewerOptions };

export async function createViewer(options: ViewerOptions): Promise<Viewer> {
  const listeners = new Set<(name: BridgeEventName, payload: unknown) => void>();
  // Until the log is open (a viewer that refuses to start emits nothing), a failure has nowhere to go.
  let eventFailed: (error: unknown) => void = () => undefined;
  /** Whether every listener took the event (a record's progress is folded on that). */
  const emit = <E extends BridgeEventName>(name: E, payload: BridgeEvents[E]): boolean => {
    let delivered = true;
    for (const listener of listeners) {
      // A window that cannot take an event (closing, crashed) must not end the work that emitted it: a record's
      // progress is emitted from timers, where a throw would end the viewer.
      try {
        listener(name, payload);
      } catch (error) {
        delivered = false;
        eventFailed(error);
      }
    }
    return delivered;
  };
  const onEvent: Viewer['onEvent'] = (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  const loaded = options.policy ?? (await loadPolicyForThisMachine());
  if (!loaded.ok) return refusingViewer(loaded, onEvent);
  const policy = loaded.policy;
  if (policy.sources.length === 0 && options.recordSources !== 'not-needed') {
    const message =
      'no regional record sources are configured on this computer (the built-in sandbox is for development only)';
    return refusingViewer({ ok: false, problems: [{ key: 'sources', message }] }, onEvent);
  }
  const secretStore = options.secretStore ?? createKeytarSecretStore();
  // The signed-in user's id_token, once there is a session (regional tokens and the audit upload wait for it).
  const signedIn: { idToken: () => SubjectToken | undefined } = { idToken: () => undefined };
  const userTokens = createUserTokens(policy, {
    subjectToken: () => signedIn.idToken(),
    ...(options.tokenFetch ? { fetch: options.tokenFetch } : {}),
  });
  const stores = await openViewerStores({ ...options, policy, secretStore, userTokens });
  if (!('audit' in stores)) return refusingViewer({ ok: false, problems: [stores] }, onEvent);

  const logger = options.logger ?? createAppLogger({ logDir: logDirectory(options.dataDir) });
  eventFailed = (error) => logger.log('bridge.event-failed', classifyError(error));
  const { sources, locator } = sourcesFromPolicy(policy);
  const tokens = userTokens.records;
  const audit = stores.audit.trail;
  const records = new RecordAccess({
    sources,
    ...(locator ? { locator } : {}),
    tokens,
    ...(stores.cache ? { cache: stores.cache } : {}),
    audit,
    engine: { urgentCareDeadlineMs: policy.urgentCareDeadlineSeconds * 1000, ...options.engine },
    documentBudgetBytes: policy.offlineDocumentBudgetMb * 1024 * 1024,
    ...(options.clock ? { clock: options.clock } : {}),
    onBackgroundFailure: (event, error) => logger.log(event, classifyError(error)),
    onProgressSkipped: ({ sourceId, error }) =>
      logger.log('record.progress-skipped', {
        errorCode: classifyError(error).errorCode,
        ...(sourceId ? { sourceId } : {}),
      }),
  });
  // Each sign-in's refresh token entry is noted by name, so those a crashed viewer left go at the next start.
  const keystoreEntries = new KeystoreEntryIndex(
    join(options.dataDir, 'keystore-entries'),
    stores.audit.running,
  );
  // In the background: the window does not wait for it, and a sign-in stores its refresh token only once it is
  // done (KeystoreEntryIndex.adding). Entries of viewers still running stay. Not skipped when policy lets no
  // role work offline: entries left under an earlier policy must still go. The one entry per EPR of older
  // versions goes by its name, unless another viewer (perhaps an older one) runs.
  const forgettingLeft = options.forgetLeftRefreshTokens
    ? keystoreEntries.forgetLeft(
        secretStore,
        stores.audit.running.othersRunning()
          ? []
          : legacyRefreshTokenAccounts([
              ...policy.allowedIssuers,
              ...(policy.standaloneIssuer ? [policy.standaloneIssuer] : []),
            ]),
      )
    : Promise.resolve();
  const launcher = new SmartLaunchService({
    allowedIssuers: policy.allowedIssuers,
    ...(policy.standaloneIssuer ? { standaloneIssuer: policy.standaloneIssuer } : {}),
    clientId: policy.smartClientId,
    secretStore,
    refreshTokenEntries: keystoreEntries,
    openExternal: options.openExternal ?? (async () => undefined),
    ...(options.redirectUri ? { redirectUri: options.redirectUri } : {}),
    offlineAccess: ({ role }) =>
      offlineAccessWanted(policy.offlineAccessRoles, Object.keys(policy.roleMapping), role),
  });
  const appState = (): Omit<AppState, 'session' | 'defaultView'> => ({
    policy: { ok: true, sandbox: !!options.samplePatients, sourceNames: policy.sources.map((s) => s.name) },
    sandboxPatients: options.samplePatients ?? [],
    notices: stores.notices.splice(0),
    accessReasons: ACCESS_REASONS.map(({ code, label, listLabel }) => ({ code, label, listLabel })),
  });
  const uploader = stores.audit.uploader;
  const sessions = new SessionFeature({
    policy,
    sensitive: stores.sensitive,
    launcher,
    audit,
    ...(stores.cache ? { cache: stores.cache } : {}),
    emit,
    appState,
    ...(options.lockClock ? { lockClock: options.lockClock } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(uploader ? { uploadAudit: () => uploader.uploadAllNow() } : {}),
  });
  signedIn.idToken = () => sessions.idToken();
  const opened = new OpenedRecords();
  sessions.onEnded(() => {
    opened.clear();
    userTokens.forget();
  });
  // Regional tokens are asked for at sign-in (a discovery and an exchange per source), so the clinician's
  // next step does not wait for them: the EPR's patient in context is the one opened next; after a direct
  // sign-in it is a patient search, whose tokens are bound to no patient (and the discovery is then done).
  const askForTokens = (access: AccessContext) => {
    for (const source of [...sources, ...(locator ? [locator] : [])]) {
      tokens.getToken(source.id, access).catch(() => undefined);
    }
  };
  sessions.onStarted((session) => {
    const patient = session.contextNhsNumber;
    askForTokens(patient ? { patient, purpose: 'TREAT' } : DIRECT_CARE);
  });
  // Likewise once a reason for access to a patient is given: the open that follows finds its tokens (bound to
  // that patient and purpose) ready or on their way.
  sessions.onReasonDeclared(({ nhsNumber, breakGlass }) =>
    askForTokens({ patient: normaliseNhsNumber(nhsNumber), purpose: purposeOfUse(breakGlass) }),
  );
  const caseloadWatch =
    options.caseloadWatch ??
    createCaseloadWatch({
      policy,
      sources,
      tokens,
      audit,
      cache: stores.cache,
      sessions,
      sensitive: stores.sensitive,
      clock: options.clock ?? (() => new Date()),
    });

  const record = recordHandlers({ sessions, records, opened, logger, emit });
  const caseloadAlerts = new CaseloadAlertsFeature({
    sessions,
    watch: caseloadWatch,
    audit,
    notifications: options.notifications,
    notificationDetail: policy.notificationDetail,
    emit,
  });
  const handlers = loggingFailures(
    logger,
    guarded(
      audited(
        {
          ...sessions.handlers,
          ...record,
          ...offlineRecordHandlers(stores.cache),
          ...patientSearchHandlers({ sessions, sources, tokens, audit }),
          ...caseloadHandlers({
            sessions,
            records,
            source: sources[0],
            tokens,
            audit,
            available: !!stores.cache,
            clock: options.clock ?? (() => new Date()),
            emit,
          }),
          ...documentHandlers({
            opened,
            readDocument: (record, id, part) =>
              readDocument(
                record,
                id,
                {
                  sources: [...sources, ...(locator ? [locator] : [])],
                  tokens,
                  ...(stores.cache ? { cache: stores.cache } : {}),
                },
                part,
              ),
            destination: {
              mode: policy.handoverExport,
              ...(policy.handoverExportFolder ? { folder: policy.handoverExportFolder } : {}),
              defaultDir: options.exportDir ?? join(options.dataDir, 'exports'),
            },
            exports: stores.cache?.exports,
            clock: options.clock ?? (() => new Date()),
            logger,
          }),
          ...caseloadAlerts.handlers,
          ...preferenceHandlers(stores.preferences),
          ...(sources.length ? {} : withoutRecordSources(record['record:open'])),
        },
        audit,
      ),
      sessions,
    ),
  );
  logger.log('viewer.started', { sandbox: !!options.samplePatients, count: sources.length });

  return {
    handlers,
    onEvent,
    policy: loaded,
    session: () => sessions.info(),
    handleLaunchArgs: (argv) =>
      sessions.handleLaunchArgs(argv).catch((error: unknown) => {
        logger.log('launch.failed', classifyError(error));
        throw error;
      }),
    openedRecord: (nhsNumber) => opened.whole(nhsNumber),
    caseloadWatch,
    ...commandLineOperations({
      commandLineRoles: policy.commandLineRoles,
      sessions,
      cache: stores.cache,
      audit,
    }),
    async close() {
      // The watch's Subscriptions are deleted on the servers before the session ends.
      await caseloadWatch.stop();
      // Saves still running are written (at once: nothing is left to answer first) and audited under the
      // session that opened them.
      await Promise.all([stores.cache?.settled(), records.settled()]);
      caseloadAlerts.dispose();
      await sessions.close();
      await forgettingLeft;
      await stores.close();
    },
  };
}
