// Run until stable, bounded (campaign `repetitions: { min, max, target_cov }`): after each timed
// repetition of such a cell, whether it runs another. Pure functions of the repetitions' values,
// so a resumed run that reads the same samples back decides the same (runner/schedule.ts).
import { metricRole, type Measurement } from '../model/measurement.js';

/** A cell's primary metric: the first metric its tool declares primary (model/measurement.ts metricRole) that has a value. */
export function primaryMetricOf(measurements: readonly Pick<Measurement, 'metric' | 'better' | 'role' | 'value'>[]): string | undefined {
  return measurements.find((m) => m.value !== null && metricRole(m) === 'primary')?.metric;
}

function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Coefficient of variation: sample standard deviation (n − 1) over the absolute mean. */
export function coefficientOfVariation(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  if (sd === 0) return 0;
  return mean === 0 ? Infinity : sd / Math.abs(mean);
}

/**
 * Whether the last value lies beyond 3 MAD of the others: |last − median| > 3 × 1.4826 × MAD (the
 * MAD scaled to estimate a standard deviation). A deviation within `targetCov` of the median is
 * not counted: tied values (histogram bins) give a MAD of 0, and any other value would otherwise
 * count as an outlier, keeping a cell that is stable by every measure running to its max.
 */
export function lastIsOutlier(values: readonly number[], targetCov: number): boolean {
  if (values.length < 3) return false;
  const others = values.slice(0, -1).sort((a, b) => a - b);
  const last = values.at(-1)!;
  const med = median(others);
  const mad = median(others.map((v) => Math.abs(v - med)).sort((a, b) => a - b));
  const deviation = Math.abs(last - med);
  return deviation > 3 * 1.4826 * mad && deviation > targetCov * Math.abs(med);
}

/** 0.0083 → `0.83%`, 0.01 → `1%`, 0.00001 → `0.001%` (a target below 0.01% is not shown as 0%). */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '∞%';
  const pct = fraction * 100;
  return `${Number(pct !== 0 && Math.abs(pct) < 0.01 ? pct.toPrecision(2) : pct.toFixed(2))}%`;
}

export interface StabilityInput {
  min: number;
  max: number;
  /** Fraction (0.01 for 1%). */
  targetCov: number;
  /** The cell's primary metric, undefined when its repetitions have none. */
  metric: string | undefined;
  /** Its values in the repetitions done, in repetition order. */
  values: readonly number[];
  /** The repetition the cell would run next. */
  nextRep: number;
}

/** Why the cell stops before `nextRep`, or undefined when it runs it. */
export function stopReason(i: StabilityInput): string | undefined {
  if (i.nextRep < i.min) return undefined;
  if (i.metric === undefined) return 'no primary metric';
  if (i.values.length >= 2) {
    const cov = coefficientOfVariation(i.values);
    if (cov <= i.targetCov && !lastIsOutlier(i.values, i.targetCov)) return `stable: CoV ${formatPercent(cov)} <= ${formatPercent(i.targetCov)}`;
  }
  if (i.nextRep >= i.max) return `max ${i.max} reached`;
  return undefined;
}
