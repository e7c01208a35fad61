// Which viewer processes are still running, without trusting process ids: Windows and Linux hand a dead
// process's pid to the next process soon enough that "is pid 4312 alive?" can say yes for a crashed viewer,
// and its unfinished actions would never be recorded as incomplete. Instead each viewer holds an exclusive
// SQLite lock on a small marker file of its own for as long as it runs; the operating system drops that lock
// when the process ends, however it ends (closed, kill -9, power loss), and another process's attempt to
// take it tells the two cases apart. The markers hold no data.
import { mkdirSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';

const RUN_ID = /^[0-9a-f-]{36}$/;

export class RunningViewers {
  private marker: Database.Database | undefined;
  readonly runId = randomUUID();

  constructor(private readonly folder: string) {}

  /** Marks this process as running until `release` (or until it ends). */
  claim(): void {
    if (this.marker) return;
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    const marker = new Database(this.markerPath(this.runId));
    // In exclusive locking mode the first write takes the lock and keeps it until the connection closes.
    marker.pragma('locking_mode = EXCLUSIVE');
    marker.exec('CREATE TABLE IF NOT EXISTS running (one INTEGER)');
    this.marker = marker;
  }

  release(): void {
    this.marker?.close();
    this.marker = undefined;
    this.forget(this.runId);
  }

  /** True while the viewer that claimed `runId` runs; a marker left by an ended viewer is removed. */
  isRunning(runId: string): boolean {
    if (runId === this.runId) return this.marker !== undefined;
    if (!RUN_ID.test(runId)) return false;
    let probe: Database.Database;
    try {
      probe = new Database(this.markerPath(runId), { fileMustExist: true, timeout: 0 });
    } catch {
      return false; // no marker: that viewer closed and removed it
    }
    try {
      probe.exec('BEGIN IMMEDIATE');
      probe.exec('ROLLBACK');
    } catch (error) {
      probe.close();
      if ((error as { code?: string }).code === 'SQLITE_BUSY') return true;
      throw error;
    }
    probe.close();
    this.forget(runId);
    return false;
  }

  private forget(runId: string): void {
    const marker = this.markerPath(runId);
    for (const file of [marker, `${marker}-journal`]) rmSync(file, { force: true });
  }

  private markerPath(runId: string): string {
    return path.join(this.folder, `${runId}.lock`);
  }
}
