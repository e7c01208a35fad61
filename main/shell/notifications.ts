// Desktop notifications through Electron's Notification, at the shell edge: what they say is decided in main's
// services (caseload-notifier); here they are shown, a click brings the window forward, and the screen lock
// is followed where the OS reports it (powerMonitor's lock-screen / unlock-screen).
import { Notification, powerMonitor, type BrowserWindow } from 'electron';
import type { DesktopNotifications } from '../services/notifications';

export function electronNotifications(window: () => BrowserWindow | undefined): DesktopNotifications {
  let screenLocked = false;
  powerMonitor.on('lock-screen', () => (screenLocked = true));
  powerMonitor.on('unlock-screen', () => (screenLocked = false));
  // Held until closed or clicked: a notification collected while on screen loses its click handler.
  const showing = new Set<Notification>();
  return {
    show(content, onClick) {
      if (!Notification.isSupported()) return;
      const notification = new Notification({ title: content.title, body: content.body });
      showing.add(notification);
      notification.on('close', () => showing.delete(notification));
      notification.on('click', () => {
        showing.delete(notification);
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
  };
}
