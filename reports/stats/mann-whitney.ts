// Two-sided Mann-Whitney U (Wilcoxon rank-sum) test of two independent samples.
//
// U is the statistic of the first sample: U1 = R1 - n1(n1+1)/2, with R1 the sum of its ranks in
// the pooled sample (tied values get their mean rank), i.e. the number of pairs (x, y) with
// x > y plus half the pairs with x = y. This is what scipy.stats.mannwhitneyu returns.
//
// The p-value is that of the permutation test conditional on the observed values, two-sided as
// scipy.stats.permutation_test defines it: p = min(1, 2 * min(P(U <= u1), P(U >= u1))) over the
// C(n1+n2, n1) equally likely splits of the pooled values. Without ties this is the classic exact
// test (the distribution is symmetric, so it equals scipy's method='exact'). Ties are the rule in
// dmabench's data (fio percentiles are histogram bins, dma_bench percentiles bucket midpoints, call
// counts repeat), and the normal approximation is anti-conservative exactly there: [10,10,10]
// against [11,11,11] has an exact p of 0.1, the normal approximation says 0.047.
//
// Method 'auto' (the default):
// - 'exact' (conditional on the ties, rank-distribution.ts) whenever counting the distribution is
//   cheap: at most 2e7 steps, which covers every n1 + n2 <= 30 and balanced sizes up to about 80;
// - 'asymptotic' beyond that, when both samples have at least 10 values and ties are light (the
//   tie correction sum(t^3 - t) / (n^3 - n) at most 0.05): the normal approximation with tie and
//   continuity correction,
//   z = (max(U1, U2) - n1 n2 / 2 - 1/2) / sqrt(n1 n2 / 12 * ((n + 1) - sum(t^3 - t) / (n (n - 1)))),
//   p = min(1, 2 * (1 - Phi(z))) (scipy's method='asymptotic', use_continuity=True). Measured
//   against the exact conditional p (p between 0.001 and 0.2, random samples): within 0.004 without
//   ties from 10 against 21 up, but off by up to 0.09 at 20 against 20 and 0.024 at 40 against 41
//   when a few values take most of the samples (tie correction 0.2), hence the second condition;
// - 'permutation' otherwise: 10^5 seeded random splits,
//   p = min(1, 2 * (min(#(U <= u1), #(U >= u1)) + 1) / (draws + 1)), as scipy's permutation_test
//   computes it for random resamples.
import { mulberry32, randomIndex } from './prng.js';
import { rankPooled } from './ranks.js';
import { conditionalCost, conditionalUDistribution, smallestP, twoSidedP } from './rank-distribution.js';

export { exactUCounts } from './rank-distribution.js';

export type MannWhitneyMethod = 'exact' | 'asymptotic' | 'permutation';

export interface MannWhitneyOptions {
  /** 'auto' (default) picks a method as described above. */
  method?: 'auto' | MannWhitneyMethod;
  /** Random splits drawn by the permutation method; 100000 by default. */
  permutations?: number;
  /** Seed of the permutation method's generator; 1 by default. */
  seed?: number;
}

export interface MannWhitneyResult {
  /** U of the first sample. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  method: MannWhitneyMethod;
  /** True when the pooled sample has tied values. */
  ties: boolean;
  /**
   * The smallest p these sizes and this tie pattern allow (exact method only, else null): with
   * 3 against 3 it is 0.1, so no such comparison can ever reach p < 0.05.
   */
  smallestP: number | null;
}

/** Above this many steps the exact count is not "cheap" for a single comparison row. */
const EXACT_COST_LIMIT = 2e7;
/** Both samples at least this large... */
const ASYMPTOTIC_MIN_N = 10;
/** ...and ties at most this heavy: the normal approximation is accurate enough (see above). */
const ASYMPTOTIC_MAX_TIE_SHARE = 0.05;

/** sum(t^3 - t) / (n^3 - n) over the groups of equal values: 0 without ties, 1 when all are equal. */
export function tieShare(groupSizes: readonly number[]): number {
  const n = groupSizes.reduce((s, t) => s + t, 0);
  if (n < 2) return 0;
  return groupSizes.reduce((s, t) => s + t * t * t - t, 0) / (n * n * n - n);
}

