// Which viewer processes are still running, without trusting process ids: Windows and Linux hand a dead
// process's pid to the next process soon enough that "is pid 4312 alive?" can say yes for a crashed viewer,
// and its unfinished actions would never be recorded as incomplete. Instead each viewer holds a lock the
// operating system keeps (file-lock.ts) on a marker file of its own for as long as it runs.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { isFileLocked, tryFileLock, type FileLock } from '../cache/file-lock';

const RUN_ID = /^[0-9a-f-]{36}$/;

export class RunningViewers {
  private marker: FileLock | undefined;
  readonly runId = randomUUID();

  constructor(private readonly folder: string) {}

  /** Marks this process as running until `release` (or until it ends). */
  claim(): void {
    if (this.marker) return;
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    this.marker = tryFileLock(this.markerPath(this.runId));
  }

  release(): void {
    this.marker?.release();
    this.marker = undefined;
    this.forget(this.runId);
  }

  /** True while the viewer that claimed `runId` runs; a marker left by an ended viewer is removed. */
  isRunning(runId: string): boolean {
    if (runId === this.runId) return this.marker !== undefined;
    if (!RUN_ID.test(runId)) return false;
    if (isFileLocked(this.markerPath(runId))) return true;
    this.forget(runId);
    return false;
  }

  /** Whether another viewer process runs now (the app and a command at once, or a second copy). */
  othersRunning(): boolean {
    let names: string[];
    try {
      names = readdirSync(this.folder);
    } catch {
      return false;
    }
    return names
      .filter((name) => name.endsWith('.lock'))
      .map((name) => name.slice(0, -'.lock'.length))
      .some((runId) => runId !== this.runId && this.isRunning(runId));
  }

  private forget(runId: string): void {
    const marker = this.markerPath(runId);
    for (const file of [marker, `${marker}-journal`]) rmSync(file, { force: true });
  }

  private markerPath(runId: string): string {
    return path.join(this.folder, `${runId}.lock`);
  }
}
