// A per-origin connection budget with two priorities: critical-section requests (and their next pages)
// jump ahead of bulk requests already waiting, so the first screen is never stuck behind observations.
export type Priority = 0 | 1;

export class PriorityLimiter {
  private active = 0;
  private readonly queues: [(() => void)[], (() => void)[]] = [[], []];

  constructor(private readonly limit: number) {}

  async run<T>(priority: Priority, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(priority, signal);
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(priority: Priority, signal?: AbortSignal): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const queue = this.queues[priority];
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const index = queue.indexOf(grant);
        if (index >= 0) queue.splice(index, 1);
        reject(signal?.reason ?? new Error('aborted'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(grant);
    });
  }

  private release(): void {
    const next = this.queues[0].shift() ?? this.queues[1].shift();
    if (next) next();
    else this.active--;
  }
}
