// Who is signed in: the SMART launch (EHR or direct sign-in) or the CLI's operating-system user, their reason
// for access, the inactivity lock and sign-out. Owns the session slice of the bridge and the one check every
// other slice relies on (channel-rules' requirements).
import type { SubjectToken } from '../auth/token-exchange';
import type { AppState, BridgeEvents, LaunchStatus, SessionInfo } from '../../../preload/contract';
import type { AuditTrail } from '../audit';
import { BridgeError, type BridgeHandlers } from '../bridge/dispatch';
import type { OfflineCache } from '../cache/offline-cache';
import { ClinicalSession, launchOrigin, type SessionOrigin } from '../composition/clinical-session';
import type { GovernOptions, LockClock, SensitiveCodes } from '../governance';
import {
  isAuthorizationCallback,
  LaunchError,
  RelaunchRequiredError,
  parseLaunchArgv,
  type LaunchResult,
  type SmartLaunchService,
} from '../launch';
import type { EffectivePolicy } from '../policy';
import type { Requirement } from './channel-rules';

export type SessionHandlers = Pick<
  BridgeHandlers,
  'app:get-state' | 'session:sign-in' | 'session:unlock' | 'session:sign-out' | 'access:declare-reason'
>;

export interface DeclaredReason {
  nhsNumber: string;
  breakGlass: boolean;
}

export interface SessionFeatureOptions {
  policy: EffectivePolicy;
  sensitive: SensitiveCodes;
  launcher: SmartLaunchService;
  audit: AuditTrail;
  cache?: OfflineCache;
  emit: <E extends 'session:changed' | 'launch:status'>(name: E, payload: BridgeEvents[E]) => void;
  /** Everything the first screen shows besides the session. */
  appState: () => Omit<AppState, 'session' | 'defaultView'>;
  lockClock?: LockClock;
  /** When a reason for access was declared (the break-glass banner's time); default: the system clock. */
  clock?: () => Date;
  /** Sends the audit log's pending events now, as the signed-in user (their token goes at sign-out). */
  uploadAudit?: () => Promise<unknown>;
}

/** How long sign-out waits for the audit server before leaving the last events for the next sign-in. */
const SIGN_OUT_UPLOAD_WAIT_MS = 5_000;

export class SessionFeature {
  private session: ClinicalSession | undefined;
  /** The session being signed out: it stays current until its audit has gone, but shows nothing more. */
  private signingOut: ClinicalSession | undefined;
  /** The unlock in progress for the current session, or why the last one left it locked. */
  private unlock: { waiting: boolean; problem?: string } | undefined;
  private readonly endListeners = new Set<() => void>();
  private readonly startListeners = new Set<(session: ClinicalSession) => void>();
  private readonly reasonListeners = new Set<(reason: DeclaredReason) => void>();
  /** A session locked since the last typed sign-in: the next sign-in must be typed too. */
  private freshSignInNeeded = false;
  /** A launch from the EPR under way, or why the last one failed (cleared when a launch opens a session). */
  private launch: LaunchStatus | undefined;
  readonly handlers: SessionHandlers;

