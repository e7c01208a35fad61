// What the window that sent a bridge request can do for it. Its host supplies this per request: Electron from
// the sender's webContents, the Chromium harness from the calling page. Services never reach for a window.

/** Printing is the host's job: the renderer asks, the host prints what the window shows (print media). */
export interface HostPrinter {
  /** The system print dialog; `printed: false` when the user cancels it. */
  print(): Promise<{ printed: boolean }>;
  /** The window's print rendering as an A4 PDF. */
  toPdf(): Promise<Uint8Array>;
}

export interface BridgeCaller {
  /** Absent where the host cannot print (a unit test, a headed browser asked for a PDF). */
  printer?: HostPrinter;
}
