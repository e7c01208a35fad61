// Deterministic randomness for the synthetic patients: the same seed always yields the same record.
import { nhsCheckDigit } from '../../common/nhs-number';

/** FNV-1a: a stable 32-bit hash of a string seed. */
export function hashSeed(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: small, fast, good enough for synthetic data (not for anything secret). */
export class Prng {
  private state: number;

  constructor(seed: string | number) {
    this.state = typeof seed === 'number' ? seed >>> 0 : hashSeed(seed);
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** Normal-ish value (sum of uniforms) rounded to `decimals`. */
  around(mean: number, spread: number, decimals = 0): number {
    const u = (this.next() + this.next() + this.next()) / 3 - 0.5;
    const f = 10 ** decimals;
    return Math.round((mean + u * 2 * spread) * f) / f;
  }

  /** Stable opaque hex id fragment. */
  hex(length: number): string {
    let out = '';
    while (out.length < length) out += Math.floor(this.next() * 16).toString(16);
    return out;
  }
}

/** A valid NHS number from the 999 test range, derived from the seed; `taken` keeps them unique. */
export function testNhsNumber(seed: string, taken: Set<string>): string {
  const rng = new Prng(`nhs:${seed}`);
  for (;;) {
    const firstNine = `999${String(rng.int(0, 999_999)).padStart(6, '0')}`;
    const check = nhsCheckDigit(firstNine);
    if (check === undefined) continue;
    const nhs = `${firstNine}${check}`;
    if (taken.has(nhs)) continue;
    taken.add(nhs);
    return nhs;
  }
}
