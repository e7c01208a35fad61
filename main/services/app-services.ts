// The composition root: builds every main-process service from machine policy and binds them to the bridge
// contract. The Electron shell, the headless CLI, the Chromium harness and the tests all start here, so they
// all run the same code.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../sandbox';
import { londonDate } from '../../common/london-date';
import { normaliseNhsNumber } from '../../common/nhs-number';
import type { RecordEvent } from '../../common/record';
import type {
  AppState,
  BridgeEventName,
  BridgeEvents,
  PolicyState,
  SessionInfo,
} from '../../preload/contract';
import { createAuditService, recoveryAuditAction, type AuditService } from './audit';
import {
  BridgeError,
  type BridgeCaller,
  type BridgeHandlers,
  type HostPrinter,
  type PrintOutcome,
} from './bridge/dispatch';
import { OFFLINE_CACHE_RESET_NOTICE, type OfflineCache } from './cache/offline-cache';
import { openOfflineCache } from './cache';
import { createSecretStoreKeyVault } from './cache/key-vault';
import { startRetentionTimer } from './cache/retention';
import { ClinicalSession } from './composition/clinical-session';
import { readDocument } from './composition/documents';
import { RecordAccess } from './composition/record-access';
import { lookUpCaseload, practitionerOf } from './composition/caseload-lookup';
import { resolveRecordSources } from './composition/record-sources';
import { usesSandbox } from './composition/sandbox-policy';
import {
  ACCESS_REASONS,
  loadSensitiveCodes,
  SensitiveCodeListError,
  type LockClock,
  type SensitiveCodes,
} from './governance';
import { createAppLogger, logDirectory, type AppLogger } from './logging';
import { createKeytarSecretStore, KeystoreUnavailableError, type SecretStore } from './keystore/secret-store';
import {
  isAuthorizationCallback,
  launchHeadless,
  parseLaunchArgv,
  SmartLaunchService,
  type LaunchResult,
} from './launch';
import { loadPolicyForThisMachine, type PolicyLoadResult } from './policy';
import { auditDatabasePath } from './paths';
import { openPreferences } from './preferences';
import { prefetchRecords, type PrefetchReport } from './prefetch';
import type { WessexRecord } from '../../common/record';

export interface AppServicesOptions {
  /** Where the encrypted offline store and audit log live. */
  dataDir: string;
  /** Policy already loaded (tests, CLI flags); default: this machine's policy. */
  policy?: PolicyLoadResult;
  secretStore?: SecretStore;
  /** Opens the SMART authorization URL in the system browser (Electron: shell.openExternal). */
  openExternal?: (url: string) => Promise<void>;
  sandbox?: SandboxOptions;
  /**
   * With the sandbox and no launch on the command line, sign in as this sandbox user with this patient in
   * context, through the real EHR launch (the sandbox approves without a login page). Default: a GP with the
   * cross-border patient. `false` starts with nobody signed in.
   */
  sandboxLaunch?: { userId: string; patientKey: string } | false;
  clock?: () => Date;
  /** The inactivity lock's clock (tests advance it instead of waiting 15 minutes). */
  lockClock?: LockClock;
  /** Where saved handover PDFs go (the user's Documents folder in the app). */
  exportDir?: string;
  /** Default: the redacting file log in the data directory's logs folder. */
  logger?: AppLogger;
}

export interface AppServices {
  handlers: BridgeHandlers;
  onEvent(listener: (name: BridgeEventName, payload: unknown) => void): () => void;
  policy: PolicyLoadResult;
  sandbox?: RunningSandbox;
  /** A launch URI, `--iss/--launch` arguments or an authorization callback from argv (first or second instance). */
  handleLaunchArgs(argv: readonly string[]): Promise<void>;
  /** Signs a sandbox user in through the real EHR launch (tests, the harness, the demo start-up). */
  openSandboxSession(options: {
    role: SandboxRole;
    patientNhsNumber?: string;
    /** A direct sign-in with no patient in context (reason for access needed), instead of an EHR launch. */
    standalone?: boolean;
  }): Promise<SessionInfo>;
  close(): Promise<void>;
}

