// Nothing missed, nothing twice: each Subscription's events are handed on in event-number order, exactly once.
// An event ahead of the next expected number is held, and the gap is reported so the caller can fetch it with
// `$events`; an event at or below the last one handed on is a redelivery and dropped. Across subscriptions
// (and polling), the same change to the same resource is recognised by `DeliveredFocus`.
import type { NotifiedEvent } from './notification';

export interface Accepted {
  /** In order, ready to hand on. */
  ready: NotifiedEvent[];
  /** Events missing before a held one (inclusive range), to fetch with `$events`. */
  gap?: { from: number; to: number };
  /** Redeliveries dropped. */
  duplicates: number;
}

/** The most events held waiting for a gap to fill, per subscription, before the gap is given up on. */
const MAX_HELD = 5_000;

export class EventSequence {
  private last = 0;
  private readonly held = new Map<number, NotifiedEvent>();

  constructor(startAfter = 0) {
    this.last = startAfter;
  }

  /** The last event number handed on: catch-up starts after it. */
  get lastDelivered(): number {
    return this.last;
  }

  accept(events: readonly NotifiedEvent[]): Accepted {
    let duplicates = 0;
    for (const event of events) {
      if (event.eventNumber <= this.last || this.held.has(event.eventNumber)) duplicates++;
      else this.held.set(event.eventNumber, event);
    }
    const ready = this.drain();
    if (this.held.size > MAX_HELD) {
      // The server cannot fill the gap: hand on what is held rather than hold it for ever.
      ready.push(...this.skipGap());
    }
    const next = this.held.size ? Math.min(...this.held.keys()) : undefined;
    return {
      ready,
      duplicates,
      ...(next !== undefined ? { gap: { from: this.last + 1, to: next - 1 } } : {}),
    };
  }

  /** The server says this many events have happened: any beyond the last handed on are missing. */
  missingUpTo(eventsSinceStart: number): { from: number; to: number } | undefined {
    return eventsSinceStart > this.last ? { from: this.last + 1, to: eventsSinceStart } : undefined;
  }

  /** Events after `eventNumber` were not handed on after all (they could not be kept): fetch them again. */
  rewind(eventNumber: number): void {
    this.last = Math.min(this.last, eventNumber);
  }

  /** A gap the server could not fill (beyond its history): go on from the events held after it. */
  skipGap(): NotifiedEvent[] {
    if (!this.held.size) return [];
    this.last = Math.min(...this.held.keys()) - 1;
    return this.drain();
  }

  private drain(): NotifiedEvent[] {
    const ready: NotifiedEvent[] = [];
    for (let next = this.held.get(this.last + 1); next; next = this.held.get(this.last + 1)) {
      this.held.delete(next.eventNumber);
      this.last = next.eventNumber;
      ready.push(next);
    }
    return ready;
  }
}

/**
 * Keys of changes already handed on (a resource's version, and what it meant: one admission per encounter),
 * bounded so a long watch stays flat in memory: the oldest keys go first.
 */
export class DeliveredFocus {
  private readonly seen = new Set<string>();

  constructor(private readonly limit = 50_000) {}

  /** Forgets keys whose changes could not be kept, so that their redelivery is not dropped. */
  forget(keys: readonly string[]): void {
    for (const key of keys) this.seen.delete(key);
  }

  /** True the first time any of these keys is seen; then remembers them all. */
  firstTime(keys: readonly string[]): boolean {
    if (keys.some((k) => this.seen.has(k))) return false;
    for (const key of keys) {
      this.seen.add(key);
      if (this.seen.size > this.limit) this.seen.delete(this.seen.values().next().value as string);
    }
    return true;
  }
}
