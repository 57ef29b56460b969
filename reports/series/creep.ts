// Slow creep: many small steps, none big enough for the segmentation to keep, that add up (asv
// misses these). Over the last K points, a drift is a creep when Kendall's test finds a trend and
// a straight line (Theil–Sen) explains the window better than any staircase of stretches by the
// same criterion the segmentation uses (segment.ts): a real step leaves a line with large
// residuals and stays a step; a ramp makes a staircase spend two parameters per stair. The line
// must also fit at least as well as the best single step, parameters not counted ("no step
// explains it") when the segmentation kept a step inside the window: under noise between runs as
// large as the creep's steps (2% against 0.5% per run) a step and a ramp are hard to tell apart,
// and this keeps a step a step (the creep is then reported as that step); detect.ts decides.
import { L1Costs } from './l1-costs.js';
import { criterion, DEFAULT_SEGMENTATION, segmentSeries, type SegmentationOptions } from './segment.js';
import { theilSen, type Trend } from './trend.js';

export interface CreepOptions {
  /** How many of the latest points are examined (K). */
  window: number;
  /** Fewest points a window needs. */
  minPoints: number;
  /** Kendall's test level; strict, as every series is tested. */
  alpha: number;
  segmentation?: SegmentationOptions;
}

export const DEFAULT_CREEP: CreepOptions = { window: 20, minPoints: 8, alpha: 0.01 };

export interface Creep {
  /** First point of the window. */
  start: number;
  trend: Trend;
  /** Whether the line fits the window at least as well as the best single step. */
  beatsSingleStep: boolean;
}

/** The creep over the latest points, or null when there is none a line explains better than steps. */
export function findCreep(y: readonly number[], w: readonly number[], options: CreepOptions = DEFAULT_CREEP): Creep | null {
  const n = y.length;
  const start = Math.max(0, n - options.window);
  if (n - start < options.minPoints) return null;
  const wy = y.slice(start);
  const ww = w.slice(start);
  const trend = theilSen(wy);
  if (!(trend.p < options.alpha)) return null;

  const factor = options.segmentation?.penaltyFactor;
  const windowCosts = new L1Costs(wy, ww);
  const steps = segmentSeries(windowCosts, ww, options.segmentation);
  let lineCost = 0;
  for (let x = 0; x < wy.length; x++) lineCost += ww[x]! * Math.abs(wy[x]! - (trend.intercept + trend.slope * x));
  const totalWeight = ww.reduce((a, b) => a + b, 0);
  // A line spends two parameters: a level and a slope.
  const lineScore = criterion(lineCost, 2, wy.length, totalWeight, factor ?? DEFAULT_SEGMENTATION.penaltyFactor);
  if (!(lineScore < steps.score)) return null;
  const minSize = options.segmentation?.minSize ?? DEFAULT_SEGMENTATION.minSize;
  return { start, trend, beatsSingleStep: lineCost <= bestSingleStepCost(windowCosts, minSize) };
}

/** The least cost of two stretches of at least minSize points each. */
function bestSingleStepCost(costs: L1Costs, minSize: number): number {
  let best = Infinity;
  for (let split = minSize; split <= costs.n - minSize; split++) best = Math.min(best, costs.cost(0, split - 1) + costs.cost(split, costs.n - 1));
  return best;
}
