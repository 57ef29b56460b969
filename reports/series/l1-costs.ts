// The cost of fitting one level to a stretch of points under weighted L1 loss: the level is the
// stretch's weighted median and the cost the weighted sum of absolute deviations from it. L1
// rather than squares so that one wild run moves a level little (asv's choice too, for the same
// reason: airspeed-velocity/asv, asv/step_detect.py, L1Dist).
//
// Every stretch is computed up front, O(n³) for n points: a series is a few hundred runs at most
// (500 points take about a second), and exact costs keep the segmentation exact where asv had to
// approximate it for pure Python.

/** Weighted median of ys (weights ws): the value where half the weight lies on either side; an exact half splits the difference. */
export function weightedMedian(ys: readonly number[], ws: readonly number[]): number {
  if (ys.length === 0) throw new RangeError('weighted median of nothing');
  const order = ys.map((_, i) => i).sort((a, b) => ys[a]! - ys[b]!);
  return weightedMedianSorted(order.map((i) => ys[i]!), order.map((i) => ws[i]!));
}

function weightedMedianSorted(sortedY: readonly number[], sortedW: readonly number[]): number {
  let total = 0;
  for (const w of sortedW) total += w;
  const half = total / 2;
  let cumulative = 0;
  for (let i = 0; i < sortedY.length; i++) {
    cumulative += sortedW[i]!;
    // Relative tolerance: the cumulative sum of float weights rarely lands on half exactly.
    if (Math.abs(cumulative - half) <= 1e-12 * total && i + 1 < sortedY.length) return (sortedY[i]! + sortedY[i + 1]!) / 2;
    if (cumulative > half) return sortedY[i]!;
  }
  return sortedY[sortedY.length - 1]!;
}

/** Level and cost of every stretch [start, end] (inclusive) of one series. */
export class L1Costs {
  readonly n: number;
  private readonly levels: Float64Array;
  private readonly costs: Float64Array;

  constructor(y: readonly number[], w: readonly number[]) {
    if (y.length !== w.length) throw new RangeError('values and weights differ in length');
    const n = y.length;
    this.n = n;
    this.levels = new Float64Array(n * n);
    this.costs = new Float64Array(n * n);
    for (let start = 0; start < n; start++) {
      // The stretch grows one point at a time, kept sorted by insertion.
      const sortedY: number[] = [];
      const sortedW: number[] = [];
      for (let end = start; end < n; end++) {
        const v = y[end]!;
        let at = sortedY.length;
        while (at > 0 && sortedY[at - 1]! > v) at--;
        sortedY.splice(at, 0, v);
        sortedW.splice(at, 0, w[end]!);
        const level = weightedMedianSorted(sortedY, sortedW);
        let cost = 0;
        for (let i = 0; i < sortedY.length; i++) cost += sortedW[i]! * Math.abs(sortedY[i]! - level);
        this.levels[start * n + end] = level;
        this.costs[start * n + end] = cost;
      }
    }
  }

  level(start: number, end: number): number {
    this.check(start, end);
    return this.levels[start * this.n + end]!;
  }

  cost(start: number, end: number): number {
    this.check(start, end);
    return this.costs[start * this.n + end]!;
  }

  private check(start: number, end: number): void {
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end < this.n)) {
      throw new RangeError(`no stretch [${start}, ${end}] in ${this.n} points`);
    }
  }
}
