// Percentile bootstrap confidence interval of the relative change of the median between two
// independent groups (base and candidate repetitions of the same cell on two kernels).
//
// Each iteration resamples, with replacement, n_base values from the base group and,
// independently, n_cand values from the candidate group (the groups are unpaired: repetition i
// on one kernel has nothing to do with repetition i on the other), takes both medians and
// records 100 * (median_cand / median_base - 1). The interval is the (alpha/2, 1 - alpha/2)
// quantiles (type 7, see descriptive.ts) of those B changes. The generator is seeded, so the
// same inputs, seed and B always give the same interval.
import { mulberry32, randomIndex, type Random } from './prng.js';
import { quantileSorted } from './descriptive.js';

export interface BootstrapOptions {
  /** Resampling iterations; 10000 by default. */
  iterations?: number;
  /** Confidence level; 0.95 by default. */
  level?: number;
  /** Seed of the generator; 1 by default. */
  seed?: number;
}

export interface BootstrapInterval {
  /** Percent change of the median of the observed samples (the point estimate). */
  estimatePct: number;
  lowPct: number;
  highPct: number;
  level: number;
  iterations: number;
  seed: number;
}

/** Percent change from base to candidate; ±Infinity or NaN when the base is 0. */
export function pctChange(base: number, candidate: number): number {
  if (base === 0) return candidate === 0 ? 0 : candidate > 0 ? Infinity : -Infinity;
  return (100 * (candidate - base)) / Math.abs(base);
}

/** Median of `n` values drawn with replacement from `values`, using `scratch` as workspace. */
function resampledMedian(values: readonly number[], random: Random, scratch: Float64Array): number {
  const n = values.length;
  for (let i = 0; i < n; i++) scratch[i] = values[randomIndex(random, n)] as number;
  scratch.sort();
  return quantileSorted(scratch, 0.5);
}

export function bootstrapMedianChange(
  base: readonly number[],
  candidate: readonly number[],
  options: BootstrapOptions = {},
): BootstrapInterval {
  const iterations = options.iterations ?? 10000;
  const level = options.level ?? 0.95;
  const seed = options.seed ?? 1;
  if (base.length === 0 || candidate.length === 0) throw new RangeError('bootstrap needs values in both groups');
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`bad iteration count ${iterations}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level ${level} is outside (0, 1)`);

  const random = mulberry32(seed);
  const baseScratch = new Float64Array(base.length);
  const candScratch = new Float64Array(candidate.length);
  const changes = new Float64Array(iterations);
  for (let b = 0; b < iterations; b++) {
    const baseMedian = resampledMedian(base, random, baseScratch);
    const candMedian = resampledMedian(candidate, random, candScratch);
    changes[b] = pctChange(baseMedian, candMedian);
  }
  changes.sort();
  const tail = (1 - level) / 2;
  const observedBase = quantileSorted(Float64Array.from(base).sort(), 0.5);
  const observedCand = quantileSorted(Float64Array.from(candidate).sort(), 0.5);
  return {
    estimatePct: pctChange(observedBase, observedCand),
    lowPct: quantileSorted(changes, tail),
    highPct: quantileSorted(changes, 1 - tail),
    level,
    iterations,
    seed,
  };
}
