// Exact null distributions of the Mann-Whitney statistic U of the first sample.
//
// Without ties, U takes every integer 0..n1*n2 and its distribution depends on the sizes only.
// With ties, the test is the permutation test conditional on the observed values: every one of
// the C(n1+n2, n1) ways of splitting the pooled (midranked) values into groups of n1 and n2 is
// equally likely under "no difference", and U is counted over those splits. That distribution
// depends on the sizes of the groups of equal values, in order; it is counted here by dynamic
// programming over the groups, on doubled rank sums (integers: midranks are whole or half
// numbers), at a cost of about (n1+n2) * k * k(2(n1+n2)-k+1) steps with k = min(n1, n2).
// Both are memoised: a comparison asks for the same few sizes and tie patterns thousands of times.

/** Counts of 2*U1 over the equally likely splits: counts[v] is the number of splits with 2*U1 = v. */
export interface UDistribution {
  n1: number;
  n2: number;
  counts: Float64Array;
  /** C(n1+n2, n1): the sum of counts. */
  total: number;
}

const MEMO_LIMIT = 4096;
const conditionalMemo = new Map<string, UDistribution>();
const noTiesMemo = new Map<string, Float64Array>();

function remember<V>(memo: Map<string, V>, key: string, value: V): V {
  // A bound, not an LRU: a comparison touches few keys; a pathological input must not grow memory.
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, value);
  return value;
}

/** Steps the conditional dynamic programme takes for these sizes (to decide whether it is cheap). */
export function conditionalCost(n1: number, n2: number): number {
  const n = n1 + n2;
  const k = Math.min(n1, n2);
  return n * (k + 1) * (k * (2 * n - k + 1) + 1);
}

function binomialRow(t: number): Float64Array {
  const row = new Float64Array(t + 1);
  row[0] = 1;
  for (let j = 1; j <= t; j++) row[j] = (row[j - 1]! * (t - j + 1)) / j;
  return row;
}

/**
 * The exact distribution of U1 conditional on the tie pattern: `groupSizes` are the sizes of the
 * groups of equal pooled values in ascending order (singletons included, summing to n1 + n2).
 * Without ties (all sizes 1) it is the classic distribution of U.
 */
export function conditionalUDistribution(n1: number, n2: number, groupSizes: readonly number[]): UDistribution {
  const key = `${n1},${n2}|${groupSizes.join('.')}`;
  const known = conditionalMemo.get(key);
  if (known) return known;
  const n = n1 + n2;
  if (groupSizes.reduce((s, t) => s + t, 0) !== n) throw new RangeError(`tie groups ${groupSizes.join(',')} do not add up to ${n}`);
  // Count over the smaller sample: fewer rows in the table.
  const k = Math.min(n1, n2);
  const maxSum = k * (2 * n - k + 1);
  const width = maxSum + 1;
  const ways = new Float64Array((k + 1) * width);
  ways[0] = 1;
  let before = 0;
  for (const size of groupSizes) {
    const rank = 2 * before + size + 1;
    const choose = binomialRow(size);
    // Descending item counts, so each group is used once (ways[kk - j] still holds the previous groups only).
    for (let kk = Math.min(k, before + size); kk >= 1; kk--) {
      const dst = kk * width;
      for (let j = 1; j <= Math.min(size, kk); j++) {
        const from = kk - j;
        if (from > before) continue;
        const src = from * width;
        const shift = j * rank;
        const weight = choose[j]!;
        // The largest doubled sum `from` items among the first `before` can have.
        const reach = Math.min(maxSum - shift, from * (2 * before - from + 1));
        for (let s = 0; s <= reach; s++) {
          const w = ways[src + s]!;
          if (w !== 0) ways[dst + s + shift] = ways[dst + s + shift]! + w * weight;
        }
      }
    }
    before += size;
  }
  const counts = new Float64Array(2 * n1 * n2 + 1);
  let total = 0;
  const base = k * width;
  const offset = k * (k + 1); // doubled rank sum of the k smallest ranks: 2U = doubled sum - k(k+1)
  for (let s = offset; s <= maxSum; s++) {
    const w = ways[base + s]!;
    if (w === 0) continue;
    const twiceUSub = s - offset;
    // U of the first sample is n1*n2 minus U of the second.
    const twiceU1 = n1 <= n2 ? twiceUSub : 2 * n1 * n2 - twiceUSub;
    counts[twiceU1] = counts[twiceU1]! + w;
    total += w;
  }
  return remember(conditionalMemo, key, { n1, n2, counts, total });
}

/**
 * Number of rank assignments giving each value of U for sample sizes m and n without ties:
 * element u counts the ways U = u among C(m+n, m). Counts above 2^53 lose integer exactness but
 * keep ~16 significant digits, which is all a probability needs. Memoised per (m, n).
 */
export function exactUCounts(m: number, n: number): Float64Array {
  const key = `${m},${n}`;
  const known = noTiesMemo.get(key);
  if (known) return known;
  // previous[j] holds the counts for sizes (i-1, j) while the loop is at i.
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
  return remember(noTiesMemo, key, previous[n]!);
}

/** Two-sided p of an observed 2*U1 under a distribution: twice the smaller tail, at most 1 (scipy's permutation_test). */
export function twoSidedP(dist: UDistribution, twiceU: number): number {
  let atMost = 0;
  let atLeast = 0;
  for (let v = 0; v < dist.counts.length; v++) {
    const c = dist.counts[v]!;
    if (v <= twiceU) atMost += c;
    if (v >= twiceU) atLeast += c;
  }
  return Math.min(1, (2 * Math.min(atMost, atLeast)) / dist.total);
}

/** The smallest two-sided p any split could give under this distribution (how far these sizes and ties can go). */
export function smallestP(dist: UDistribution): number {
  let smallest = 1;
  let below = 0;
  // P(2U <= v) grows and P(2U >= v) shrinks with v; the smallest two-sided p sits at either end of the support.
  for (let v = 0; v < dist.counts.length; v++) {
    const c = dist.counts[v]!;
    if (c === 0) continue;
    below += c;
    const above = dist.total - below + c;
    smallest = Math.min(smallest, (2 * Math.min(below, above)) / dist.total);
  }
  return Math.min(1, smallest);
}
