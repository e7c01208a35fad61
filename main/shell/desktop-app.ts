// The Electron app around a viewer: one instance, launch URIs from argv and the OS, the hardened window, the
// bridge over IPC and preferences kept with electron-store. Which viewer (the product's, or the development
// sandbox's) is the entry point's choice.
import { app, shell, type BrowserWindow } from 'electron';
import { join } from 'node:path';
import type { Viewer, ViewerOptions } from '../services/composition/viewer';
import { defaultDataDir } from '../services/paths';
import { registerAppScheme, serveRenderer } from './app-protocol';
import { denyDevicePermissions, guardOpenExternal, restrictSessionRequests } from './hardening';
import { forwardEvents, registerBridge } from './ipc';
import { registerLaunchSchemeInDevelopment } from './launch-scheme-registration';
import { electronNotifications } from './notifications';
import { openElectronStoreFile } from './preferences-file';
import { createMainWindow, denyAllPermissions } from './window';

export type ViewerFactory = (options: ViewerOptions) => Promise<Viewer>;

export function runDesktopApp(createViewer: ViewerFactory): void {
  let viewer: Viewer | undefined;
  let mainWindow: BrowserWindow | undefined;
  /** Launch URIs that arrive before the viewer is ready (a second instance racing start-up). */
  const pendingLaunches: string[][] = [];
  // A failed launch is logged and put on screen by the viewer (launch:status); here it must not become an
  // unhandled rejection, nor stop the launches queued behind it.
  const deliverLaunch = async (argv: string[]): Promise<void> => {
    if (!viewer) pendingLaunches.push(argv);
    else await viewer.handleLaunchArgs(argv).catch(() => undefined);
  };

  registerAppScheme();
  // Every renderer sandboxed, whatever its webPreferences say (must precede 'ready').
  app.enableSandbox();

  if (!app.requestSingleInstanceLock()) {
    // Another instance is running: Electron passes our argv (the launch URI) to it through 'second-instance'.
    app.quit();
    return;
  }
  app.on('second-instance', (_event, argv) => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
    void deliverLaunch(argv);
  });
  app.on('open-url', (event, url) => {
    event.preventDefault();
    void deliverLaunch([url]);
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });
  app.on('window-all-closed', () => {
    // Quit even if closing the stores failed.
    void (viewer?.close() ?? Promise.resolve()).catch(() => undefined).finally(() => app.quit());
  });
  void app.whenReady().then(async () => {
    registerLaunchSchemeInDevelopment();
    denyAllPermissions();
    denyDevicePermissions();
    restrictSessionRequests();
    serveRenderer(join(__dirname, '../renderer'));
    viewer = await createViewer({
      // Local, not roaming: encrypted patient data stays on this computer.
      dataDir: defaultDataDir(),
      openExternal: guardOpenExternal((url) => shell.openExternal(url)),
      exportDir: app.getPath('documents'),
      preferencesFile: openElectronStoreFile,
      notifications: electronNotifications(() => mainWindow),
      forgetLeftRefreshTokens: true,
    });
    registerBridge(viewer.handlers);
    const win = createMainWindow(join(__dirname, '../preload'));
    mainWindow = win;
    viewer.onEvent((name, payload) => forwardEvents(win, name, payload));
    pendingLaunches.unshift(process.argv);
    for (const argv of pendingLaunches.splice(0)) await deliverLaunch(argv);
  });
}
