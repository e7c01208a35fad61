// Whether this process is the installed product. Only the Electron entry can tell (app.isPackaged), and it says
// so once, before anything reads configuration; the desktop app and the app binary's --cli mode then agree.
// A one-way latch: nothing can turn a packaged build back into a development one.
let packaged = false;

export function markPackagedBuild(): void {
  packaged = true;
}

/**
 * True in the installed product: environment overrides (WESSEX_*) are ignored and machine policy is read only
 * from the places Windows lets administrators alone write.
 */
export function isPackagedBuild(): boolean {
  return packaged;
}