  constructor(private readonly options: SessionFeatureOptions) {
    this.handlers = {
      'app:get-state': async () => ({
        ...options.appState(),
        ...(this.session ? { session: this.infoOf(this.session) } : {}),
        ...(this.launch ? { launch: this.launch } : {}),
        defaultView: this.session?.access === 'urgent-care-and-documents' ? 'urgent-care' : 'full-summary',
      }),
      // The system browser takes over; the session starts when its callback comes back (handleLaunchArgs),
      // which may already have happened when the browser step is immediate (an auto-approving server).
      'session:sign-in': async () => {
        const before = this.session;
        // After a locked session the next sign-in must be typed: single sign-on must not reopen the viewer
        // for whoever reaches the keyboard and chooses "Sign out" on the lock screen.
        await options.launcher.beginStandaloneLaunch(undefined, undefined, {
          fresh: this.freshSignInNeeded,
        });
        return this.session && this.session !== before ? this.session.info() : null;
      },
      // Never a silent refresh: a fresh interactive sign-in at the same issuer, in the system browser, whose
      // callback (completeUnlock) unlocks only for the same user signing in after this request.
      'session:unlock': async () => {
        const session = this.current();
        if (!session.lock.isLocked()) return this.changed();
        const smart = session.origin.smart;
        if (!smart || !session.origin.idTokenClaims?.sub) {
          throw new BridgeError(
            'not-permitted',
            'This sign-in cannot be confirmed again. Sign out, then sign in or open the viewer from your clinical system.',
          );
        }
        this.unlock = { waiting: true };
        try {
          await options.launcher.beginReauthentication(smart.iss);
        } catch (error) {
          this.unlock = undefined;
          if (error instanceof LaunchError) throw new BridgeError('unavailable', error.message);
          throw error;
        }
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
        if (nhsNumber) for (const listener of this.reasonListeners) listener({ nhsNumber, breakGlass });
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

  /** Whether `session` is still the signed-in one, unlocked: what it asked for may still go to the screen. */
  shows(session: ClinicalSession): boolean {
    return this.session === session && this.signingOut !== session && !session.lock.isLocked();
  }

  /** Refuses to answer for a session that locked or ended while the answer was being made. */
  assertStillShows(session: ClinicalSession): void {
    if (this.shows(session)) return;
    session.lock.assertUnlocked();
    throw new BridgeError('not-permitted', 'The sign-in that asked for this has ended. Sign in again.');
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

  /** Called when a clinician signs in (the EPR's patient in context, if any, is on the session). */
  onStarted(listener: (session: ClinicalSession) => void): void {
    this.startListeners.add(listener);
  }

  /** Called when a clinician gives their reason for accessing one patient's record (they are about to open it). */
  onReasonDeclared(listener: (reason: DeclaredReason) => void): void {
    this.reasonListeners.add(listener);
  }

  start(origin: SessionOrigin): SessionInfo {
    // Built before anything is replaced: a launch the policy refuses (an unmapped role) leaves the signed-in
    // clinician as they were.
    const session = new ClinicalSession({
      origin,
      roleMapping: this.options.policy.roleMapping,
      inactivityLockMinutes: this.options.policy.inactivityLockMinutes,
      ...(this.options.lockClock ? { lockClock: this.options.lockClock } : {}),
      ...(this.options.clock ? { now: this.options.clock } : {}),
      onLock: () => {
        this.freshSignInNeeded = true;
        this.ended();
        this.changed();
      },
    });
    const previous = this.session;
    if (previous) {
      this.options.audit.record({ kind: 'sign-out' });
      // Signed out by the new sign-in: its own refresh token is deleted, and revoked unless the new sign-in is
      // the same clinician's at that server (SmartSession.end); the new one's is in an entry of its own.
      void previous.origin.smart?.end().catch(() => undefined);
      previous.dispose();
      this.ended();
    }
    this.session = session;
    this.unlock = undefined;
    // Signed in afresh (a launch from the EPR, or the typed sign-in asked for above).
    this.freshSignInNeeded = false;
    this.options.audit.setUser(session.auditUser());
    this.options.audit.setPurposeFor((nhsNumber) => session.purposeFor(nhsNumber));
    this.options.audit.record({ kind: 'sign-in' });
    for (const listener of this.startListeners) listener(session);
    // Signed in by any route: an earlier launch's failure is no longer what the screen is about.
    if (this.launch) this.launchStatus(undefined);
    return this.changed();
  }

  /** A launch URI, `--iss/--launch` arguments or an authorization callback (first or second instance). */
  async handleLaunchArgs(argv: readonly string[]): Promise<void> {
    const callback = argv.find((arg) => isAuthorizationCallback(arg));
    if (callback && this.options.launcher.isReauthenticationCallback(callback)) {
      await this.completeUnlock(callback);
      return;
    }
    try {
      if (callback) {
        const result = await this.options.launcher.completeAuthorization(callback);
        const wasLaunching = this.launch !== undefined;
        this.launch = undefined; // before start(), so the new session's patient is shown
        await this.startLaunched(result);
        if (wasLaunching) this.options.emit('launch:status', null);
        return;
      }
      const request = parseLaunchArgv(argv);
      if (!request) return;
      // The EPR has changed context: whatever patient was on screen goes at once, before the sign-in, and no
      // earlier reason for access stands, even if this launch fails and the session goes on.
      this.session?.reasons.contextChanged();
      this.launchStatus({ state: 'opening' });
      await this.options.launcher.beginEhrLaunch(request);
    } catch (error) {
      // A launch from the EPR that could not even be read is a change of context too.
      if (!callback) this.session?.reasons.contextChanged();
      // A launch a newer one replaced says nothing: the newer one is what the screen is about.
      if (!(error instanceof LaunchError && error.code === 'superseded')) {
        this.launchStatus({
          state: 'failed',
          message:
            error instanceof LaunchError || error instanceof RelaunchRequiredError
              ? error.message
              : 'The launch from your clinical system could not be completed. Please relaunch.',
        });
      }
      throw error;
    }
  }

  private launchStatus(status: LaunchStatus | undefined): void {
    if (this.launch === status) return;
    this.launch = status;
    this.options.emit('launch:status', status ?? null);
    if (this.session) this.options.emit('session:changed', this.infoOf(this.session));
  }

  /** A launch whose session the policy refuses (an unmapped role) leaves nothing stored behind. */
  private async startLaunched(result: LaunchResult): Promise<void> {
    try {
      this.start(launchOrigin(result));
    } catch (error) {
      await result.session.end().catch(() => undefined);
      throw error;
    }
  }

  /** The unlock's sign-in came back: the same user, freshly signed in, unlocks; anything else stays locked. */
  private async completeUnlock(callback: string): Promise<void> {
    const session = this.session;
    const claims = session?.origin.idTokenClaims;
    try {
      if (!session || typeof claims?.sub !== 'string' || typeof claims.iss !== 'string') {
        throw new LaunchError('reauthentication-refused', 'There is no locked session to unlock.');
      }
      const fresh = await this.options.launcher.completeReauthentication(callback, {
        subject: claims.sub,
        issuer: claims.iss,
      });
      if (this.session !== session) return; // signed out or relaunched meanwhile
      session.origin.idTokenClaims = fresh.claims as Record<string, unknown>;
      if (typeof fresh.claims.exp === 'number')
        session.origin.smart?.keepIdToken(fresh.idToken, fresh.claims.exp);
      this.unlock = undefined;
      this.freshSignInNeeded = false;
      session.lock.unlock();
      this.options.audit.record({ kind: 'sign-in' });
    } catch (error) {
      if (!session || this.session !== session) return;
      this.unlock = {
        waiting: false,
        problem:
          error instanceof LaunchError
            ? error.message
            : 'The sign-in could not be completed, so the viewer is still locked.',
      };
    }
    this.changed();
  }

  async signOut(): Promise<void> {
    const session = this.session;
    this.signingOut = session;
    this.unlock = undefined;
    if (session) this.options.audit.record({ kind: 'sign-out' });
    try {
      await this.options.cache?.onSignOut();
    } finally {
      // Signed out whatever the purge met (its failure is still reported to the caller).
      if (session) {
        // The session's events, its sign-out included, go while the user's sign-in can still vouch for
        // them; a slow or unreachable audit server leaves them in the local log for the next sign-in.
        await this.uploadAuditBeforeSignOut();
        try {
          await session.origin.smart?.end();
        } finally {
          session.dispose();
          this.session = undefined;
          this.signingOut = undefined;
        }
      }
      this.ended();
      this.options.emit('session:changed', null);
    }
  }

  private async uploadAuditBeforeSignOut(): Promise<void> {
    const upload = this.options.uploadAudit;
    if (!upload) return;
    const wait = new Promise<void>((resolve) => setTimeout(resolve, SIGN_OUT_UPLOAD_WAIT_MS).unref());
    await Promise.race([upload().catch(() => undefined), wait]);
  }

  /** The app is closing: the SMART session ends (its refresh token deleted and revoked), then the rest. */
  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.origin.smart?.end().catch(() => undefined);
    session?.dispose();
  }

  /**
   * Main gave this session reasons of its own (a caseload prefetch applies its list's reason to each patient in
   * it): the screen is told, so those patients open without being asked again.
   */
  reasonsChanged(session: ClinicalSession): void {
    if (this.shows(session)) this.changed();
  }

  /** Who is signed in now, for the composition's own callers (the bridge's app:get-state also hands out notices). */
  info(): SessionInfo | undefined {
    return this.session ? this.infoOf(this.session) : undefined;
  }

  /** While locked, nothing about a patient leaves main: no NHS number in context, no reasons. */
  private infoOf(session: ClinicalSession): SessionInfo {
    const info = session.info();
    if (!info.locked && this.launch) {
      // A launch from the EPR began after this session's: its patient in context is not the EPR's any more.
      const { patientNhsNumber: _p, eprPatientWithoutNhsNumber: _e, ...rest } = info;
      return rest;
    }
    if (!info.locked) return info;
    const { patientNhsNumber: _p, caseloadReason: _c, ...rest } = info;
    return { ...rest, patientReasons: [], ...(this.unlock ? { unlock: this.unlock } : {}) };
  }

  private ended(): void {
    for (const listener of this.endListeners) listener();
  }

  private changed(): SessionInfo {
    const info = this.infoOf(this.current());
    this.options.emit('session:changed', info);
    return info;
  }
}
