// Work that can wait until the answer to the screen has gone: a synchronous write or read of thousands of rows
// would otherwise hold the answer back.

/**
 * Long enough for an answer to leave the process: Electron's IPC reply goes at once, the Chromium harness's
 * (Playwright's binding) takes a few turns of the event loop.
 */
export const ANSWER_FIRST_MS = 200;

/** Resolves once the current answer has left the process. */
export function afterTheAnswer(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ANSWER_FIRST_MS));
}
