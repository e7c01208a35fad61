// The Electron host's save dialog for a handover PDF, on the window that asked: the one place the shell
// touches `dialog`. Where the PDF goes, and its tracking, stay in the services.
import { BrowserWindow, dialog, type WebContents } from 'electron';
import type { HostSaveDialog } from '../services/bridge/dispatch';

export function webContentsSaveDialog(contents: WebContents): HostSaveDialog {
  return {
    async choosePdfPath(defaultPath) {
      const options: Electron.SaveDialogOptions = {
        title: 'Save the handover summary',
        defaultPath,
        filters: [{ name: 'PDF', extensions: ['pdf'] }],
        properties: ['showOverwriteConfirmation', 'createDirectory'],
      };
      const owner = BrowserWindow.fromWebContents(contents);
      const { canceled, filePath } = owner
        ? await dialog.showSaveDialog(owner, options)
        : await dialog.showSaveDialog(options);
      return canceled || !filePath ? undefined : filePath;
    },
  };
}
