// Fewer points for a curve drawn on a log x axis, so a page of many distributions stays small: a
// histogram merged over repetitions can have hundreds of buckets, a screen shows a few hundred
// pixels. Points are kept by equal steps of log x (what the eye sees on a log axis), the first
// and the last always (the fastest sample and the slowest bucket: the tail is what these charts
// are read for).

/**
 * At most `max` (≥ 2) of `points` (x > 0, rising), in order: the first, the last, and in each of
 * `max` − 2 equal slices of log x between them the first point that falls there.
 */
export function downsampleLogX<T extends { x: number }>(points: readonly T[], max: number): T[] {
  if (max < 2) throw new RangeError(`downsampleLogX: max ${max} < 2`);
  if (points.length <= max) return [...points];
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const lo = Math.log(first.x);
  const span = Math.log(last.x) - lo;
  const slices = max - 2;
  const kept: T[] = [first];
  let slice = -1;
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i]!;
    const s = span > 0 ? Math.min(slices - 1, Math.floor(((Math.log(p.x) - lo) / span) * slices)) : 0;
    if (s > slice) {
      kept.push(p);
      slice = s;
    }
  }
  kept.push(last);
  return kept;
}