export type SandboxRole = 'paramedic' | 'general-practitioner' | 'nurse' | 'admin-staff';
const SANDBOX_USER_FOR_ROLE: Record<SandboxRole, string> = {
  paramedic: 'paramedic',
  'general-practitioner': 'gp',
  nurse: 'nurse',
  'admin-staff': 'admin',
};

type Listener = (name: BridgeEventName, payload: unknown) => void;

export async function createAppServices(options: AppServicesOptions): Promise<AppServices> {
  const listeners = new Set<Listener>();
  const emit = <E extends BridgeEventName>(name: E, payload: BridgeEvents[E]): void => {
    for (const listener of listeners) listener(name, payload);
  };
  const onEvent = (listener: Listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  const loaded = options.policy ?? (await loadPolicyForThisMachine());
  if (!loaded.ok) return configurationProblem(loaded, onEvent);

  const logger = options.logger ?? createAppLogger({ logDir: logDirectory(options.dataDir) });
  const notices: string[] = [];
  let sensitive: SensitiveCodes;
  try {
    sensitive = loadSensitiveCodes(loaded.policy.sensitiveCodeListPath);
  } catch (error) {
    if (!(error instanceof SensitiveCodeListError)) throw error;
    return configurationProblem(startupProblem('sensitiveCodeListPath', error.message), onEvent);
  }
  const sandbox = usesSandbox(loaded.policy) ? await startSandbox(options.sandbox) : undefined;
  const secretStore = options.secretStore ?? createKeytarSecretStore();
  const { policy, sources, locator, tokens } = resolveRecordSources(loaded.policy, {
    ...(sandbox ? { sandbox } : {}),
    secretStore,
  });
  const keyVault = createSecretStoreKeyVault(secretStore);

  let audit: AuditService;
  try {
    audit = await createAuditService({
      keyVault,
      dbPath: auditDatabasePath(options.dataDir),
      ...(policy.auditEndpoint ? { endpoint: policy.auditEndpoint } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
  } catch (error) {
    // Without an audit log no record may be shown: say why instead of failing to start.
    if (!(error instanceof KeystoreUnavailableError)) throw error;
    await sandbox?.close();
    return configurationProblem(startupProblem('OS keystore', error.message), onEvent);
  }
  if (audit.database.recovered)
    notices.push('The local audit log could not be opened; it was set aside and a new one started.');

  let cache: OfflineCache | undefined;
  let stopRetention = (): void => undefined;
  try {
    cache = await openOfflineCache({
      dataDir: options.dataDir,
      keyVault,
      retention: { retentionHours: policy.retentionHours, pinnedRetentionHours: policy.pinnedRetentionHours },
      ...(options.clock ? { clock: options.clock } : {}),
      onRecovery: (event) => {
        notices.push(OFFLINE_CACHE_RESET_NOTICE);
        audit.trail.record(recoveryAuditAction('offline cache', event));
      },
    });
    stopRetention = startRetentionTimer(cache, {
      onPurged: (count: number) => {
        if (count > 0) audit.trail.record({ kind: 'cache-purge', trigger: 'retention', count });
      },
    });
  } catch (error) {
    if (!(error instanceof KeystoreUnavailableError)) throw error;
    notices.push(`Offline records are unavailable on this computer: ${error.message}`);
  }

  const records = new RecordAccess({
    sources,
    ...(locator ? { locator } : {}),
    tokens,
    ...(cache ? { cache } : {}),
    audit: audit.trail,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const launchOptions = {
    allowedIssuers: policy.allowedIssuers,
    ...(sandbox?.epr ? { sandboxIssuers: [sandbox.epr.fhirBase] } : {}),
    ...(policy.standaloneIssuer ? { standaloneIssuer: policy.standaloneIssuer } : {}),
    clientId: policy.smartClientId,
    secretStore,
  };
  const launcher = new SmartLaunchService({
    ...launchOptions,
    openExternal: options.openExternal ?? (async () => undefined),
  });

  const preferences = await openPreferences(options.dataDir);
  if (preferences.recovered) notices.push('Your display preferences could not be read and were reset.');

  let session: ClinicalSession | undefined;
  const lastRecords = new Map<string, WessexRecord>();

  const startSession = (result: LaunchResult): SessionInfo => {
    session?.dispose();
    session = new ClinicalSession({
      launch: result,
      roleMapping: policy.roleMapping,
      inactivityLockMinutes: policy.inactivityLockMinutes,
      ...(options.lockClock ? { lockClock: options.lockClock } : {}),
      onLock: () => {
        lastRecords.clear();
        emit('session:changed', session?.info() ?? null);
      },
    });
    audit.trail.setUser(session.auditUser());
    audit.trail.record({ kind: 'sign-in' });
    const info = session.info();
    emit('session:changed', info);
    return info;
  };

  const signedIn = (): ClinicalSession => {
    if (!session) {
      throw new BridgeError('not-permitted', 'Open the viewer from your clinical system, or sign in, first.');
    }
    session.lock.activity();
    session.lock.assertUnlocked();
    return session;
  };

  const governanceFor = (current: ClinicalSession) => ({
    access: current.access,
    sensitive,
    breakGlass: current.reasons.breakGlass !== undefined,
    breakGlassOverridesDissent: policy.breakGlassOverridesDissent,
  });

  /** The sandbox approves without a login page, so its redirects can be followed here (no browser). */
  const signInHeadless = async (begin: (service: SmartLaunchService) => Promise<unknown>) =>
    startSession(await launchHeadless(launchOptions, begin));

  const completeSandboxLaunch = (launchUri: string): Promise<SessionInfo> => {
    const request = parseLaunchArgv([launchUri]);
    if (!request) throw new BridgeError('invalid-argument', 'That is not a launch link.');
    return signInHeadless((service) => service.beginEhrLaunch(request));
  };

  const openSandboxSession: AppServices['openSandboxSession'] = async ({
    role,
    patientNhsNumber,
    standalone,
  }) => {
    if (!sandbox?.epr) throw new BridgeError('unavailable', 'The sandbox EPR is not running.');
    if (standalone) {
      return signInHeadless((service) =>
        service.beginStandaloneLaunch({ user: SANDBOX_USER_FOR_ROLE[role] }),
      );
    }
    const nhs = patientNhsNumber ? normaliseNhsNumber(patientNhsNumber) : undefined;
    const patient = nhs ? sandbox.patients.find((p) => p.nhsNumber === nhs) : sandbox.patient('cross-border');
    if (!patient) throw new BridgeError('invalid-argument', 'No sandbox patient has that NHS number.');
    return completeSandboxLaunch(
      sandbox.epr.createEhrLaunch({ patientKey: patient.key, userId: SANDBOX_USER_FOR_ROLE[role] }),
    );
  };

  const handleLaunchArgs = async (argv: readonly string[]): Promise<void> => {
    const callback = argv.find((arg) => isAuthorizationCallback(arg));
    if (callback) {
      startSession(await launcher.completeAuthorization(callback));
      return;
    }
    const request = parseLaunchArgv(argv);
    if (request) {
      await launcher.beginEhrLaunch(request);
      return;
    }
    if (sandbox?.epr && options.sandboxLaunch !== false && !session) {
      const chosen = options.sandboxLaunch ?? { userId: 'gp', patientKey: 'cross-border' };
      await completeSandboxLaunch(
        sandbox.epr.createEhrLaunch({ patientKey: chosen.patientKey, userId: chosen.userId }),
      );
    }
  };

  const requireCache = (): OfflineCache => {
    if (!cache) throw new BridgeError('unavailable', 'Offline records are unavailable on this computer.');
    return cache;
  };

  const policyState: PolicyState = {
    ok: true,
    sandbox: sandbox !== undefined,
    sourceNames: policy.sources.map((s) => s.name),
  };

  const handlers: BridgeHandlers = loggingFailures(logger, {
    'app:get-state': async (): Promise<AppState> => ({
      policy: policyState,
      ...(session ? { session: session.info() } : {}),
      sandboxPatients: (sandbox?.patients ?? []).map((p) => ({
        nhsNumber: p.nhsNumber,
        name: p.name,
        demonstrates: p.demonstrates,
      })),
      notices: notices.splice(0),
      accessReasons: ACCESS_REASONS.map(({ code, label }) => ({ code, label })),
      defaultView: session?.access === 'urgent-care-and-documents' ? 'urgent-care' : 'full-summary',
    }),

    'record:open': async ({ nhsNumber, requestId, preferOffline }) => {
      const current = signedIn();
      current.reasons.requireAccess();
      const emitRecord = (event: RecordEvent) => emit('record:event', event);
      const opened = await records.open({
        requestId,
        identity: current.identityFor(nhsNumber),
        governance: governanceFor(current),
        ungrantedScopes: current.result.ungrantedScopes,
        ...(preferOffline ? { preferOffline } : {}),
        emit: emitRecord,
      });
      if (opened.record.governance?.dissentOverridden) {
        audit.trail.record({
          kind: 'dissent-override',
          reason: current.reasons.breakGlass?.freeText ?? 'break-glass',
          nhsNumber: normaliseNhsNumber(nhsNumber),
        });
      }
      lastRecords.set(normaliseNhsNumber(nhsNumber), opened.record);
      logger.rememberIdentifiers(patientIdentifiers(opened.record));
      logger.info('Record opened', {
        requestId,
        from: opened.from,
        items: opened.record.items.length,
        sources: opened.record.sources.map((s) => `${s.id}: ${s.state}${s.message ? ` (${s.message})` : ''}`),
      });
      return opened.record;
    },

    'cache:search': async ({ query }) => {
      signedIn().reasons.requireAccess();
      const results = await requireCache().search(query);
      audit.trail.record({ kind: 'patient-query', query: 'offline search', server: 'offline cache' });
      return results;
    },
    'cache:list': async () => {
      signedIn();
      return requireCache().list();
    },
    'cache:delete': async ({ nhsNumber }) => {
      signedIn();
      const nhs = normaliseNhsNumber(nhsNumber);
      const deleted = await requireCache().delete(nhs);
      if (deleted) audit.trail.record({ kind: 'cache-purge', trigger: 'user', nhsNumber: nhs, count: 1 });
      return { deleted };
    },
    'cache:delete-all': async () => {
      signedIn();
      const deleted = await requireCache().deleteAll();
      audit.trail.record({ kind: 'cache-purge', trigger: 'all', count: deleted });
      return { deleted };
    },

    'prefetch:start': async ({ requestId, nhsNumbers, fromSource, pin }) => {
      const current = signedIn();
      current.reasons.requireAccess();
      requireCache();
      const caseload = fromSource
        ? await lookUpCaseload({
            source: sources[0],
            tokens,
            practitioner: practitionerOf(current.result.user),
            from:
              fromSource === 'appointments-today'
                ? { kind: 'appointments', date: londonDate(options.clock?.() ?? new Date()) }
                : { kind: 'list' },
          })
        : { nhsNumbers: [], problems: [] };
      if (fromSource && sources[0]) {
        audit.trail.record({
          kind: 'patient-query',
          query: fromSource === 'appointments-today' ? 'appointments today' : 'caseload list',
          server: sources[0].name,
        });
      }
      const withProblems = caseloadProblemsIn(caseload.problems);
      const report = await prefetchRecords({
        nhsNumbers: [...new Set([...(nhsNumbers ?? []).map(normaliseNhsNumber), ...caseload.nhsNumbers])],
        pin: pin ?? true,
        opener: {
          open: (nhs, opts) =>
            records.open({
              requestId: `${requestId}-${normaliseNhsNumber(nhs)}`,
              identity: current.identityFor(nhs),
              governance: governanceFor(current),
              ungrantedScopes: current.result.ungrantedScopes,
              purpose: 'prefetch',
              ...(opts?.pin ? { pin: true } : {}),
            }),
        },
        onProgress: (progress) => emit('prefetch:progress', { requestId, ...withProblems(progress) }),
      });
      return { requestId, ...withProblems(report) };
    },

    'access:declare-reason': async ({ reasonCode, breakGlass, freeText }) => {
      if (!session) throw new BridgeError('not-permitted', 'Sign in first.');
      const declared = session.reasons.declare({ reasonCode, breakGlass, ...(freeText ? { freeText } : {}) });
      audit.trail.setUser(session.auditUser());
      audit.trail.record(
        declared.breakGlass
          ? { kind: 'break-glass', reason: declared.freeText ?? '' }
          : { kind: 'access-reason', reasonCode: declared.reasonCode },
      );
      const info = session.info();
      emit('session:changed', info);
      return info;
    },

    'session:sign-in': async () => {
      if (sandbox?.epr) return openSandboxSession({ role: 'paramedic', standalone: true });
      // The system browser takes over; the session starts when the callback comes back (handleLaunchArgs).
      await launcher.beginStandaloneLaunch();
      return null;
    },

    'session:unlock': async () => {
      if (!session) throw new BridgeError('not-permitted', 'Sign in first.');
      // Re-authentication: a fresh token from the issuer proves the user can still sign in there.
      await session.result.session.refresh();
      session.lock.unlock();
      const info = session.info();
      emit('session:changed', info);
      return info;
    },

    'session:sign-out': async () => {
      if (session) {
        audit.trail.record({ kind: 'sign-out' });
        await session.result.session.end();
        session.dispose();
        session = undefined;
      }
      lastRecords.clear();
      if (cache) {
        const purged = await cache.onSignOut();
        if (purged > 0) audit.trail.record({ kind: 'cache-purge', trigger: 'sign-out', count: purged });
      }
      emit('session:changed', null);
      return { signedOut: true };
    },

    'handover:print': async ({ nhsNumber }, caller) => {
      signedIn();
      const printer = hostPrinter(caller, 'Printing');
      const nhs = normaliseNhsNumber(nhsNumber);
      // Audited before the host prints: the summary leaves the app once the user confirms the dialog.
      audit.trail.record({ kind: 'print', nhsNumber: nhs, format: 'print' });
      let outcome: PrintOutcome;
      try {
        outcome = await printer.print();
      } catch (error) {
        audit.trail.record(
          { kind: 'print', nhsNumber: nhs, format: 'print' },
          { outcome: '8', outcomeDesc: 'The printer reported a failure; nothing was printed' },
        );
        throw handoverFailure(logger, 'could not be printed', error);
      }
      if (outcome === 'cancelled') {
        audit.trail.record(
          { kind: 'print', nhsNumber: nhs, format: 'print' },
          { outcome: '4', outcomeDesc: 'The user cancelled the print dialog; nothing was printed' },
        );
      }
      return { outcome };
    },

    'handover:save-pdf': async ({ nhsNumber }, caller) => {
      signedIn();
      const printer = hostPrinter(caller, 'Saving as PDF');
      const nhs = normaliseNhsNumber(nhsNumber);
      let pdf: Uint8Array;
      try {
        pdf = await printer.toPdf();
      } catch (error) {
        throw handoverFailure(logger, 'could not be saved as a PDF', error);
      }
      // Audited before the file is written: from then on the summary is outside the app.
      audit.trail.record({ kind: 'export', nhsNumber: nhs, format: 'pdf' });
      try {
        return { path: await saveHandoverPdf(pdf, options.exportDir ?? join(options.dataDir, 'exports')) };
      } catch (error) {
        audit.trail.record(
          { kind: 'export', nhsNumber: nhs, format: 'pdf' },
          { outcome: '8', outcomeDesc: 'The PDF file could not be written; nothing was saved' },
        );
        throw handoverFailure(logger, 'could not be saved as a PDF', error);
      }
    },

    'preferences:get': async () => preferences.store.get(),
    'preferences:update': async ({ patch }) => {
      try {
        return preferences.store.update(patch);
      } catch (error) {
        throw new BridgeError(
          'invalid-argument',
          error instanceof Error ? error.message : 'Invalid preference.',
        );
      }
    },

    'document:get': async ({ nhsNumber, pointerId }) => {
      signedIn();
      const record = lastRecords.get(normaliseNhsNumber(nhsNumber));
      if (!record) throw new BridgeError('invalid-argument', 'Open the patient’s record first.');
      return readDocument(record, pointerId, {
        sources: [...sources, ...(locator ? [locator] : [])],
        tokens,
      });
    },
  });
  logger.info('Viewer started', { sandbox: sandbox !== undefined, sources: policy.sources.map((s) => s.id) });

  return {
    handlers,
    onEvent,
    policy: loaded,
    ...(sandbox ? { sandbox } : {}),
    handleLaunchArgs,
    openSandboxSession,
    async close() {
      stopRetention();
      session?.dispose();
      cache?.close();
      await audit.close();
      await sandbox?.close();
    },
  };
}

/** Unexpected failures go to the (redacting) log; the renderer gets only a plain-words message. */
function loggingFailures(logger: AppLogger, handlers: BridgeHandlers): BridgeHandlers {
  const wrapped: Record<string, (args: never, caller: BridgeCaller) => Promise<unknown>> = {};
  for (const [channel, handler] of Object.entries(handlers) as [
    string,
    (args: never, caller: BridgeCaller) => Promise<unknown>,
  ][]) {
    wrapped[channel] = async (args, caller) => {
      try {
        return await handler(args, caller);
      } catch (error) {
        if (!(error instanceof BridgeError)) logger.error(`Bridge request ${channel} failed`, error);
        throw error;
      }
    };
  }
  return wrapped as unknown as BridgeHandlers;
}

/** A caseload's problems (nothing booked, server down, unusable entries) listed as failures before the patients. */
function caseloadProblemsIn(problems: string[]): (report: PrefetchReport) => PrefetchReport {
  const listed = problems.map((message) => ({ nhsNumber: '', ok: false, message }));
  return (report) => ({
    ...report,
    total: report.total + listed.length,
    done: report.done + listed.length,
    results: [...listed, ...report.results],
  });
}

/**
 * The opened patient's name and their local ids on each source (Patient/<id> appears in request URLs and so in
 * failure messages), so no later log line can carry them. Only these few: the logger turns every remembered
 * identifier into one pattern applied to each line, so entry ids (tens of thousands) do not belong here.
 */
function patientIdentifiers(record: WessexRecord): string[] {
  const localIds = new Set<string>();
  for (const item of record.items) {
    const resource = item.resource as { subject?: { reference?: string }; patient?: { reference?: string } };
    const reference = resource.subject?.reference ?? resource.patient?.reference;
    if (reference?.startsWith('Patient/')) localIds.add(reference.slice('Patient/'.length));
  }
  return [record.patient.name, ...localIds];
}

function startupProblem(key: string, message: string): Extract<PolicyLoadResult, { ok: false }> {
  return { ok: false, problems: [{ key, message }] };
}

/** Invalid policy: a clear screen naming the bad keys, and no connection to anything. */
function configurationProblem(
  loaded: Extract<PolicyLoadResult, { ok: false }>,
  onEvent: AppServices['onEvent'],
): AppServices {
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
    Object.keys(handlerNames).map((channel) => [
      channel,
      channel === 'app:get-state' ? async () => state : refuse,
    ]),
  ) as unknown as BridgeHandlers;
  return {
    handlers,
    onEvent,
    policy: loaded,
    handleLaunchArgs: async () => undefined,
    openSandboxSession: refuse,
    close: async () => undefined,
  };
}

const handlerNames: Record<keyof BridgeHandlers, true> = {
  'app:get-state': true,
  'record:open': true,
  'cache:search': true,
  'cache:list': true,
  'cache:delete': true,
  'cache:delete-all': true,
  'prefetch:start': true,
  'access:declare-reason': true,
  'session:sign-in': true,
  'session:unlock': true,
  'session:sign-out': true,
  'document:get': true,
  'handover:print': true,
  'handover:save-pdf': true,
  'preferences:get': true,
  'preferences:update': true,
};

/** A printer or disk failure is the user's to see in plain words (and the log's, without patient data). */
function handoverFailure(logger: AppLogger, failed: string, error: unknown): BridgeError {
  if (error instanceof BridgeError) return error;
  logger.error(`Handover summary ${failed}`, error);
  return new BridgeError(
    'unavailable',
    `The handover summary ${failed}. Nothing was lost; please try again.`,
  );
}

function hostPrinter(caller: BridgeCaller, action: 'Printing' | 'Saving as PDF'): HostPrinter {
  if (!caller.printer)
    throw new BridgeError(
      'unavailable',
      `${action} is not available in this window. Nothing was saved or printed.`,
    );
  return caller.printer;
}

/** The file name carries no patient identifier: only the time it was made. */
async function saveHandoverPdf(pdf: Uint8Array, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const path = join(dir, `Handover summary ${stamp}.pdf`);
  await writeFile(path, pdf, { mode: 0o600 });
  return path;
}
