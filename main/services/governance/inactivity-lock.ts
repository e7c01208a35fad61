// Inactivity lock: after policy.inactivityLockMinutes without user activity the session locks and the record
// is hidden until the user re-authenticates. Locked-ness is computed from the clock (so a laptop that slept
// past the limit is locked on wake even if no timer fired); the timer only announces the lock promptly.
import { SessionLockedError } from './errors';

export interface LockClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: LockClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

export const DEFAULT_INACTIVITY_MINUTES = 15;

export interface InactivityLockOptions {
  minutes?: number;
  clock?: LockClock;
  /** Called once each time the session locks (hide the record, tell the renderer). */
  onLock?: () => void;
}

export class InactivityLock {
  private lastActivity: number;
  private lockedManually = false;
  private announced = false;
  private timer: unknown;
  private readonly limitMs: number;
  private readonly clock: LockClock;

  constructor(private readonly options: InactivityLockOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.limitMs = (options.minutes ?? DEFAULT_INACTIVITY_MINUTES) * 60_000;
    this.lastActivity = this.clock.now();
    this.arm();
  }

  isLocked(): boolean {
    return this.lockedManually || this.clock.now() - this.lastActivity >= this.limitMs;
  }

  /** User input (or a bridge request the user made). Does not unlock a locked session. */
  activity(): void {
    if (this.isLocked()) {
      this.announce();
      return;
    }
    this.lastActivity = this.clock.now();
    this.arm();
  }

  lock(): void {
    this.lockedManually = true;
    this.announce();
  }

  /** Only after the user has re-authenticated. */
  unlock(): void {
    this.lockedManually = false;
    this.announced = false;
    this.lastActivity = this.clock.now();
    this.arm();
  }

  /** Throws SessionLockedError when locked (use before returning any record data). */
  assertUnlocked(): void {
    if (this.isLocked()) {
      this.announce();
      throw new SessionLockedError();
    }
  }

  dispose(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.dispose();
    const remaining = this.lastActivity + this.limitMs - this.clock.now();
    this.timer = this.clock.setTimer(
      () => {
        this.timer = undefined;
        if (this.isLocked()) this.announce();
        else this.arm();
      },
      Math.max(0, remaining),
    );
  }

  private announce(): void {
    if (this.announced) return;
    this.announced = true;
    this.dispose();
    this.options.onLock?.();
  }
}
