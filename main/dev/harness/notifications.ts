// The harness's stand-in for the operating system's notifications (a browser page has none that a test can
// read): it records what would have been shown, and can click one as the clinician would.
import type { DesktopNotifications, NotificationContent } from '../../services/notifications';

export interface RecordingNotifications extends DesktopNotifications {
  /** Every notification shown, in order. */
  readonly shown: NotificationContent[];
  /** Those still on screen or in the notification centre (shown, not withdrawn since). */
  readonly showing: NotificationContent[];
  /** Clicks the notification shown `index`-th (default: the latest). */
  click(index?: number): void;
  /** Plays the operating system's screen lock. */
  setScreenLocked(locked: boolean): void;
  /** Resolves once `count` notifications have been shown in all. */
  waitForCount(count: number): Promise<NotificationContent[]>;
}

export function recordingNotifications(): RecordingNotifications {
  const shown: NotificationContent[] = [];
  const showing: NotificationContent[] = [];
  const clicks: (() => void)[] = [];
  const waiting: { count: number; resolve: (shown: NotificationContent[]) => void }[] = [];
  let screenLocked = false;
  return {
    shown,
    showing,
    show(content, onClick) {
      shown.push(content);
      showing.push(content);
      clicks.push(onClick);
      for (const w of waiting.filter((w) => shown.length >= w.count)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve([...shown]);
      }
    },
    screenLocked: () => screenLocked,
    withdrawAll() {
      showing.length = 0;
    },
    click(index = clicks.length - 1) {
      const onClick = clicks[index];
      if (!onClick) throw new Error(`No notification ${index} was shown`);
      // A notification clicked leaves the notification centre, as the operating system's does.
      const at = showing.indexOf(shown[index]!);
      if (at >= 0) showing.splice(at, 1);
      onClick();
    },
    setScreenLocked(locked) {
      screenLocked = locked;
    },
    waitForCount(count) {
      if (shown.length >= count) return Promise.resolve([...shown]);
      return new Promise((resolve) => waiting.push({ count, resolve }));
    },
  };
}
