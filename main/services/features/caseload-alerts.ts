// The caseload watch on the bridge: start and stop watching the clinician's caseload, a page of what it saw,
// its events pushed to the "My caseload" screen and to desktop notifications, and opening a reported
// patient's record under the caseload's reason (as a prefetch's reason covers each patient it saves).
import { notWatching, type CaseloadEvent } from '../../../common/caseload-events';
import { normaliseNhsNumber } from '../../../common/nhs-number';
import type { BridgeEvents } from '../../../preload/contract';
import type { AuditTrail } from '../audit';
import { BridgeError, type BridgeHandlers } from '../bridge/dispatch';
import { CaseloadWatchProblem, type CaseloadWatchService } from '../caseload-alerts';
import type { AccessDeclaration } from '../governance/access-reason';
import { CaseloadNotifier, type DesktopNotifications, type NotificationDetail } from '../notifications';
import type { SessionFeature } from './session';

export type CaseloadAlertHandlers = Pick<
  BridgeHandlers,
  'caseload:watch-start' | 'caseload:watch-stop' | 'caseload:events' | 'caseload:open-patient'
>;

type CaseloadEventName = 'caseload:event' | 'caseload:status' | 'caseload:show';

export interface CaseloadAlertsOptions {
  sessions: SessionFeature;
  watch: CaseloadWatchService;
  audit: AuditTrail;
  notifications: DesktopNotifications | undefined;
  notificationDetail: NotificationDetail;
  emit: <E extends CaseloadEventName>(name: E, payload: BridgeEvents[E]) => void;
}

export class CaseloadAlertsFeature {
  readonly handlers: CaseloadAlertHandlers;
  /** The reason the running watch was started under, for the session that started it. */
  private held: { sessionId: string; reason: AccessDeclaration } | undefined;
  /**
   * The session that started the last watch: only it lists the kept events about that caseload (one store
   * holds every user's; another clinician starts a watch, and gives a reason, for their own).
   */
  private listedFor: string | undefined;
  private readonly notifier: CaseloadNotifier | undefined;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly options: CaseloadAlertsOptions) {
    const { sessions, watch, audit } = options;
    this.notifier =
      options.notifications &&
      new CaseloadNotifier({
        desktop: options.notifications,
        detail: options.notificationDetail,
        sessionLocked: () => sessions.info()?.locked ?? true,
        onOpen: () => options.emit('caseload:show', {}),
      });
    this.unsubscribe.push(
      watch.onEvent((event) => this.delivered(event)),
      watch.onStatus((status) => {
        if (this.watchingFor()) options.emit('caseload:status', status);
      }),
    );
    // A lock keeps the watch (its notifications then give only the count); sign-out or another clinician's
    // launch ends it, and the reason with it. Either way what was shown before goes from the notification centre.
    sessions.onEnded(() => {
      this.notifier?.withdraw();
      queueMicrotask(() => void this.stopUnlessLocked());
    });

    this.handlers = {
      'caseload:watch-start': async ({ fromSource, listId, nhsNumbers }) => {
        const session = sessions.current();
        // One reason for the caseload (checked by the channel rule), taken by this watch for its patients.
        const reason = session.reasons.takeCaseloadReason();
        // Held before the watch starts, so the connection changes it reports while starting reach the screen.
        this.held = { sessionId: session.id, reason };
        this.listedFor = undefined;
        try {
          const status = await watch.start({
            ...(fromSource ? { fromSource } : {}),
            ...(listId ? { listId } : {}),
            ...(nhsNumbers?.length ? { nhsNumbers: [...new Set(nhsNumbers.map(normaliseNhsNumber))] } : {}),
          });
          this.listedFor = session.id;
          return status;
        } catch (error) {
          this.held = undefined;
          // The watch's own plain words (nothing to watch, too many patients, the list could not be read).
          if (error instanceof CaseloadWatchProblem) throw new BridgeError('unavailable', error.message);
          throw error;
        }
      },
      'caseload:watch-stop': async () => {
        this.held = undefined;
        this.notifier?.dispose();
        await watch.stop();
        return {};
      },
      'caseload:events': async ({ limit, offset, olderThan }) => {
        // Another clinician's watch (its patients, its sources' state) is not this one's to see.
        if (this.listedFor !== sessions.current().id) return { rows: [], total: 0, status: notWatching() };
        const page = await watch.events({ limit, offset, ...(olderThan ? { olderThan } : {}) });
        return { ...page, status: watch.status() };
      },
      'caseload:open-patient': async ({ nhsNumber }) => {
        const session = sessions.current();
        const held = this.watchingFor();
        const nhs = normaliseNhsNumber(nhsNumber);
        if (!held || !(await watch.reportsOn(nhs))) {
          throw new BridgeError(
            'not-permitted',
            'The caseload reason covers only patients the caseload watch reported on: give your reason for this patient.',
          );
        }
        if (session.reasons.applyCaseloadReason(nhs, held.reason) === held.reason) {
          audit.record({ kind: 'access-reason', reasonCode: held.reason.reasonCode, nhsNumber: nhs });
        }
        return session.info();
      },
    };
  }

  /** The viewer is closing: what it showed leaves the notification centre with it. */
  dispose(): void {
    for (const stop of this.unsubscribe.splice(0)) stop();
    this.notifier?.dispose();
    this.notifier?.withdraw();
  }

  private delivered(event: CaseloadEvent): void {
    const held = this.watchingFor();
    if (!held) return;
    // The screen is not shown while locked, so nothing about a patient goes to it until the clinician unlocks
    // (the screen then reads the events again); the notification says only the count meanwhile.
    if (!this.options.sessions.info()?.locked) this.options.emit('caseload:event', event);
    this.notifier?.add(event);
  }

  /** The held reason, while the session that started the watch is the one signed in. */
  private watchingFor(): { sessionId: string; reason: AccessDeclaration } | undefined {
    const held = this.held;
    return held && this.options.sessions.info()?.id === held.sessionId ? held : undefined;
  }

  /**
   * The session locked, or ended (signed out, or replaced by another launch): only a lock keeps the watch,
   * whoever started it (the screen, the CLI). Run after the change has settled.
   */
  private async stopUnlessLocked(): Promise<void> {
    if (this.options.sessions.info()?.locked) return;
    this.held = undefined;
    this.notifier?.dispose();
    await this.options.watch.stop().catch(() => undefined);
  }
}
