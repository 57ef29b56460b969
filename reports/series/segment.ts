// Penalised segmentation: the series as a few stretches of constant level plus noise, the number
// of stretches chosen by a BIC-like criterion.
//
// Learnt from asv's step detection (airspeed-velocity/asv, asv/step_detect.py, after Friedrich et
// al. 2008 and Yao 1988), written anew: with Laplace noise of unknown scale b around the levels,
// the likelihood maximised over b is a function of S, the weighted L1 cost of the fit, and
// Schwarz's criterion becomes  ln S + β·p  with p the parameters the fit spends (a level per
// stretch, a position per change) and β = c·ln(m)/(2m) for m points. Plain BIC is c = 1; change
// positions are not regular parameters and BIC lets too many through (asv fudges its factor to 4
// per stretch for the same reason), so c defaults to 4 here, chosen on seeded series without
// change (test/unit/series-detect.test.ts). Where asv searches a penalty γ of the simpler
// problem  γ·k + S  and evaluates the criterion along that path, this computes the best
// partition for every k exactly (dynamic programming over stretches, Auger & Lawrence 1989) and
// evaluates the criterion on each: a few hundred points are cheap.
import { L1Costs } from './l1-costs.js';

export interface Segment {
  /** First and last point (inclusive). */
  start: number;
  end: number;
  level: number;
  cost: number;
}

export interface SegmentationOptions {
  /** Fewest points in a stretch: 2, so that one outlying run is not a change. */
  minSize?: number;
  /** Most stretches considered. */
  maxSegments?: number;
  /** The criterion's factor c (see above). */
  penaltyFactor?: number;
}

export const DEFAULT_SEGMENTATION = { minSize: 2, maxSegments: 12, penaltyFactor: 4 } as const;

/** The criterion's penalty per parameter for m points. */
export function penaltyPerParameter(m: number, factor: number): number {
  return m > 1 ? (factor * Math.log(m)) / (2 * m) : 0;
}

/**
 * The criterion a fit with cost S, p parameters and m points scores (lower is better). The floor
 * keeps a perfect fit (identical binned values) from scoring -∞: a mean absolute deviation of
 * 0.1% per unit weight, as asv floors its noise at a fraction of the level.
 */
export function criterion(cost: number, parameters: number, m: number, totalWeight: number, factor: number): number {
  const floor = 1e-3 * totalWeight;
  return Math.log(cost + floor) + penaltyPerParameter(m, factor) * parameters;
}

/** Parameters a fit of k stretches spends: k levels and k - 1 positions. */
export function stepParameters(k: number): number {
  return 2 * k - 1;
}

/** The stretches of the optimal partition of the points into exactly k stretches, or null if none fits minSize. */
function bestPartitions(costs: L1Costs, maxK: number, minSize: number): (Segment[] | null)[] {
  const n = costs.n;
  // best[k][e]: least cost of points 0..e in k stretches; from[k][e]: where the last one starts.
  const best: Float64Array[] = [];
  const from: Int32Array[] = [];
  for (let k = 0; k <= maxK; k++) {
    best.push(new Float64Array(n).fill(Infinity));
    from.push(new Int32Array(n).fill(-1));
  }
  for (let e = minSize - 1; e < n; e++) best[1]![e] = costs.cost(0, e);
  for (let k = 2; k <= maxK; k++) {
    for (let e = k * minSize - 1; e < n; e++) {
      for (let s = (k - 1) * minSize; s <= e - minSize + 1; s++) {
        const before = best[k - 1]![s - 1]!;
        if (before === Infinity) continue;
        const total = before + costs.cost(s, e);
        if (total < best[k]![e]!) {
          best[k]![e] = total;
          from[k]![e] = s;
        }
      }
    }
  }
  const out: (Segment[] | null)[] = [null];
  for (let k = 1; k <= maxK; k++) {
    if (best[k]![n - 1] === Infinity) {
      out.push(null);
      continue;
    }
    const segments: Segment[] = [];
    let end = n - 1;
    for (let j = k; j >= 1; j--) {
      const start = j === 1 ? 0 : from[j]![end]!;
      segments.unshift({ start, end, level: costs.level(start, end), cost: costs.cost(start, end) });
      end = start - 1;
    }
    out.push(segments);
  }
  return out;
}

export interface Segmentation {
  segments: Segment[];
  /** The fit's total cost S. */
  cost: number;
  /** The criterion it scored. */
  score: number;
}

/** The partition of the points the criterion prefers. */
export function segmentSeries(costs: L1Costs, w: readonly number[], options: SegmentationOptions = {}): Segmentation {
  const { minSize, maxSegments, penaltyFactor } = { ...DEFAULT_SEGMENTATION, ...options };
  const n = costs.n;
  if (n === 0) throw new RangeError('segmentation of an empty series');
  const totalWeight = w.reduce((a, b) => a + b, 0);
  const maxK = Math.max(1, Math.min(maxSegments, Math.floor(n / minSize)));
  const candidates = n < minSize ? [null, [{ start: 0, end: n - 1, level: costs.level(0, n - 1), cost: costs.cost(0, n - 1) }]] : bestPartitions(costs, maxK, minSize);
  let chosen: Segmentation | null = null;
  for (let k = 1; k < candidates.length; k++) {
    const segments = candidates[k];
    if (!segments) continue;
    const cost = segments.reduce((a, s) => a + s.cost, 0);
    const score = criterion(cost, stepParameters(k), n, totalWeight, penaltyFactor);
    if (!chosen || score < chosen.score) chosen = { segments, cost, score };
  }
  return chosen!;
}
