// Electron entry: the only file that wires Electron to the plain-Node services. Keep it thin — everything a
// user relies on is reachable from the headless CLI and the Chromium harness too.
import { app, shell, type BrowserWindow } from 'electron';
import { join } from 'node:path';
import { createAppServices, type AppServices } from './services/app-services';
import { LAUNCH_SCHEME } from './services/launch-scheme';
import { defaultDataDir } from './services/paths';
import { registerAppScheme, serveRenderer } from './shell/app-protocol';
import { forwardEvents, registerBridge } from './shell/ipc';
import { createMainWindow, denyAllPermissions } from './shell/window';
import { denyDevicePermissions, guardOpenExternal, restrictSessionRequests } from './shell/hardening';

let services: AppServices | undefined;
let mainWindow: BrowserWindow | undefined;
/** Launch URIs that arrive before the services are ready (a second instance racing start-up). */
const pendingLaunches: string[][] = [];

registerAppScheme();
// Every renderer sandboxed, whatever its webPreferences say (must precede 'ready').
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  // Another instance is running: Electron passes our argv (the launch URI) to it through 'second-instance'.
  app.quit();
} else {
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
    void (services?.close() ?? Promise.resolve()).finally(() => app.quit());
  });
  void app.whenReady().then(start);
}

async function start(): Promise<void> {
  if (app.isPackaged) app.setAsDefaultProtocolClient(LAUNCH_SCHEME);
  denyAllPermissions();
  denyDevicePermissions();
  restrictSessionRequests();
  serveRenderer(join(__dirname, '../renderer'));
  services = await createAppServices({
    // Local, not roaming: encrypted patient data stays on this computer.
    dataDir: defaultDataDir(),
    openExternal: guardOpenExternal((url) => shell.openExternal(url)),
    exportDir: app.getPath('documents'),
  });
  registerBridge(services.handlers);
  const win = createMainWindow(join(__dirname, '../preload'));
  mainWindow = win;
  services.onEvent((name, payload) => forwardEvents(win, name, payload));
  pendingLaunches.unshift(process.argv);
  for (const argv of pendingLaunches.splice(0)) await services.handleLaunchArgs(argv);
}

async function deliverLaunch(argv: string[]): Promise<void> {
  if (!services) pendingLaunches.push(argv);
  else await services.handleLaunchArgs(argv);
}
