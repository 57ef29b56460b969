// Turns a parsed dma_bench result into Measurements: per phase (map, unmap, total) the
// all-threads mean, stdev, min, max and percentiles in ns, plus the timer overhead. Lower is
// better for all of them. A run that did not measure (unsupported, error) yields none: the
// caller reports its status instead of a zero that would look like a result.
import type { Measurement } from '../../model/measurement.js';
import type { MicrobenchResult, PhaseStats } from './types.js';

const timedPhases = ['map', 'unmap', 'total'] as const;
const statKeys: ReadonlyArray<[keyof PhaseStats, string]> = [
  ['mean', 'mean'],
  ['stdev', 'stdev'],
  ['min', 'min'],
  ['max', 'max'],
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p99', 'p99'],
  ['p999', 'p99.9'],
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
    for (const [key, label] of statKeys) {
      out.push({ metric: `${phase}.${label}`, value: s[key], unit: 'ns', better: 'lower' });
    }
    // Per segment is what compares across segment counts (and against fio's per-I/O call counts).
    if (r.request && r.request.segs > 0) {
      out.push({ metric: `${phase}.mean_per_seg`, value: s.mean / r.request.segs, unit: 'ns', better: 'lower' });
    }
  }
  if (r.timerOverheadNs !== undefined) {
    out.push({ metric: 'timer_overhead', value: r.timerOverheadNs, unit: 'ns', better: 'lower' });
  }
  return out;
}
