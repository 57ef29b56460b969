// A latency distribution as a tool exported it: a sparse histogram (non-empty buckets only) of
// durations in ns, with the tool's stated bound on how far a value it reports from a bucket can be
// from the samples in that bucket. dma_bench exports one per phase (map, unmap, total, timer:
// benches/dma_bench/report.c `hist`); the collector keeps them in each repetition's
// `histograms.json` (ARCHITECTURE.md, "The run bundle"), so reports can draw a distribution and
// cut any percentile from a bundle without the collector's code.
import { z } from 'zod';

/** `count` samples fell in [low, low + width) ns. */
export interface HistogramBucket {
  low: number;
  width: number;
  count: number;
}

export interface LatencyHistogram {
  unit: 'ns';
  /** Samples in the histogram: the sum of the buckets' counts. */
  count: number;
  /** The samples' exact extremes, when the tool gave them: quantiles are clamped to them, as the tool does. */
  min?: number;
  max?: number;
  /**
   * The tool's stated relative error (0.004 = 0.4%): a bucket's reported value (its middle) is
   * within this fraction of every sample in it. Checked against every bucket's width when parsed.
   */
  maxRelErr: number;
  /** Non-empty, in rising order, not overlapping. */
  buckets: HistogramBucket[];
}

/** The value a quantile reports for a bucket: its middle, rounded down (integer ns, as dma_bench does). */
export function bucketValue(b: HistogramBucket): number {
  return b.low + Math.floor(b.width / 2);
}

/** The nearest rank of quantile q among n samples, ⌈q·n⌉ (at least 1), immune to q·n landing a hair off an integer. */
function nearestRank(q: number, n: number): number {
  const x = q * n;
  const r = Math.round(x);
  return Math.max(1, Math.abs(x - r) <= 1e-9 * Math.max(1, x) ? r : Math.ceil(x));
}

/**
 * The q-quantile (0 < q ≤ 1) as dma_bench computes its own (benches/dma_bench/stats.c
 * DB_PERCENTILE): nearest rank, the first bucket holding at least ⌈q·count⌉ samples at or below
 * it, reported as its middle and clamped to the exact min and max when known. So it is within
 * `maxRelErr` of the true nearest-rank sample. Undefined for an empty histogram.
 */
