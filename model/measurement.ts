// The typed boundary between tools and everything downstream (bundles, compare, reports).
// A parser turns one tool's raw output into Measurements; the runner stamps them with the
// cell, repetition and pass they came from and writes them to samples.jsonl as Samples.
import { ParseError } from './parse-error.js';
import { z } from 'zod';

/** Which direction of change is an improvement. Drives the regression label in compare. */
export type Better = 'higher' | 'lower';

/** One number a tool reported, before the runner knows which cell or repetition it belongs to. */
export interface Measurement {
  /** Dotted metric name, unique within one tool run, e.g. `read.iops`, `read.clat.p99`, `dma_iova_link.calls_per_io`. */
  metric: string;
  /** null when the tool said the value is absent (`<not supported>`, `<not counted>`), never 0. */
  value: number | null;
  /** Unit as printed in reports: `IOPS`, `MiB/s`, `ns`, `%`, `count`, `calls/IO`, `Gb/s`, ... */
  unit: string;
  better: Better;
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
    better: z.enum(['higher', 'lower']),
  })
  .passthrough();

// The schema's output is a Sample: this fails to compile if the two drift apart.
export const sampleFromSchema = (s: z.infer<typeof sampleSchema>): Sample => s;
