// Turns a parsed dma_bench result into Measurements: per phase (map, unmap, total) the
// all-threads statistics in ns, the mean per segment, plus the timer overhead. A run that did not
// measure (unsupported, error) yields none: the caller reports its status instead of a zero that
// would look like a result. The cell says which path ran (api=sg|link|phys), so the names are the
// same for every path and `compare --across api=sg` lines them up.
import type { Measurement } from '../../model/measurement.js';
import { measure, quantileResolved, type MetricSpec } from '../metric-spec.js';
import type { MicrobenchResult, PhaseStats } from './types.js';

const timedPhases = ['map', 'unmap', 'total'] as const;

/**
 * Every statistic of a phase, with its role (lower is better for all: they are times).
 * - primary: p50 and p99 of map, unmap and total: the typical call and its tail, when the
 *   iterations resolve them (quantileResolved: p99 needs 1 000 timed calls).
 * - descriptive: mean and stdev (one iteration preempted for milliseconds among thousands of a
 *   few microseconds moves both: in the lab fixtures the stdev reaches 100 times the median and
 *   the mean 7 times it), min and max (single iterations), p99.9 (at the 10 000 iterations of
 *   configs/microbench.yaml ten calls lie beyond it, and the slowest calls are the ones an
 *   interrupt or a preemption hit, not the API), and p90: it lies between p50 and p99 and
 *   moves with them, so it would test the same change a third time and widen the
 *   false-discovery family by half without answering a new question.
 *   mean_per_seg is the mean divided by the segment count: descriptive like the mean.
 */
export const MICROBENCH_METRICS = {
  mean: { unit: 'ns', better: 'lower', role: 'descriptive' },
  stdev: { unit: 'ns', better: 'lower', role: 'descriptive' },
  min: { unit: 'ns', better: 'lower', role: 'descriptive' },
  max: { unit: 'ns', better: 'lower', role: 'descriptive' },
  p50: { unit: 'ns', better: 'lower', role: 'primary' },
  p90: { unit: 'ns', better: 'lower', role: 'descriptive' },
  p99: { unit: 'ns', better: 'lower', role: 'primary' },
  'p99.9': { unit: 'ns', better: 'lower', role: 'descriptive' },
  mean_per_seg: { unit: 'ns', better: 'lower', role: 'descriptive' },
  // A property of the clock source, not of the API: a change says the boxes differ.
  timer_overhead: { unit: 'ns', better: 'none', role: 'informational' },
} as const satisfies Record<string, MetricSpec>;

/** Statistic (metric name part) → the field of PhaseStats and the quantile it is, if one. */
const statKeys: ReadonlyArray<[keyof typeof MICROBENCH_METRICS, keyof PhaseStats, number?]> = [
  ['mean', 'mean'],
  ['stdev', 'stdev'],
  ['min', 'min'],
  ['max', 'max'],
  ['p50', 'p50', 0.5],
  ['p90', 'p90', 0.9],
  ['p99', 'p99', 0.99],
  ['p99.9', 'p999', 0.999],
];

/** True when the result carries timings (status ok, or fallback: the per-segment path was timed). */
export function microbenchMeasured(r: MicrobenchResult): boolean {
  return r.status === 'ok' || r.status === 'fallback';
}

export function microbenchMeasurements(r: MicrobenchResult): Measurement[] {
  if (!microbenchMeasured(r) || !r.all) return [];
  const out: Measurement[] = [];
  for (const phase of timedPhases) {
    const s = r.all.phases[phase];
    if (!s) continue;
    for (const [label, key, q] of statKeys) {
      // The module's own count of timed calls says whether a quantile is resolved.
      out.push(measure(`${phase}.${label}`, s[key], MICROBENCH_METRICS[label], { resolved: q === undefined || quantileResolved(q, s.count) }));
    }
    // Per segment is what compares across segment counts (and against fio's per-I/O call counts).
    if (r.request && r.request.segs > 0) {
      out.push(measure(`${phase}.mean_per_seg`, s.mean / r.request.segs, MICROBENCH_METRICS.mean_per_seg));
    }
  }
  if (r.timerOverheadNs !== undefined) {
    out.push(measure('timer_overhead', r.timerOverheadNs, MICROBENCH_METRICS.timer_overhead));
  }
  return out;
}