export function histogramQuantile(h: LatencyHistogram, q: number): number | undefined {
  if (!(q > 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside (0, 1]`);
  if (h.count === 0) return undefined;
  const rank = nearestRank(q, h.count);
  let seen = 0;
  let value: number | undefined;
  for (const b of h.buckets) {
    seen += b.count;
    if (seen >= rank) {
      value = bucketValue(b);
      break;
    }
  }
  // Buckets that add up to less than count (a histogram histogramProblem would refuse) end at max.
  value ??= h.max ?? bucketValue(h.buckets[h.buckets.length - 1]!);
  if (h.min !== undefined) value = Math.max(h.min, value);
  if (h.max !== undefined) value = Math.min(h.max, value);
  return value;
}

/**
 * The histogram of the union of several histograms' samples (a cell's repetitions): counts of
 * identical buckets added, the extremes the smallest min and largest max (known only when every
 * part knows them), the stated error the largest. Undefined for no parts, or when their buckets
 * are not of one grid (a bucket of one overlaps a different bucket of another): the union is then
 * not a histogram any quantile could be cut from exactly.
 */
export function mergeHistograms(parts: readonly LatencyHistogram[]): LatencyHistogram | undefined {
  if (parts.length === 0) return undefined;
  const byLow = new Map<number, HistogramBucket>();
  for (const h of parts) {
    for (const b of h.buckets) {
      const seen = byLow.get(b.low);
      if (seen && seen.width !== b.width) return undefined;
      byLow.set(b.low, { low: b.low, width: b.width, count: (seen?.count ?? 0) + b.count });
    }
  }
  const merged: LatencyHistogram = {
    unit: 'ns',
    count: parts.reduce((n, h) => n + h.count, 0),
    maxRelErr: Math.max(...parts.map((h) => h.maxRelErr)),
    buckets: [...byLow.values()].sort((a, b) => a.low - b.low),
  };
  if (parts.every((h) => h.min !== undefined)) merged.min = Math.min(...parts.map((h) => h.min!));
  if (parts.every((h) => h.max !== undefined)) merged.max = Math.max(...parts.map((h) => h.max!));
  return histogramProblem(merged) === undefined ? merged : undefined;
}

const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

/**
 * Why a histogram is not one a tool could have written, or undefined: counts that do not add up,
 * buckets out of order, overlapping or empty, a bucket wider than the stated error allows, min or
 * max outside the buckets. Parsers and the bundle reader use it alike.
 */
export function histogramProblem(h: LatencyHistogram): string | undefined {
  if (!isCount(h.count)) return `count ${h.count} is not a count`;
  if (!(h.maxRelErr >= 0 && h.maxRelErr < 1)) return `maxRelErr ${h.maxRelErr} is not a fraction`;
  let total = 0;
  let end = 0;
  for (const [i, b] of h.buckets.entries()) {
    if (!isCount(b.low) || !isCount(b.count) || !isCount(b.width) || b.width < 1 || b.count < 1) {
      return `bucket ${i} (${b.low}:${b.width}:${b.count}) is not a non-empty bucket of whole ns`;
    }
    if (i > 0 && b.low < end) return `bucket ${i} (${b.low}:${b.width}:${b.count}) starts before the previous one ends (${end}): buckets must rise and not overlap`;
    // The middle of [low, low + width) is within width/2 of every value in it, and those values are ≥ low.
    if (Math.floor(b.width / 2) > h.maxRelErr * b.low) {
      return `bucket ${i} (${b.low}:${b.width}:${b.count}) is wider than the stated relative error ${h.maxRelErr} allows`;
    }
    end = b.low + b.width;
    total += b.count;
  }
  if (total !== h.count) return `the buckets hold ${total} samples, count says ${h.count}`;
  const first = h.buckets[0];
  const last = h.buckets[h.buckets.length - 1];
  if (h.min !== undefined && first && !(h.min >= first.low && h.min < first.low + first.width)) {
    return `min ${h.min} is not in the first bucket [${first.low}, ${first.low + first.width})`;
  }
  // The last bucket of dma_bench's grid also holds everything beyond it (about 75 min): only its start is a bound.
  if (h.max !== undefined && last && h.max < last.low) return `max ${h.max} is below the last bucket's start ${last.low}`;
  if (h.min !== undefined && h.max !== undefined && h.min > h.max) return `min ${h.min} exceeds max ${h.max}`;
  return undefined;
}

const count = z.number().int().min(0);

/**
 * A bucket's shape: an object with numeric low, width and count. Whether they are whole, positive
 * and consistent is histogramProblem's to say, which every reader runs after the schema. Checked
 * by hand rather than by a zod object per bucket: a microbenchmark campaign's report reads
 * hundreds of thousands of buckets, and zod's per-object parsing was a third of its CPU time
 * (scripts/bench/report-speed.ts).
 */
function isBucketShape(b: unknown): boolean {
  if (typeof b !== 'object' || b === null) return false;
  const { low, width, count: n } = b as Record<string, unknown>;
  return typeof low === 'number' && typeof width === 'number' && typeof n === 'number';
}

export const latencyHistogramSchema = z.object({
  unit: z.literal('ns'),
  count,
  min: count.optional(),
  max: count.optional(),
  maxRelErr: z.number().min(0).lt(1),
  buckets: z.custom<HistogramBucket[]>((v) => Array.isArray(v) && v.every(isBucketShape), 'buckets must be an array of {low, width, count} numbers'),
});
export const latencyHistogramFromSchema = (h: z.infer<typeof latencyHistogramSchema>): LatencyHistogram => h;

/**
 * One histogram of a repetition's `histograms.json`: the distribution behind a family of metrics
 * of that repetition.
 */
export interface NamedHistogram extends LatencyHistogram {
  /**
   * The metric family it is the distribution of, named as the samples name it: `map` is behind
   * `map.p50`, `map.p99`, … (`fallback.map` when the run's metrics are `fallback.*`); dma_bench's
   * `timer` (pairs of clock reads) is behind `timer_overhead`.
   */
  metric: string;
  /** Requests per sample: each sample is the mean of `batch` requests timed together (1: single requests). */
  batch: number;
}

export const HISTOGRAMS_FORMAT_VERSION = 1;

/** The content of a repetition's `histograms.json` (core/bundle/histograms.ts reads and writes it). */
export interface RepetitionHistograms {
  version: typeof HISTOGRAMS_FORMAT_VERSION;
  /** The workload tool that measured them (model/campaign.ts `tool`). */
  tool: string;
  histograms: NamedHistogram[];
}

export const repetitionHistogramsSchema = z.object({
  version: z.literal(HISTOGRAMS_FORMAT_VERSION),
  tool: z.string().min(1),
  histograms: z.array(latencyHistogramSchema.extend({ metric: z.string().min(1), batch: count.min(1) })),
});
export const repetitionHistogramsFromSchema = (f: z.infer<typeof repetitionHistogramsSchema>): RepetitionHistograms => f;
