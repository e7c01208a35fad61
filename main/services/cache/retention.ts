// Retention while the app runs: expired offline records are purged on a timer (as well as at start-up and
// sign-out). The timer is unref'd so it never keeps the process alive.
import type { OfflineCache, RetentionPolicy } from './offline-cache';

export const DEFAULT_PURGE_INTERVAL_MS = 15 * 60_000;

export function retentionFromPolicy(policy: Partial<RetentionPolicy> = {}): RetentionPolicy {
  return {
    retentionHours: policy.retentionHours ?? 72,
    pinnedRetentionHours: policy.pinnedRetentionHours ?? 168,
  };
}

export interface RetentionTimerOptions {
  intervalMs?: number;
  /** Told how many records each purge removed (for the audit log: counts, never who). */
  onPurged?: (count: number) => void;
  onError?: (error: unknown) => void;
}

export function startRetentionTimer(cache: OfflineCache, options: RetentionTimerOptions = {}): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    cache
      .purgeExpired()
      .then((count) => {
        if (count > 0) options.onPurged?.(count);
      })
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        running = false;
      });
  }, options.intervalMs ?? DEFAULT_PURGE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
