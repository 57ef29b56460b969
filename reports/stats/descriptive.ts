// Descriptive statistics of one group of repetitions. Inputs are plain finite numbers: callers
// drop absent (null) values first and count them as missing.

export interface Descriptive {
  n: number;
  mean: number;
  median: number;
  /** Sample standard deviation (divisor n-1); null when n < 2. */
  stdev: number | null;
  /** Coefficient of variation in percent (100 * stdev / |mean|); null when stdev is null or mean is 0. */
  covPct: number | null;
  min: number;
  max: number;
}

/** Ascending copy; the input is never reordered. */
export function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/**
 * Quantile of already-sorted values by linear interpolation between order statistics:
 * Hyndman & Fan type 7, the default of numpy.quantile, R's quantile() and Excel's
 * PERCENTILE.INC. With h = (n-1)p the result is x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]).
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of an empty sample');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile probability ${p} is outside [0, 1]`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const below = sorted[lo] as number;
  const above = sorted[hi] as number;
  // Equal neighbours (also two infinities, whose difference is NaN) need no interpolation.
  if (below === above) return below;
  return below + (h - lo) * (above - below);
}

/** Quantile (type 7, see quantileSorted) of unsorted values. */
export function quantile(values: readonly number[], p: number): number {
  return quantileSorted(sortedCopy(values), p);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('mean of an empty sample');
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation (n-1 divisor, numpy's ddof=1); null for fewer than 2 values. */
export function stdev(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const m = mean(values);
  let squares = 0;
  for (const v of values) squares += (v - m) * (v - m);
  return Math.sqrt(squares / (values.length - 1));
}

/** Every descriptive statistic of a non-empty sample. */
export function describe(values: readonly number[]): Descriptive {
  if (values.length === 0) throw new RangeError('describe() needs at least one value');
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`non-finite value ${v} in sample`);
  }
  const sorted = sortedCopy(values);
  const m = mean(values);
  const sd = stdev(values);
  return {
    n: values.length,
    mean: m,
    median: quantileSorted(sorted, 0.5),
    stdev: sd,
    covPct: sd === null || m === 0 ? null : (100 * sd) / Math.abs(m),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}
