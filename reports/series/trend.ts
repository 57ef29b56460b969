// A robust trend through equally spaced points: Theil–Sen's slope (the median of every pairwise
// slope; Sen 1968), Kendall's test of "no trend" (Mann 1945, Kendall 1975: S, the count of rising
// minus falling pairs, with its tie-corrected variance and the normal approximation, fair from
// about 8 points) and Sen's distribution-free interval of the slope, which inverts that test.
import { normalSf } from '../stats/mann-whitney.js';
import { median } from '../stats/descriptive.js';

const Z95 = 1.959964;

export interface Trend {
  /** Theil–Sen slope per step of x (x = 0, 1, 2, ...). */
  slope: number;
  /** Median of y - slope·x: the line's value at x = 0. */
  intercept: number;
  /** Sen's 95% interval of the slope. */
  low: number;
  high: number;
  /** Kendall's S and its two-sided p value (normal approximation, continuity-corrected). */
  s: number;
  p: number;
}

/** The trend of ys taken at x = 0, 1, ..., n - 1; needs at least 3 points. */
export function theilSen(ys: readonly number[]): Trend {
  const n = ys.length;
  if (n < 3) throw new RangeError(`a trend needs 3 points, got ${n}`);
  const slopes: number[] = [];
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = ys[j]! - ys[i]!;
      slopes.push(d / (j - i));
      s += Math.sign(d);
    }
  }
  slopes.sort((a, b) => a - b);
  const slope = median(slopes);
  const intercept = median(ys.map((y, x) => y - slope * x));

  const variance = kendallVariance(ys);
  const z = variance > 0 ? (s - Math.sign(s)) / Math.sqrt(variance) : 0;
  const p = Math.min(1, 2 * normalSf(Math.abs(z)));

  // Sen's interval: the order statistics (N - C)/2 and (N + C)/2 + 1 of the N pairwise slopes.
  const spread = Z95 * Math.sqrt(variance);
  const lowRank = Math.max(1, Math.round((slopes.length - spread) / 2));
  const highRank = Math.min(slopes.length, Math.round((slopes.length + spread) / 2) + 1);
  return { slope, intercept, low: slopes[lowRank - 1]!, high: slopes[highRank - 1]!, s, p };
}

/** Var(S) under no trend, less the ties' share: [n(n-1)(2n+5) - Σ t(t-1)(2t+5)] / 18. */
function kendallVariance(ys: readonly number[]): number {
  const n = ys.length;
  const counts = new Map<number, number>();
  for (const y of ys) counts.set(y, (counts.get(y) ?? 0) + 1);
  let ties = 0;
  for (const t of counts.values()) ties += t * (t - 1) * (2 * t + 5);
  return (n * (n - 1) * (2 * n + 5) - ties) / 18;
}
