// Desktop notifications for the caseload watch: events arriving together (a catch-up after a reconnect, a
// burst from one ward round) become one notification, worded by policy and the lock state at the moment it
// is shown. Clicking it brings the viewer forward on the "My caseload" screen.
import type { CaseloadEvent } from '../../../common/caseload-events';
import { caseloadNotificationText, type NotificationDetail } from './caseload-notification-text';
import type { DesktopNotifications } from './desktop-notifications';

export interface CaseloadNotifierOptions {
  desktop: DesktopNotifications;
  detail: NotificationDetail;
  /** The viewer's session is locked (or nobody is signed in). */
  sessionLocked: () => boolean;
  /** Show the caseload screen (after the host focused the window). */
  onOpen: () => void;
  /** How long events are gathered into one notification. */
  batchMs?: number;
}

export class CaseloadNotifier {
  private pending: CaseloadEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly options: CaseloadNotifierOptions) {}

  add(event: CaseloadEvent): void {
    this.pending.push(event);
    this.timer ??= setTimeout(() => this.flush(), this.options.batchMs ?? 250);
  }

  /** Shows what has gathered now, as one notification. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.pending;
    this.pending = [];
    if (!events.length) return;
    const locked = this.options.sessionLocked() || this.options.desktop.screenLocked();
    this.options.desktop.show(
      caseloadNotificationText(events, this.options.detail, locked),
      this.options.onOpen,
    );
  }

  /** Takes what was shown off the screen and out of the notification centre (the viewer locked or ended). */
  withdraw(): void {
    this.options.desktop.withdrawAll();
  }

  /** Nothing gathered is shown (sign-out, a new session, closing). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }
}
