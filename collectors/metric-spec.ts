// What a tool declares about each metric it makes: its unit, which direction of change is better,
// and what compare may conclude from it (model/measurement.ts MetricRole). Every tool keeps one
// table of these beside the code that makes its measurements (`collectors/<tool>/metrics.ts`,
// `collectors/perf/metrics.ts`, `collectors/ftrace/metrics.ts`), so a metric's role is decided once,
// where it is made, and every measurement a parser emits carries it.
import type { Measurement, MetricRole } from '../model/measurement.js';

/**
 * One metric's declaration. A metric where neither direction is better cannot be primary (it
 * would get verdicts): the type refuses `{ better: 'none', role: 'primary' }`.
 * `unit` is left out where the tool names it at run time (perf's counters, perftest's bandwidth).
 */
export type MetricSpec =
  | { readonly unit?: string; readonly better: 'higher' | 'lower'; readonly role: MetricRole }
  | { readonly unit?: string; readonly better: 'none'; readonly role: Exclude<MetricRole, 'primary'> };

export interface MeasureOptions {
  /** The unit, when the spec leaves it to the tool. */
  unit?: string;
  /**
   * false: this one figure does not resolve what it claims (too few samples behind a quantile,
   * too few clock ticks behind a CPU time). A primary metric is then descriptive for it.
   */
  resolved?: boolean;
}

/** The measurement `spec` declares for `metric`. */
export function measure(metric: string, value: number | null, spec: MetricSpec, opts: MeasureOptions = {}): Measurement {
  const unit = opts.unit ?? spec.unit;
  if (unit === undefined) throw new Error(`metric ${metric}: its spec names no unit and none was given`);
  const role: MetricRole = spec.role === 'primary' && opts.resolved === false ? 'descriptive' : spec.role;
  return { metric, value, unit, better: spec.better, role };
}

/**
 * Whether `n` samples resolve the p-quantile (0 < p < 1). The rule: at least 10/(1-p) samples,
 * that is about ten samples at or beyond the quantile. With fewer, the "quantile" is one of the
 * handful of largest values and a single outlier moves it (fio's p99.99 of a 10 000-I/O run is one
 * of its two slowest). p50 needs 20 samples, p90 100, p99 1 000, p99.9 10 000, p99.99 100 000.
 */
export function quantileResolved(p: number, n: number): boolean {
  if (!(p > 0 && p < 1)) return false;
  // n(1-p) >= 10, with slack because 1 - 0.99 is not exactly 0.01 in binary.
  return n * (1 - p) >= 10 - 1e-9;
}

/**
 * Whether `n` samples support reporting the p-quantile at all (0 < p < 1). The rule: at least
 * 1/(1-p) samples, so that at least one lies beyond it. With fewer, the "quantile" is by
 * construction the largest sample (fio's p99.99 of a 5 000-I/O run is its slowest I/O): a
 * maximum under a percentile's name. Such a figure is reported as absent (null), never as a
 * number and never as 0. p50 needs 2 samples, p90 10, p99 100, p99.9 1 000, p99.99 10 000.
 * quantileResolved (10/(1-p)) is the stricter rule for a primary figure.
 */
export function quantileSupported(p: number, n: number): boolean {
  if (!(p > 0 && p < 1)) return false;
  return n * (1 - p) >= 1 - 1e-9;
}

/** The quantile (0..1) a label such as `p99.9` names; undefined for anything else. */
export function quantileOfLabel(label: string): number | undefined {
  const m = /^p(\d+(?:\.\d+)?)$/.exec(label);
  if (!m) return undefined;
  const p = Number(m[1]) / 100;
  return p > 0 && p < 1 ? p : undefined;
}
