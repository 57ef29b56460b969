// The points of a series as the fits see them: log medians (a step reads as a ratio, +6% the same
// at 50 us and at 1 ms) and relative weights from each point's precision.
//
// As in asv's step detection (airspeed-velocity/asv, asv/step_detect.py), the weights are only
// relative: the noise level of the series is estimated from the series itself, because the
// repetitions of one run share a boot and their spread understates how far runs differ. A point
// whose repetitions agree counts more, within a bound: fio's percentiles are histogram bins and
// three identical repetitions would otherwise weigh infinitely.
import { median, stdev } from '../stats/descriptive.js';
import type { SeriesPoint } from './types.js';

/** How far one point's weight may stray from the series' median weight, either way. */
export const MAX_WEIGHT_RATIO = 4;

/** The standard error of a median of normal values is about √(π/2) times that of the mean. */
const MEDIAN_SE_FACTOR = Math.sqrt(Math.PI / 2);
/** An interval given without repetitions is taken as a 95% normal interval. */
const Z95 = 1.959964;

export interface WeightedSeries {
  /** ln(median) of each point. */
  y: number[];
  /** Relative weights (median 1), each within [1/MAX_WEIGHT_RATIO, MAX_WEIGHT_RATIO]. */
  w: number[];
}

/** The standard error of a point's log median, or null when the point does not say. */
export function logScale(point: SeriesPoint): number | null {
  if (point.values && point.values.length >= 2) {
    const sd = stdev(point.values.map(Math.log));
    return sd === null || sd === 0 ? null : (MEDIAN_SE_FACTOR * sd) / Math.sqrt(point.values.length);
  }
  if (point.interval) {
    const [lo, hi] = point.interval;
    if (!(lo > 0 && hi > lo)) return null;
    return (Math.log(hi) - Math.log(lo)) / (2 * Z95);
  }
  return null;
}

/** Log medians and relative weights; every median must be positive (the caller checks). */
export function weightSeries(points: readonly SeriesPoint[]): WeightedSeries {
  const y = points.map((p) => Math.log(p.median));
  const raw = points.map((p) => {
    const s = logScale(p);
    return s === null ? null : 1 / s;
  });
  const known = raw.filter((v): v is number => v !== null);
  const typical = known.length > 0 ? median(known) : 1;
  const w = raw.map((v) => {
    const relative = v === null ? 1 : v / typical;
    return Math.min(MAX_WEIGHT_RATIO, Math.max(1 / MAX_WEIGHT_RATIO, relative));
  });
  return { y, w };
}
