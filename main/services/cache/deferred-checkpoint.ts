// When the offline store's write-ahead log is copied into the database file. SQLite's default does it in whichever
// commit leaves the log over 1,000 pages (after a save, the small one that lets its audit write mark go): for a
// 20,000-resource record that is a fifth of a second of synchronous work on the main process just as the clinician
// starts using the record (a results page or a search asked for then waits behind it). The store turns that off
// (checkpointOnCommit: false); here the copy happens once changes have paused for a while, or at once when the log
// has grown large (a caseload prefetch saving record after record), on a worker thread (checkpoint-worker.ts);
// closing the last connection copies the rest.
// The log is part of the encrypted database (its pages are encrypted the same way) and committed saves in it
// survive a crash, so deferring the copy changes when work happens, not what is kept.
import fs from 'node:fs';

export interface DeferredCheckpointOptions {
  /** The database's write-ahead log file (`<database>-wal`). */
  walFile: string;
  /** Copies the log into the database file (queued behind the store's other work). */
  checkpoint: () => Promise<void>;
  /** Quiet time after the last save before the copy. */
  delayMs: number;
  /** A log at least this large is copied straight after the save that grew it. */
  maxWalBytes: number;
}

export const DEFAULT_CHECKPOINT_DELAY_MS = 10_000;
export const DEFAULT_MAX_WAL_BYTES = 64 * 1024 * 1024;

export class DeferredCheckpoint {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: DeferredCheckpointOptions) {}

  /** After each committed change: copy now if the log is large, otherwise once changes have paused. */
  async afterChange(): Promise<void> {
    this.cancel();
    if (this.walBytes() >= this.options.maxWalBytes) {
      await this.run();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, this.options.delayMs);
    // A command-line process that has finished is not kept alive for it: closing checkpoints anyway.
    this.timer.unref();
  }

  /** Before the store closes (which checkpoints by itself). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private walBytes(): number {
    try {
      return fs.statSync(this.options.walFile).size;
    } catch {
      return 0;
    }
  }

  private async run(): Promise<void> {
    // A copy that cannot be made now (another process reading, the store being replaced) is made later:
    // by the next save's, or when the last connection closes.
    await this.options.checkpoint().catch(() => undefined);
  }
}
