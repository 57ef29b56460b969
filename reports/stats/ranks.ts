// Ranks of two pooled samples, with tied values sharing the mean of their ranks (midranks).
//
// Midranks are whole or half numbers, so everything here is kept doubled: a doubled midrank
// or rank sum is an integer, and the exact distributions (rank-distribution.ts) can be indexed
// by it without rounding.

export interface PooledRanks {
  /** Doubled midrank of every pooled value, first sample first (in input order), then the second. */
  doubledRanks: Int32Array;
  /** Sizes of the groups of equal values in ascending order of value, singletons included. */
  groupSizes: number[];
  /** True when some value occurs more than once in the pooled sample. */
  ties: boolean;
  /** Doubled rank sum of the first sample. */
  doubledRankSumFirst: number;
}

/** Doubled midrank of a group of `size` equal values after `before` smaller ones (1-based ranks). */
export function doubledMidrank(before: number, size: number): number {
  // Ranks before+1 .. before+size, mean before + (size+1)/2, doubled.
  return 2 * before + size + 1;
}

/** Indexes of `values` in ascending order of value: insertion sort for the few values of a comparison row. */
function sortedOrder(values: Float64Array): Int32Array {
  const n = values.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n > 64) return order.sort((x, y) => values[x]! - values[y]!);
  for (let i = 1; i < n; i++) {
    const index = order[i]!;
    const v = values[index]!;
    let j = i - 1;
    while (j >= 0 && values[order[j]!]! > v) {
      order[j + 1] = order[j]!;
      j--;
    }
    order[j + 1] = index;
  }
  return order;
}

export function rankPooled(a: readonly number[], b: readonly number[]): PooledRanks {
  const n = a.length + b.length;
  const values = new Float64Array(n);
  for (let i = 0; i < a.length; i++) values[i] = a[i]!;
  for (let j = 0; j < b.length; j++) values[a.length + j] = b[j]!;
  const order = sortedOrder(values);
  const doubledRanks = new Int32Array(n);
  const groupSizes: number[] = [];
  let ties = false;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && values[order[end + 1]!] === values[order[start]!]) end++;
    const size = end - start + 1;
    const rank = doubledMidrank(start, size);
    for (let i = start; i <= end; i++) doubledRanks[order[i]!] = rank;
    groupSizes.push(size);
    if (size > 1) ties = true;
    start = end + 1;
  }
  let doubledRankSumFirst = 0;
  for (let i = 0; i < a.length; i++) doubledRankSumFirst += doubledRanks[i]!;
  return { doubledRanks, groupSizes, ties, doubledRankSumFirst };
}
