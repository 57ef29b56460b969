// Percent change, and (for sides that ran in several boots) the two-level bootstrap interval.

/** Percent change from base to candidate; ±Infinity when the base is 0 and the candidate is not. */
export function pctChange(base: number, candidate: number): number {
  if (base === 0) return candidate === 0 ? 0 : candidate > 0 ? Infinity : -Infinity;
  return (100 * (candidate - base)) / Math.abs(base);
}
