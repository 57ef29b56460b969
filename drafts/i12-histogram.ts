// The dma_bench histogram of a phase (the `hist` record, format v2): its non-empty log-linear
// buckets, from which any percentile can be recomputed exactly as the module computes its own,
// and from which a report can draw the distribution.
import type { MicrobenchHistogram } from './types.js';

/**
 * The p-quantile (0 < p ≤ 1) as the module computes it (benches/dma_bench/stats.c): nearest rank,
 * the smallest bucket with at least ⌈count·p⌉ samples at or below it, reported as the bucket's
 * middle, clamped to the samples' min and max. Undefined for an empty histogram.
 */
export function histogramPercentile(h: MicrobenchHistogram, p: number, min: number, max: number): number | undefined {
  if (!(p > 0 && p <= 1)) throw new RangeError(`percentile ${p} is outside (0, 1]`);
  if (h.count === 0) return undefined;
  // The module's integer arithmetic on per-mille values: round the product to the nearest
  // integer first so that 0.999 × count does not come out a hair below an exact rank.
  const rank = Math.max(1, Math.ceil(Math.round(h.count * p * 1e6) / 1e6));
  let seen = 0;
  for (const b of h.buckets) {
    seen += b.count;
    if (seen >= rank) return Math.min(max, Math.max(min, b.low + Math.floor(b.width / 2)));
  }
  return max;
}
