// What the window that sent a bridge request can do for it. Its host supplies this per request: Electron from
// the sender's webContents, the Chromium harness from the calling page. Services never reach for a window.

/** What the host knows after its print dialog closed ("unconfirmed": a browser does not say). */
export type PrintOutcome = 'printed' | 'cancelled' | 'unconfirmed';

/** Printing is the host's job: the renderer asks, the host prints what the window shows (print media). */
export interface HostPrinter {
  /** The system print dialog. */
  print(): Promise<PrintOutcome>;
  /** The window's print rendering as an A4 PDF. */
  toPdf(): Promise<Uint8Array>;
}

/** The host's save dialog (Electron's dialog.showSaveDialog on the asking window). */
export interface HostSaveDialog {
  /** The path the user chose for the PDF, or undefined when they cancelled. */
  choosePdfPath(defaultPath: string): Promise<string | undefined>;
}

export interface BridgeCaller {
  /** Absent where the host cannot print (a unit test, a headed browser asked for a PDF). */
  printer?: HostPrinter;
  /** Absent where the host has no save dialog: saving where the user chooses is then unavailable. */
  saveDialog?: HostSaveDialog;
}
