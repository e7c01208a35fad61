// Time limits as abort signals: a deadline aborts with DeadlineExceeded, so "out of time" can be told apart
// from a user's cancel wherever the signal ends up.

export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`did not finish within ${durationText(ms)}`);
    this.name = 'DeadlineExceeded';
  }
}

/** "800 ms", "1.5 s", "30 s": a limit as set, never rounded into another one (1,500 ms is not "2 s"). */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  return `${seconds < 10 ? Math.round(seconds * 10) / 10 : Math.round(seconds)} s`;
}

export interface Deadline {
  readonly signal: AbortSignal;
  readonly ms: number;
  /** Stops the clock (the signal stays as it is). */
  clear(): void;
}

/** A signal that aborts with DeadlineExceeded after `ms`; its timer never keeps the process alive. */
export function startDeadline(ms: number): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineExceeded(ms)), ms);
  timer.unref();
  return { signal: controller.signal, ms, clear: () => clearTimeout(timer) };
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts (the work itself is not stopped). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

/**
 * Waits `ms` (a Retry-After, a backoff) unless the signal aborts first. The timer keeps the process alive while
 * it runs — nothing else may (idle sockets do not): a command waiting on a busy server must not just exit.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
