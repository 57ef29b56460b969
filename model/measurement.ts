// The typed boundary between tools and everything downstream (bundles, compare, reports).
// A parser turns one tool's raw output into Measurements; the runner stamps them with the
// cell, repetition and pass they came from and writes them to samples.jsonl as Samples.
import { ParseError } from './parse-error.js';
import { z } from 'zod';

/**
 * Which direction of change is an improvement. Drives the regression label in compare.
 * `none`: neither is (call counts per I/O, timer overhead, sample counts, raw totals that grow
 * with the work done): such a metric is shown and may be marked "changed", never called a
 * regression or an improvement.
 */
export type Better = 'higher' | 'lower' | 'none';

/**
 * What compare may conclude from a metric (issue 11, review M2):
 * - `primary`: the figures the question is about (iops, bw, clat p50/p99, CPU per I/O; map and
 *   unmap p50/p99; bw_avg, msg_rate; root-function durations). They get verdicts, sit in the
 *   false-discovery family and can trip `--fail-on-regression`.
 * - `informational`: shown and marked "changed" when the interval excludes no change, never a
 *   verdict (every `better: 'none'` metric is informational).
 * - `descriptive`: shown, never tested or starred (min, max, stdev, far tails without enough
 *   samples behind them).
 */
export type MetricRole = 'primary' | 'informational' | 'descriptive';

/** One number a tool reported, before the runner knows which cell or repetition it belongs to. */
export interface Measurement {
  /** Dotted metric name, unique within one tool run, e.g. `read.iops`, `read.clat.p99`, `dma_iova_link.calls_per_io`. */
  metric: string;
  /** null when the tool said the value is absent (`<not supported>`, `<not counted>`), never 0. */
  value: number | null;
  /** Unit as printed in reports: `IOPS`, `MiB/s`, `ns`, `%`, `count`, `calls/IO`, `Gb/s`, ... */
  unit: string;
  better: Better;
  /** Declared by the tool's metric table; absent in bundles written before roles existed (see metricRole). */
  role?: MetricRole;
}

/**
 * The prefix of every metric a run measured on a path other than the one its cell asked for
 * (dma_bench's link falling back to per-range dma_map_phys: `fallback.map.p50`). Being part of
 * the name, it keeps every consumer from putting such a figure beside the real path's; only
 * `compare --across`, which compares paths on purpose, lines the two up, and says so.
 */
export const FALLBACK_METRIC_PREFIX = 'fallback.';

/** Names of statistics that only describe a distribution: never tested (bundles without roles). */
const DESCRIPTIVE_NAME = /(^|\.)(min|max|stdev|stddev|mean_dev|p99\.9+|p0\.0*1)$/;

/**
 * The role of a measurement: the tool's declaration, else (older bundles) `informational` for
 * `better: 'none'`, `descriptive` for min/max/stdev and far tails, `primary` for the rest.
 */
export function metricRole(m: Pick<Measurement, 'metric' | 'better' | 'role'>): MetricRole {
  if (m.role) return m.better === 'none' && m.role === 'primary' ? 'informational' : m.role;
  if (m.better === 'none') return 'informational';
  return DESCRIPTIVE_NAME.test(m.metric) ? 'descriptive' : 'primary';
}

/**
 * The weaker of two roles (descriptive < informational < primary). A metric whose role differs
 * between repetitions or bundles (a quantile with enough samples behind it in one repetition and
 * too few in another) is only as trustworthy as its weakest repetition.
 */
export function weakerRole(a: MetricRole, b: MetricRole): MetricRole {
  const strength: Record<MetricRole, number> = { descriptive: 0, informational: 1, primary: 2 };
  return strength[a] <= strength[b] ? a : b;
}

/** Which pass produced a sample: timed repetitions never run with tracing attached. */
export type PassKind = 'timed' | 'warmup' | `profile:${string}`;

/** One line of samples.jsonl. */
export interface Sample extends Measurement {
  /** Workload name from the campaign. */
  workload: string;
  /** Stable cell key derived from the workload name and its matrix parameters (same across kernels). */
  cell: string;
  /** 0-based repetition index within the cell. */
  rep: number;
  pass: PassKind;
  /** Tool (workload tool or profiler kind) that produced the number: `fio`, `microbench`, `ib_write_bw`, `perf-stat`, `ftrace`. */
  tool: string;
  /** The boot it ran in (`/proc/sys/kernel/random/boot_id`); absent in older bundles. */
  bootId?: string;
  /** 0-based position of its pass in the run's order of executed passes; absent in older bundles. */
  order?: number;
}

/**
 * The measurements, or a ParseError when one of them is NaN or infinite. Parsers check every
 * number they read; this catches what arithmetic on them can still produce (sums and weighted
 * means of numbers near the top of the double range overflow), so such a value is reported as
 * the bad input it comes from instead of reaching a bundle.
 */
export function requireFinite(measurements: Measurement[], source: string): Measurement[] {
  for (const m of measurements) {
    if (m.value !== null && !Number.isFinite(m.value)) throw new ParseError(`${source}: ${m.metric} comes out as ${m.value} (numbers in the input out of range)`);
  }
  return measurements;
}

const passSchema = z.string().refine((p): p is PassKind => p === 'timed' || p === 'warmup' || /^profile:./.test(p), 'timed, warmup or profile:<kind>');

/** A line of samples.jsonl as read back (core/bundle/read.ts): anything else is not a sample. */
export const sampleSchema = z
  .object({
    workload: z.string(),
    cell: z.string(),
    rep: z.number().int().min(0),
    pass: passSchema,
    tool: z.string(),
    metric: z.string().min(1),
    // JSON has no NaN or infinity: a number here is finite.
    value: z.number().nullable(),
    unit: z.string(),
    better: z.enum(['higher', 'lower', 'none']),
    role: z.enum(['primary', 'informational', 'descriptive']).optional(),
    bootId: z.string().optional(),
    order: z.number().int().min(0).optional(),
  })
  .passthrough();

// The schema's output is a Sample: this fails to compile if the two drift apart.
export const sampleFromSchema = (s: z.infer<typeof sampleSchema>): Sample => s;
