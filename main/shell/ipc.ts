// Binds the bridge contract to Electron IPC: only our own top frame may call, and every argument is
// validated by the dispatcher before any service sees it.
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { IPC_EVENT, IPC_INVOKE, type BridgeEventName } from '../../preload/contract';
import { dispatchBridgeRequest, type BridgeHandlers } from '../services/bridge/dispatch';
import { APP_ORIGIN } from '../services/renderer-assets';
import { webContentsPrinter } from './printing';
import { webContentsSaveDialog } from './save-dialog';

function isOurFrame(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return frame !== null && frame.parent === null && frame.url.startsWith(`${APP_ORIGIN}/`);
}

export function registerBridge(handlers: BridgeHandlers): void {
  ipcMain.handle(IPC_INVOKE, (event, channel: unknown, args: unknown) => {
    if (!isOurFrame(event)) {
      return { ok: false, error: { code: 'not-permitted', message: 'Request refused.' } };
    }
    return dispatchBridgeRequest(handlers, channel, args, {
      printer: webContentsPrinter(event.sender),
      saveDialog: webContentsSaveDialog(event.sender),
    });
  });
}

export function forwardEvents(win: BrowserWindow, name: BridgeEventName, payload: unknown): void {
  if (!win.isDestroyed()) win.webContents.send(IPC_EVENT, name, payload);
}
