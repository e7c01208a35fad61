// Who is signed in: the SMART launch (EHR or direct sign-in) or the CLI's operating-system user, their reason
// for access, the inactivity lock and sign-out. Owns the session slice of the bridge and the one check every
// other slice relies on (channel-rules' requirements).
import type { SubjectToken } from '../auth/token-exchange';
import type { AppState, BridgeEvents, SessionInfo } from '../../../preload/contract';
import type { AuditTrail } from '../audit';
import { BridgeError, type BridgeHandlers } from '../bridge/dispatch';
import type { OfflineCache } from '../cache/offline-cache';
import { ClinicalSession, launchOrigin, type SessionOrigin } from '../composition/clinical-session';
import type { GovernOptions, LockClock, SensitiveCodes } from '../governance';
import { isAuthorizationCallback, parseLaunchArgv, type SmartLaunchService } from '../launch';
import type { EffectivePolicy } from '../policy';
import type { Requirement } from './channel-rules';

export type SessionHandlers = Pick<
  BridgeHandlers,
  'app:get-state' | 'session:sign-in' | 'session:unlock' | 'session:sign-out' | 'access:declare-reason'
>;

export interface SessionFeatureOptions {
  policy: EffectivePolicy;
  sensitive: SensitiveCodes;
  launcher: SmartLaunchService;
  audit: AuditTrail;
  cache?: OfflineCache;
  emit: (name: 'session:changed', payload: BridgeEvents['session:changed']) => void;
  /** Everything the first screen shows besides the session. */
  appState: () => Omit<AppState, 'session' | 'defaultView'>;
  lockClock?: LockClock;
}

export class SessionFeature {
  private session: ClinicalSession | undefined;
  private readonly endListeners = new Set<() => void>();
  readonly handlers: SessionHandlers;

  constructor(private readonly options: SessionFeatureOptions) {
    this.handlers = {
      'app:get-state': async () => ({
        ...options.appState(),
        ...(this.session ? { session: this.session.info() } : {}),
        defaultView: this.session?.access === 'urgent-care-and-documents' ? 'urgent-care' : 'full-summary',
      }),
      // The system browser takes over; the session starts when its callback comes back (handleLaunchArgs),
      // which may already have happened when the browser step is immediate (an auto-approving server).
      'session:sign-in': async () => {
        const before = this.session;
        await options.launcher.beginStandaloneLaunch();
        return this.session && this.session !== before ? this.session.info() : null;
      },
      'session:unlock': async () => {
        const session = this.current();
        // Re-authentication: a fresh token from the issuer proves the user can still sign in there.
        await session.origin.smart?.refresh();
        session.lock.unlock();
        options.audit.record({ kind: 'sign-in' });
        return this.changed();
      },
      'session:sign-out': async () => {
        await this.signOut();
        return { signedOut: true };
      },
      // The patient's events take their purpose of use from this reason (AuditTrail.setPurposeFor, at start).
      'access:declare-reason': async ({ reasonCode, breakGlass, freeText, nhsNumber }) => {
        this.current().reasons.declare({
          reasonCode,
          breakGlass,
          ...(freeText ? { freeText } : {}),
          ...(nhsNumber ? { nhsNumber } : {}),
        });
        return this.changed();
      },
    };
  }

  /** The signed-in session; callers run behind `check`, which has already refused anyone else. */
  current(): ClinicalSession {
    if (!this.session) {
      throw new BridgeError('not-permitted', 'Open the viewer from your clinical system, or sign in, first.');
    }
    return this.session;
  }

  /** `nhsNumber`: the patient the request is about (every 'reason' channel names one). */
  check(requirement: Requirement, nhsNumber?: string): void {
    if (requirement === 'none') return;
    const session = this.current();
    if (requirement === 'session') return;
    session.lock.activity();
    session.lock.assertUnlocked();
    if (requirement === 'caseload-reason') session.reasons.requireCaseloadReason();
    if (requirement === 'reason') {
      if (!nhsNumber) throw new BridgeError('invalid-argument', 'Which patient? No NHS number was given.');
      session.reasons.requireAccess(nhsNumber);
    }
  }

  /** How this patient's record is governed for the signed-in user (break-glass is per patient). */
  governance(nhsNumber: string): GovernOptions {
    const session = this.current();
    return {
      access: session.access,
      sensitive: this.options.sensitive,
      breakGlass: session.reasons.breakGlassFor(nhsNumber) !== undefined,
      breakGlassOverridesDissent: this.options.policy.breakGlassOverridesDissent,
    };
  }

  /** The signed-in user's id_token, for the regional authorization server (none for the CLI's OS user). */
  idToken(): SubjectToken | undefined {
    return this.session?.origin.smart?.idToken();
  }

  /** Called when the session locks or ends: whatever was opened for it must go. */
  onEnded(listener: () => void): void {
    this.endListeners.add(listener);
  }

  start(origin: SessionOrigin): SessionInfo {
    // Built before anything is replaced: a launch the policy refuses (an unmapped role) leaves the signed-in
    // clinician as they were.
    const session = new ClinicalSession({
      origin,
      roleMapping: this.options.policy.roleMapping,
      inactivityLockMinutes: this.options.policy.inactivityLockMinutes,
      ...(this.options.lockClock ? { lockClock: this.options.lockClock } : {}),
      onLock: () => {
        this.ended();
        this.changed();
      },
    });
    const previous = this.session;
    if (previous) {
      this.options.audit.record({ kind: 'sign-out' });
      // Its SMART session is not ended here: the refresh token is kept per issuer, and the new session at the
      // same issuer has just stored its own there.
      previous.dispose();
      this.ended();
    }
    this.session = session;
    this.options.audit.setUser(session.auditUser());
    this.options.audit.setPurposeFor((nhsNumber) => session.purposeFor(nhsNumber));
    this.options.audit.record({ kind: 'sign-in' });
    return this.changed();
  }

  /** A launch URI, `--iss/--launch` arguments or an authorization callback (first or second instance). */
  async handleLaunchArgs(argv: readonly string[]): Promise<void> {
    const callback = argv.find((arg) => isAuthorizationCallback(arg));
    if (callback) {
      this.start(launchOrigin(await this.options.launcher.completeAuthorization(callback)));
      return;
    }
    const request = parseLaunchArgv(argv);
    if (request) await this.options.launcher.beginEhrLaunch(request);
  }

  async signOut(): Promise<void> {
    const session = this.session;
    if (session) {
      this.options.audit.record({ kind: 'sign-out' });
      await session.origin.smart?.end();
      session.dispose();
      this.session = undefined;
    }
    this.ended();
    await this.options.cache?.onSignOut();
    this.options.emit('session:changed', null);
  }

  dispose(): void {
    this.session?.dispose();
  }

  /** Who is signed in now, for the composition's own callers (the bridge's app:get-state also hands out notices). */
  info(): SessionInfo | undefined {
    return this.session?.info();
  }

  private ended(): void {
    for (const listener of this.endListeners) listener();
  }

  private changed(): SessionInfo {
    const info = this.current().info();
    this.options.emit('session:changed', info);
    return info;
  }
}
