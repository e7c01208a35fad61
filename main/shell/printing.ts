// The Electron host's printer for a window: the system print dialog and printToPDF, on the webContents that
// asked. The renderer never prints itself.
import type { WebContents } from 'electron';
import type { HostPrinter } from '../services/bridge/dispatch';

/** Electron reports a dismissed dialog as a failure with a reason like "Print job canceled". */
const CANCELLED = /cancel/i;

export function webContentsPrinter(contents: WebContents): HostPrinter {
  return {
    print: () =>
      new Promise((resolve, reject) => {
        contents.print({ silent: false, printBackground: true }, (success, failureReason) => {
          if (success) resolve('printed');
          else if (CANCELLED.test(failureReason)) resolve('cancelled');
          else reject(new Error(`Printing failed: ${failureReason}`));
        });
      }),
    toPdf: () => contents.printToPDF({ printBackground: true, pageSize: 'A4' }),
  };
}
