// How perf counters are named in samples, shared by the perf collector that makes the names and by
// compare, which notes a multiplexed counter on the rows that show its count. A counter is
// `perf.<event>` (its total over the window), `perf.<event>_per_io` (over the workload's I/Os) and,
// only when perf could not keep it scheduled for the whole window, `perf.<event>.running_pct` (the
// share it ran, in %; perf scaled its count up from that share).

export const RUNNING_PCT_SUFFIX = '.running_pct';
export const PER_IO_SUFFIX = '_per_io';

/** `perf.cycles` → `perf.cycles.running_pct`. */
export function runningPctMetric(counterMetric: string): string {
  return counterMetric + RUNNING_PCT_SUFFIX;
}

/**
 * The running-share metric behind a counter's row: `perf.cycles` and `perf.cycles_per_io` →
 * `perf.cycles.running_pct`; undefined for a metric that is no perf counter (or is a share itself).
 */
export function runningPctMetricOf(metric: string): string | undefined {
  if (!metric.startsWith('perf.') || metric.endsWith(RUNNING_PCT_SUFFIX)) return undefined;
  const counter = metric.endsWith(PER_IO_SUFFIX) ? metric.slice(0, -PER_IO_SUFFIX.length) : metric;
  return counter === 'perf.' ? undefined : runningPctMetric(counter);
}
