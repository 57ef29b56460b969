// Which changes between fitted stretches are real: each step gets an interval from the noise the
// fit leaves, and a step that is smaller than the noise threshold or whose interval reaches no
// change is merged away, the weakest first, until every step left stands (asv prunes its steps
// against a threshold and the stretches' own spread likewise: detect_regressions in
// airspeed-velocity/asv, asv/step_detect.py).
//
// The interval: with Laplace noise of scale b/w_i at point i, the weighted median of a stretch has
// an asymptotic variance b²/Σw_i² (its estimating equation Σ w_i sign(y_i - μ) = 0 has variance
// Σw_i² and slope Σw_i²/b), and b is estimated by S/(m - k), the fit's cost per point less the
// levels it fitted. The step is the difference of two such medians, on log values.
import type { L1Costs } from './l1-costs.js';
import type { Segment } from './segment.js';

const Z95 = 1.959964;

export interface Step {
  /** Index of the stretch after the step (the step lies between stretches i-1 and i). */
  after: number;
  /** Change of the log level (new minus old) and its 95% interval. */
  logChange: number;
  low: number;
  high: number;
}

export interface StepOptions {
  /** Smallest change, in percent, that counts (compare's --noise default). */
  noisePct: number;
}

function sumSquares(w: readonly number[], start: number, end: number): number {
  let s = 0;
  for (let i = start; i <= end; i++) s += w[i]! * w[i]!;
  return s;
}

/** The steps between consecutive stretches, with intervals from the fit's residual noise. */
export function stepsOf(segments: readonly Segment[], w: readonly number[]): Step[] {
  const m = w.length;
  const cost = segments.reduce((a, s) => a + s.cost, 0);
  const scale = cost / Math.max(1, m - segments.length);
  const steps: Step[] = [];
  for (let i = 1; i < segments.length; i++) {
    const before = segments[i - 1]!;
    const after = segments[i]!;
    const se = scale * Math.sqrt(1 / sumSquares(w, before.start, before.end) + 1 / sumSquares(w, after.start, after.end));
    const logChange = after.level - before.level;
    steps.push({ after: i, logChange, low: logChange - Z95 * se, high: logChange + Z95 * se });
  }
  return steps;
}

/** Whether a step is at least the noise threshold and its interval excludes no change. */
export function stepStands(step: Step, options: StepOptions): boolean {
  const pct = Math.abs(Math.expm1(step.logChange)) * 100;
  return pct >= options.noisePct && (step.low > 0 || step.high < 0);
}

/** The stretches left once every step that does not stand has been merged away. */
export function pruneSteps(segments: readonly Segment[], costs: L1Costs, w: readonly number[], options: StepOptions): Segment[] {
  let current = [...segments];
  for (;;) {
    const steps = stepsOf(current, w);
    const weak = steps.filter((s) => !stepStands(s, options));
    if (weak.length === 0) return current;
    // Merge the weakest: the step least far from no change in units of its own interval.
    const strength = (s: Step): number => Math.abs(s.logChange) / Math.max(1e-300, (s.high - s.low) / 2);
    const weakest = weak.reduce((a, b) => (strength(b) < strength(a) ? b : a));
    const before = current[weakest.after - 1]!;
    const after = current[weakest.after]!;
    const merged: Segment = { start: before.start, end: after.end, level: costs.level(before.start, after.end), cost: costs.cost(before.start, after.end) };
    current = [...current.slice(0, weakest.after - 1), merged, ...current.slice(weakest.after + 1)];
  }
}
