// The change between two groups as a shift, with the confidence interval that inverts the rank
// test (Hodges & Lehmann 1963; Moses' interval, Hollander & Wolfe, Nonparametric Statistical
// Methods, section 4.3).
//
// On log values the shift is a ratio: candidate = base * exp(shift), so the change reads as a
// percentage, the same at 100 ns as at 100 us. Every value must be positive for that; otherwise
// the shift is of the values themselves (`linear`).
//
// The n1*n2 differences D = y_j - x_i (candidate minus base, on the chosen scale) are sorted. The
// estimate is their median. The interval is [D_(c), D_(n1 n2 + 1 - c)]: a shift d lies inside it
// exactly when the rank test of x against y - d does not reject, with P(U <= c - 1) in each tail.
// For continuous data its coverage is exactly 1 - 2 P(U <= c - 1) under the shift model, at every
// sample size and distribution. Those levels are discrete at small n (5 against 5: 96.8% or
// 94.4%, nothing between), so the level used is the achievable one closest to the one asked for
// (ties toward the wider interval), never more than half of 1 - level below it, and the level
// achieved is reported with the interval. When no finite interval reaches that (3 against 3: 90%
// at best), the interval is unbounded.
//
// With ties the closed interval covers at least its level: ties between a base and a shifted
// candidate value count towards "not rejected", so the count that decides can only lean towards
// keeping d inside (Hollander & Wolfe). Measured on values quantised like fio's and dma_bench's
// histograms (tests): at least the level when nothing changed; a shift that falls between bins is
// located only to within a bin, which the interval does not know about.
import { exactUCounts } from './rank-distribution.js';
import { normalSf } from './mann-whitney.js';
import { quantileSorted } from './descriptive.js';

export type ShiftScale = 'log' | 'linear';

export interface ShiftInterval {
  scale: ShiftScale;
  /** Hodges-Lehmann estimate: the median of the pairwise differences (on the scale). */
  estimate: number;
  /** Interval bounds on the scale; -Infinity/+Infinity when unbounded. */
  low: number;
  high: number;
  /** Confidence level actually achieved (1 when unbounded). */
  level: number;
  /** Order statistic c of the bounds (0 when unbounded). */
  rank: number;
}

export interface IntervalRank {
  /** c: the bounds are the c-th smallest and c-th largest difference; 0 = no finite interval. */
  rank: number;
  level: number;
}

/** Sizes above this product use the normal approximation of U's distribution for c. */
const EXACT_RANK_MAX_PAIRS = 2500;
const rankMemo = new Map<string, IntervalRank>();

function levelsExact(n1: number, n2: number): (c: number) => number {
  const counts = exactUCounts(n1, n2);
  const total = counts.reduce((s, v) => s + v, 0);
  const cdf = new Float64Array(counts.length);
  let acc = 0;
  for (let u = 0; u < counts.length; u++) {
    acc += counts[u]!;
    cdf[u] = acc / total;
  }
  return (c) => 1 - 2 * cdf[c - 1]!;
}

function levelsNormal(n1: number, n2: number): (c: number) => number {
  const mean = (n1 * n2) / 2;
  const sd = Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12);
  // P(U <= c - 1) with continuity correction.
  return (c) => 1 - 2 * normalSf((mean - (c - 1) - 0.5) / sd);
}

/**
 * Which order statistic bounds the interval for sizes n1, n2 and a wanted level: the achievable
 * level closest to `level`, not below level - (1 - level) / 2 (92.5% for 95%), ties to the wider.
 */
export function intervalRank(n1: number, n2: number, level = 0.95): IntervalRank {
  const key = `${n1},${n2},${level}`;
  const known = rankMemo.get(key);
  if (known) return known;
  const pairs = n1 * n2;
  const levelOf = pairs <= EXACT_RANK_MAX_PAIRS ? levelsExact(n1, n2) : levelsNormal(n1, n2);
  const floor = level - (1 - level) / 2;
  let best: IntervalRank = { rank: 0, level: 1 };
  // Levels fall as c grows; stop once they are below the floor.
  for (let c = 1; 2 * c <= pairs + 1; c++) {
    const achieved = levelOf(c);
    if (achieved < floor - 1e-12) break;
    const better = Math.abs(achieved - level) < Math.abs(best.level - level) - 1e-12;
    if (better) best = { rank: c, level: achieved };
  }
  if (rankMemo.size >= 4096) rankMemo.clear();
  rankMemo.set(key, best);
  return best;
}

/** True when every value is positive, so log values (a ratio) can be used. */
export function allPositive(values: readonly number[]): boolean {
  for (const v of values) if (!(v > 0)) return false;
  return true;
}

/** Sorted pairwise differences candidate - base on the scale. */
export function pairwiseDifferences(base: readonly number[], candidate: readonly number[], scale: ShiftScale): Float64Array {
  const x = scale === 'log' ? base.map(Math.log) : base;
  const y = scale === 'log' ? candidate.map(Math.log) : candidate;
  const d = new Float64Array(x.length * y.length);
  let k = 0;
  for (const yj of y) for (const xi of x) d[k++] = yj - xi;
  return d.sort();
}

export function shiftInterval(
  base: readonly number[],
  candidate: readonly number[],
  options: { level?: number; scale?: ShiftScale } = {},
): ShiftInterval {
  if (base.length === 0 || candidate.length === 0) throw new RangeError('a shift needs values in both groups');
  const scale = options.scale ?? (allPositive(base) && allPositive(candidate) ? 'log' : 'linear');
  if (scale === 'log' && !(allPositive(base) && allPositive(candidate))) throw new RangeError('log scale needs positive values');
  const d = pairwiseDifferences(base, candidate, scale);
  const estimate = quantileSorted(d, 0.5);
  const { rank, level } = intervalRank(base.length, candidate.length, options.level ?? 0.95);
  if (rank === 0) return { scale, estimate, low: -Infinity, high: Infinity, level: 1, rank };
  return { scale, estimate, low: d[rank - 1]!, high: d[d.length - rank]!, level, rank };
}
