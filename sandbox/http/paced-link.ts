// A slow network link the sandbox's answers share, as a clinician's mobile connection is shared by every
// source it reaches: bytes leave no faster than the link carries them, in slices, first come first served.
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

const SLICE_BYTES = 16 * 1024;

export class PacedLink {
  private readonly bytesPerMs: number;
  /** When the link is next free (performance.now() time). */
  private freeAt = 0;

  constructor(readonly megabitsPerSecond: number) {
    this.bytesPerMs = (megabitsPerSecond * 1_000_000) / 8 / 1000;
  }

  /** Writes the body slice by slice, each when the link has carried the ones before it, then ends. */
  async send(res: ServerResponse, body: Buffer): Promise<void> {
    for (let offset = 0; offset < body.length; offset += SLICE_BYTES) {
      const slice = body.subarray(offset, offset + SLICE_BYTES);
      const now = performance.now();
      this.freeAt = Math.max(now, this.freeAt) + slice.length / this.bytesPerMs;
      // Not holding the process open: a sandbox that is closing need not wait for the link.
      if (this.freeAt - now >= 1) await sleep(this.freeAt - now, undefined, { ref: false });
      if (res.destroyed) return;
      res.write(slice);
    }
    res.end();
  }
}