/** Upper tail of the standard normal, 1 - Phi(z). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * Complementary error function, Chebyshev fit from Numerical Recipes (erfcc), fractional error
 * below 1.2e-7 everywhere: far finer than any decision taken on a p-value.
 */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

function asymptoticP(u: number, n1: number, n2: number, groupSizes: readonly number[]): number {
  const n = n1 + n2;
  const uMax = Math.max(u, n1 * n2 - u);
  const tieTerm = groupSizes.reduce((sum, t) => sum + t * t * t - t, 0);
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  // Every value equal: no ordering information at all.
  if (!(variance > 0)) return 1;
  const z = (uMax - (n1 * n2) / 2 - 0.5) / Math.sqrt(variance);
  return Math.min(1, 2 * normalSf(z));
}

function permutationP(doubledRanks: Int32Array, n1: number, twiceU: number, draws: number, seed: number): number {
  const n = doubledRanks.length;
  const random = mulberry32(seed);
  const pool = Int32Array.from(doubledRanks);
  const offset = n1 * (n1 + 1);
  let atMost = 0;
  let atLeast = 0;
  for (let d = 0; d < draws; d++) {
    // Partial Fisher-Yates: the first n1 slots become a uniformly random subset.
    let sum = 0;
    for (let i = 0; i < n1; i++) {
      const j = i + randomIndex(random, n - i);
      const picked = pool[j]!;
      pool[j] = pool[i]!;
      pool[i] = picked;
      sum += picked;
    }
    const value = sum - offset;
    if (value <= twiceU) atMost++;
    if (value >= twiceU) atLeast++;
  }
  return Math.min(1, (2 * (Math.min(atMost, atLeast) + 1)) / (draws + 1));
}

/** The method 'auto' picks for these sizes and tie groups (see the top of this file). */
export function autoMethod(n1: number, n2: number, groupSizes: readonly number[]): MannWhitneyMethod {
  if (conditionalCost(n1, n2) <= EXACT_COST_LIMIT) return 'exact';
  if (Math.min(n1, n2) >= ASYMPTOTIC_MIN_N && tieShare(groupSizes) <= ASYMPTOTIC_MAX_TIE_SHARE) return 'asymptotic';
  return 'permutation';
}

export function mannWhitneyU(a: readonly number[], b: readonly number[], options: MannWhitneyOptions = {}): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('Mann-Whitney U needs values in both samples');
  for (const v of a) if (Number.isNaN(v)) throw new RangeError('NaN in Mann-Whitney sample');
  for (const v of b) if (Number.isNaN(v)) throw new RangeError('NaN in Mann-Whitney sample');
  const ranked = rankPooled(a, b);
  const twiceU = ranked.doubledRankSumFirst - n1 * (n1 + 1);
  const u = twiceU / 2;
  const requested = options.method ?? 'auto';
  const method = requested === 'auto' ? autoMethod(n1, n2, ranked.groupSizes) : requested;
  if (method === 'exact') {
    const dist = conditionalUDistribution(n1, n2, ranked.groupSizes);
    return { u, p: twoSidedP(dist, twiceU), method, ties: ranked.ties, smallestP: smallestP(dist) };
  }
  if (method === 'permutation') {
    const p = permutationP(ranked.doubledRanks, n1, twiceU, options.permutations ?? 100000, options.seed ?? 1);
    return { u, p, method, ties: ranked.ties, smallestP: null };
  }
  return { u, p: asymptoticP(u, n1, n2, ranked.groupSizes), method, ties: ranked.ties, smallestP: null };
}

/**
 * Smallest exact two-sided p-value that sizes n1 and n2 allow without ties (complete separation):
 * 2 / C(n1+n2, n1). So without ties 3 repetitions against 3 can never reach p < 0.05 (0.1), nor 3
 * against 4 (0.057); 4 against 4 can (0.029). Ties only raise the floor: the splits that tie
 * with the most extreme one count against it ([10,10,10,10] against [11,11,11,11] still gives
 * 0.029, but [5,5,5,6] against [6,7,7,7] gives 0.057). MannWhitneyResult.smallestP has the floor
 * of the observed tie pattern.
 */
export function smallestTwoSidedP(n1: number, n2: number): number {
  let ways = 1;
  for (let i = 1; i <= n1; i++) ways = (ways * (n2 + i)) / i;
  return Math.min(1, 2 / ways);
}
