// Per-step curves (up to ~10^5 steps a cell) thinned for drawing without changing what is drawn: M4 aggregation
// (Jugel et al., "M4: a visualization-oriented time series data aggregation", VLDB 2014). Per bucket of x, the
// first, last, lowest and highest points are kept, so a line drawn through them covers the same pixels as the
// full curve at up to one bucket per pixel column: a schedule's peaks, its troughs and a one-cycle annihilation
// phase keep their exact values and places.

/**
 * The points of `points` (in increasing x) that M4 keeps with `buckets` equal buckets over their x range, in the
 * same order; inside a run of equal y only the run's ends are kept (a flat stretch needs no more).
 */
export function downsampleForDrawing<T>(points: readonly T[], x: (point: T) => number, y: (point: T) => number, buckets: number): T[] {
  if (points.length <= 2) return [...points];
  const first = x(points[0]!);
  const width = x(points.at(-1)!) - first || 1;
  const keep = new Set<number>();
  let start = 0;
  while (start < points.length) {
    const bucket = Math.min(buckets - 1, Math.floor(((x(points[start]!) - first) / width) * buckets));
    let end = start;
    let low = start;
    let high = start;
    while (end + 1 < points.length && Math.min(buckets - 1, Math.floor(((x(points[end + 1]!) - first) / width) * buckets)) === bucket) {
      end++;
      if (y(points[end]!) < y(points[low]!)) low = end;
      if (y(points[end]!) > y(points[high]!)) high = end;
    }
    for (const index of [start, low, high, end]) keep.add(index);
    start = end + 1;
  }
  const kept = [...keep].sort((a, b) => a - b);
  return kept
    .filter((index, k) => k === 0 || k === kept.length - 1 || !(y(points[kept[k - 1]!]!) === y(points[index]!) && y(points[index]!) === y(points[kept[k + 1]!]!)))
    .map((index) => points[index]!);
}
