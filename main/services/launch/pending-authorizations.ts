// The `state` of each authorization in flight: 256 random bits, single use, expiring, bound to the launch
// (iss, launch, PKCE verifier, redirect URI). fhirclient's own state handling is not used for these checks.
import { randomBytes } from 'node:crypto';
import { LaunchError } from './errors';

export const STATE_TTL_MS = 10 * 60 * 1000;

export function newState(): string {
  return randomBytes(32).toString('base64url');
}

interface Entry<T> {
  value: T;
  expiresAt: number;
}

export class PendingAuthorizations<T> {
  private readonly pending = new Map<string, Entry<T>>();
  /** States already redeemed (until they would have expired), so a replay gets its own message. */
  private readonly used = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs: number = STATE_TTL_MS,
  ) {}

  add(state: string, value: T): void {
    this.sweep();
    this.pending.set(state, { value, expiresAt: this.now() + this.ttlMs });
  }

  /** Removes and returns the authorization for this state, or throws a clear, specific error. */
  consume(state: string | undefined): T {
    this.sweep();
    if (!state) {
      throw new LaunchError(
        'state-missing',
        'The sign-in response carried no state, so it cannot be matched to a launch from this viewer. Please relaunch.',
      );
    }
    const entry = this.pending.get(state);
    if (!entry) {
      const replay = this.used.has(state);
      throw new LaunchError(
        'state-unknown',
        replay
          ? 'This sign-in response has already been used. Please relaunch from your clinical system.'
          : 'This sign-in response does not match any launch started by this viewer. Please relaunch.',
      );
    }
    this.pending.delete(state);
    this.used.set(state, entry.expiresAt);
    if (entry.expiresAt <= this.now()) {
      throw new LaunchError('state-expired', 'The sign-in took too long and has expired. Please relaunch.');
    }
    return entry.value;
  }

  /** The authorization this state belongs to, without using it up (undefined when unknown or expired). */
  peek(state: string | undefined): T | undefined {
    const entry = state ? this.pending.get(state) : undefined;
    return entry && entry.expiresAt > this.now() ? entry.value : undefined;
  }

  get size(): number {
    return this.pending.size;
  }

  private sweep(): void {
    const now = this.now();
    // Expired pending entries are kept until consumed so "expired" can be reported; drop them after a day.
    for (const [state, entry] of this.pending)
      if (entry.expiresAt + 24 * 3600_000 < now) this.pending.delete(state);
    for (const [state, until] of this.used) if (until + this.ttlMs < now) this.used.delete(state);
  }
}
