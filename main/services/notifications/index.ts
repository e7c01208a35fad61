export type { DesktopNotifications, NotificationContent } from './desktop-notifications';
export { caseloadNotificationText, initialsOf, type NotificationDetail } from './caseload-notification-text';
export { CaseloadNotifier, type CaseloadNotifierOptions } from './caseload-notifier';
