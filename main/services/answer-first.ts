// Work that can wait until the answer to the screen has gone: a synchronous write or read of thousands of rows
// would otherwise hold the answer back.

/**
 * Long enough for an answer to leave the process: Electron's IPC reply goes at once, the Chromium harness's
 * (Playwright's binding) takes a few turns of the event loop.
 */
export const ANSWER_FIRST_MS = 200;

/**
 * Waits for the current answer to leave, which whoever then waits on the deferred work cuts short: their
 * answer is that work now (a read of the store, closing it, the command line printing its result).
 */
export class AnswerFirst {
  private readonly waiting = new Set<() => void>();
  private hurried = 0;

  /** Resolves once the current answer has left the process, or at once while someone is waiting on the work. */
  wait(): Promise<void> {
    if (this.hurried > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.waiting.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ANSWER_FIRST_MS);
      this.waiting.add(release);
    });
  }

  /** Runs `waitOnWork` with every wait, current or begun meanwhile, cut short. */
  async hurry<T>(waitOnWork: () => Promise<T>): Promise<T> {
    this.hurried++;
    for (const release of [...this.waiting]) release();
    try {
      return await waitOnWork();
    } finally {
      this.hurried--;
    }
  }
}
