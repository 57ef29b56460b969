// Two-sided Mann-Whitney U (Wilcoxon rank-sum) test of two independent samples.
//
// U is the statistic of the first sample: U1 = R1 - n1(n1+1)/2, with R1 the sum of its ranks in
// the pooled sample (tied values get their mean rank), i.e. the number of pairs (x, y) with
// x > y plus half the pairs with x = y. This is what scipy.stats.mannwhitneyu returns.
//
// p-value, with method 'auto' (the default):
// - exact, when there are no ties and both samples have at most `exactMaxN` (30) values: the
//   null distribution of U is counted exactly over all C(n1+n2, n1) rank assignments with the
//   recurrence c(m, n, u) = c(m-1, n, u-n) + c(m, n-1, u), and
//   p = min(1, 2 * P(U >= max(U1, U2)));
// - otherwise the normal approximation with tie correction and continuity correction:
//   z = (max(U1, U2) - n1 n2 / 2 - 1/2) / sqrt(n1 n2 / 12 * ((n + 1) - sum(t^3 - t) / (n (n - 1)))),
//   p = min(1, 2 * (1 - Phi(z))), t running over the sizes of the groups of tied values.
// Both are the formulas of scipy.stats.mannwhitneyu (method='exact' / 'asymptotic' with
// use_continuity=True, alternative='two-sided'), against which the tests check them.

export type MannWhitneyMethod = 'exact' | 'asymptotic';

export interface MannWhitneyOptions {
  /** 'auto' (default) picks exact or asymptotic as described above. */
  method?: 'auto' | MannWhitneyMethod;
  /** Largest sample size for which 'auto' uses the exact distribution; 30 by default. */
  exactMaxN?: number;
}

export interface MannWhitneyResult {
  /** U of the first sample. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  method: MannWhitneyMethod;
  /** True when the pooled sample has tied values. */
  ties: boolean;
}

interface Ranked {
  /** Sum of the ranks of the first sample. */
  rankSumFirst: number;
  /** Sizes of the groups of equal values (size >= 2 only). */
  tieGroups: number[];
}

function rankPooled(a: readonly number[], b: readonly number[]): Ranked {
  const pooled = [
    ...a.map((value) => ({ value, first: true })),
    ...b.map((value) => ({ value, first: false })),
  ].sort((x, y) => x.value - y.value);
  let rankSumFirst = 0;
  const tieGroups: number[] = [];
  for (let start = 0; start < pooled.length; ) {
    let end = start;
    while (end + 1 < pooled.length && pooled[end + 1]!.value === pooled[start]!.value) end++;
    const size = end - start + 1;
    // Ranks are 1-based; a tie group from start to end shares the mean of its ranks.
    const meanRank = (start + 1 + end + 1) / 2;
    for (let i = start; i <= end; i++) if (pooled[i]!.first) rankSumFirst += meanRank;
    if (size > 1) tieGroups.push(size);
    start = end + 1;
  }
  return { rankSumFirst, tieGroups };
}

/**
 * Number of rank assignments giving each value of U, for sample sizes m and n (no ties):
 * element u of the result counts the ways U = u among C(m+n, m). Counts above 2^53 lose
 * integer exactness but keep ~16 significant digits, which is all a p-value needs.
 */
export function exactUCounts(m: number, n: number): Float64Array {
  // table[j] holds the counts for sizes (i, j) while the outer loop is at i.
  let previous: Float64Array[] = [];
  for (let i = 0; i <= m; i++) {
    const current: Float64Array[] = [];
    for (let j = 0; j <= n; j++) {
      const counts = new Float64Array(i * j + 1);
      if (i === 0 || j === 0) {
        counts[0] = 1;
      } else {
        // The largest pooled value belongs either to the first sample (it beats all j values
        // of the second: u - j) or to the second (it adds nothing to U).
        const fromFirst = previous[j]!;
        const fromSecond = current[j - 1]!;
        for (let u = 0; u < fromSecond.length; u++) counts[u] = counts[u]! + fromSecond[u]!;
        for (let u = 0; u < fromFirst.length; u++) counts[u + j] = counts[u + j]! + fromFirst[u]!;
      }
      current.push(counts);
    }
    previous = current;
  }
  return previous[n]!;
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

function exactP(uMax: number, n1: number, n2: number): number {
  const counts = exactUCounts(n1, n2);
  let total = 0;
  let tail = 0;
  for (let u = 0; u < counts.length; u++) {
    total += counts[u]!;
    if (u >= uMax) tail += counts[u]!;
  }
  return Math.min(1, (2 * tail) / total);
}

function asymptoticP(uMax: number, n1: number, n2: number, tieGroups: readonly number[]): number {
  const n = n1 + n2;
  const tieTerm = tieGroups.reduce((sum, t) => sum + t * t * t - t, 0);
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  // Every value equal: no ordering information at all.
  if (!(variance > 0)) return 1;
  const z = (uMax - (n1 * n2) / 2 - 0.5) / Math.sqrt(variance);
  return Math.min(1, 2 * normalSf(z));
}

export function mannWhitneyU(
  a: readonly number[],
  b: readonly number[],
  options: MannWhitneyOptions = {},
): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('Mann-Whitney U needs values in both samples');
  for (const v of [...a, ...b]) if (Number.isNaN(v)) throw new RangeError('NaN in Mann-Whitney sample');
  const { rankSumFirst, tieGroups } = rankPooled(a, b);
  const u = rankSumFirst - (n1 * (n1 + 1)) / 2;
  const uMax = Math.max(u, n1 * n2 - u);
  const ties = tieGroups.length > 0;
  const exactMaxN = options.exactMaxN ?? 30;
  const requested = options.method ?? 'auto';
  let method: MannWhitneyMethod;
  if (requested === 'auto') method = !ties && n1 <= exactMaxN && n2 <= exactMaxN ? 'exact' : 'asymptotic';
  else method = requested;
  if (method === 'exact' && ties) {
    // The counted distribution assumes distinct values; with ties it would be a guess.
    throw new RangeError('exact Mann-Whitney p-value requested for samples with ties');
  }
  const p = method === 'exact' ? exactP(uMax, n1, n2) : asymptoticP(uMax, n1, n2, tieGroups);
  return { u, p, method, ties };
}
