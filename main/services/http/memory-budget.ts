// How many response bytes one source may hold in memory at once, across all its requests in flight. Bytes
// are taken as they arrive (never after buffering) and given back once the response has been digested.
export class MemoryBudget {
  private used = 0;

  constructor(readonly limitBytes: number) {}

  /** Takes `bytes` if they fit; false (and nothing taken) when they would pass the limit. */
  take(bytes: number): boolean {
    if (this.used + bytes > this.limitBytes) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get inUse(): number {
    return this.used;
  }
}
