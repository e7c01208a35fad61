// The operating system's notifications, as main's services see them. The Electron shell implements this with
// Electron's Notification (main/shell/notifications.ts); the Chromium harness and tests use a stand-in that
// records what would have been shown.
export interface NotificationContent {
  title: string;
  body: string;
}

export interface DesktopNotifications {
  /** Shows one notification; `onClick` runs after the host has brought the viewer's window forward. */
  show(content: NotificationContent, onClick: () => void): void;
  /** The operating system's screen lock, where the host can tell (Electron's powerMonitor); else false. */
  screenLocked(): boolean;
  /**
   * Takes every notification shown so far off the screen and out of the notification centre (the viewer has
   * locked or its clinician has gone: what was shown for them must not stay where anyone can read it).
   */
  withdrawAll(): void;
}
