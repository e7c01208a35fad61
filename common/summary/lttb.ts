// Down-sampling a long series for a small chart by largest-triangle-three-buckets (Steinarsson, 2013): the
// points kept are those that shape the line most, so peaks and troughs survive where "the last N" would drop
// years of history. The caller's own must-keep points (abnormal readings) are always added back.

export interface XY {
  x: number;
  y: number;
}

/**
 * Indexes (ascending) of at most `threshold` points of `points` (sorted by x) chosen by LTTB; the first and
 * last are always kept. A threshold under 3, or no more points than it, keeps every point.
 */
export function largestTriangleThreeBuckets(points: readonly XY[], threshold: number): number[] {
  const n = points.length;
  if (threshold < 3 || n <= threshold) return points.map((_, i) => i);
  const kept = [0];
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  for (let bucket = 0; bucket < threshold - 2; bucket++) {
    // The next bucket's average is the third corner of the triangle.
    const nextStart = Math.floor((bucket + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((bucket + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let i = nextStart; i < nextEnd; i++) {
      avgX += points[i]!.x;
      avgY += points[i]!.y;
    }
    const span = Math.max(1, nextEnd - nextStart);
    avgX /= span;
    avgY /= span;
    const start = Math.floor(bucket * every) + 1;
    const end = Math.floor((bucket + 1) * every) + 1;
    const pa = points[a]!;
    let best = start;
    let bestArea = -1;
    for (let i = start; i < end; i++) {
      const p = points[i]!;
      const area = Math.abs((pa.x - avgX) * (p.y - pa.y) - (pa.x - p.x) * (avgY - pa.y));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    kept.push(best);
    a = best;
  }
  kept.push(n - 1);
  return kept;
}

/** LTTB's points plus every point `mustKeep` names, ascending, each once. */
export function downSample(
  points: readonly XY[],
  threshold: number,
  mustKeep: (index: number) => boolean,
): number[] {
  const kept = new Set(largestTriangleThreeBuckets(points, threshold));
  for (let i = 0; i < points.length; i++) if (mustKeep(i)) kept.add(i);
  return [...kept].sort((a, b) => a - b);
}
