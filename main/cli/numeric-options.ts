// Numeric command-line options, bounded: a deadline of 2^31 ms overflows Node's timers, so every number a
// command takes has a range and a clear message when outside it.
export function milliseconds(name: string, value: string, range: { min: number; max: number }): number {
  const parsed = Number(value);
  if (
    !/^\s*\d+\s*$/.test(value) ||
    !Number.isSafeInteger(parsed) ||
    parsed < range.min ||
    parsed > range.max
  ) {
    throw new Error(`${name} must be a whole number of milliseconds from ${range.min} to ${range.max}.`);
  }
  return parsed;
}
