// Desktop notifications through Electron's Notification, at the shell edge: what they say is decided in main's
// services (caseload-notifier); here they are shown, a click brings the window forward, and the screen lock
// is followed where the OS reports it (powerMonitor's lock-screen / unlock-screen): locking the screen takes the
// viewer's notifications out of the notification centre, as the viewer's own lock does.
import { Notification, powerMonitor, type BrowserWindow } from 'electron';
import type { DesktopNotifications } from '../services/notifications';

/**
 * The most notifications held at once: more than any notification centre keeps for one app (Windows keeps 20).
 * Past it the oldest is closed and let go, so a long unlocked day cannot grow the set without end; every update
 * stays listed on the caseload screen.
 */
export const MOST_NOTIFICATIONS_HELD = 50;

export function electronNotifications(window: () => BrowserWindow | undefined): DesktopNotifications {
  let screenLocked = false;
  // Held until clicked or withdrawn, also once off the screen: a notification collected loses its click handler,
  // and only a notification still held can be taken out of the notification centre (close() does that).
  const shown = new Set<Notification>();
  const withdrawAll = () => {
    for (const notification of shown) notification.close();
    shown.clear();
  };
  powerMonitor.on('lock-screen', () => {
    screenLocked = true;
    withdrawAll();
  });
  powerMonitor.on('unlock-screen', () => (screenLocked = false));
  return {
    show(content, onClick) {
      if (!Notification.isSupported()) return;
      const notification = new Notification({ title: content.title, body: content.body });
      shown.add(notification);
      if (shown.size > MOST_NOTIFICATIONS_HELD) {
        const oldest = shown.values().next().value as Notification;
        oldest.close();
        shown.delete(oldest);
      }
      notification.on('click', () => {
        shown.delete(notification);
        const win = window();
        if (win && !win.isDestroyed()) {
          if (win.isMinimized()) win.restore();
          win.show();
          win.focus();
        }
        onClick();
      });
      notification.show();
    },
    screenLocked: () => screenLocked,
    withdrawAll,
  };
}
