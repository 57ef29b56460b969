// Turns a parsed dma_bench result into Measurements: per phase (map, unmap, total) the
// all-threads statistics in ns, the mean per segment, plus the timer overhead, what each request
// issued, how many samples an interrupt disturbed and (v4) how many requests were timed. A run that did not measure (unsupported,
// error) yields none: the caller reports its status instead of a zero that would look like a result.
//
// The cell says which path was asked for (api=sg|link|phys), so the names are the same for every
// path and `compare --across api=sg` lines them up. A path other than the one asked for (api=link
// falling back to per-range dma_map_phys when dma_iova_try_alloc refuses: no IOMMU, an identity
// domain) is marked in the name itself, `fallback.map.p50`, never `map.p50`: the metric name is
// what compare, the reports and anyone reading samples.jsonl key on, so no consumer can put a
// fallback beside a real link figure, in the same bundle or across bundles. A matrix parameter
// could not say it (cell keys are fixed at plan time; the path is known once the module has run),
// and a field of the sample would have to be honoured by every consumer separately. Only
// `compare --across`, which compares paths on purpose, lines them up again, with a note.
import { FALLBACK_METRIC_PREFIX, type Measurement } from '../../model/measurement.js';
import { measure, quantileResolved, type MetricSpec } from '../metric-spec.js';
import type { MicrobenchApi, MicrobenchPath, MicrobenchResult, PhaseStats } from './types.js';

const timedPhases = ['map', 'unmap', 'total'] as const;

/** The prefix of every metric of a run whose path is not the one its api asked for. */
export const FALLBACK_PREFIX = FALLBACK_METRIC_PREFIX;

/**
 * Every statistic of a phase, with its role (lower is better for all: they are times).
 * A phase's sample is one timed batch's mean per request (format v2, benches/dma_bench/report.c):
 * a batch is one request unless a request takes less than 400 clock reads, and then it is the few
 * requests that take at least that (`batch`), so a clock read is under 1% of every sample. The
 * distribution, and every statistic below, is then of per-batch means: its tails are narrower than
 * single requests' would be.
 * - primary: p50 and p99 of map, unmap and total: the typical call and its tail, when the
 *   samples resolve them (quantileResolved: p99 needs 1 000 timed batches).
 * - descriptive: mean and stdev (one batch preempted for milliseconds among thousands of a
 *   few microseconds moves both: in the lab fixtures the stdev reaches 100 times the median and
 *   the mean 7 times it), min and max (single samples), p99.9 (at the 10 000 iterations of
 *   configs/microbench.yaml ten samples lie beyond it, and the slowest are the ones an
 *   interrupt hit, not the API), and p90: it lies between p50 and p99 and
 *   moves with them, so it would test the same change a third time and widen the
 *   false-discovery family by half without answering a new question.
 *   mean_per_seg is the mean divided by the segment count: descriptive like the mean.
 * - informational: the timer overhead (a property of the clock source, not of the API), the
 *   batch size, the timer's share of the smallest sample, what a request issued and the count of
 *   disturbed samples: a change in them says the runs differ, not that the API got faster.
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
  timer_overhead: { unit: 'ns', better: 'none', role: 'informational' },
  /** Requests per timed sample. */
  batch: { unit: 'count', better: 'none', role: 'informational' },
  /** Requests mapped at once before they were unmapped: max(inflight, batch). */
  inflight: { unit: 'count', better: 'none', role: 'informational' },
  /** One clock read's cost per request, as a share of the smallest map or unmap sample (max of the two). */
  timer_overhead_pct: { unit: '%', better: 'none', role: 'informational' },
  /** Physically contiguous ranges per request after merging (mean over threads). */
  'issued.ranges': { unit: 'count', better: 'none', role: 'informational' },
  /** Mapping calls per request: dma_iova_link or dma_map_phys/page calls, 1 for sg. */
  'issued.calls': { unit: 'count', better: 'none', role: 'informational' },
  /** DMA segments per request: dma_map_sgtable's merged nents for sg, 1 for link, the ranges for phys. */
  'issued.dma_segs': { unit: 'count', better: 'none', role: 'informational' },
  /** Timed samples during which the CPU took an interrupt or switched task (all threads). */
  disturbed: { unit: 'count', better: 'none', role: 'informational' },
  disturbed_pct: { unit: '%', better: 'none', role: 'informational' },
  /** Of them, those the CPU took an interrupt in, and those it switched task in (none while preemption is off). */
  'disturbed.by_irq': { unit: 'count', better: 'none', role: 'informational' },
  'disturbed.by_switch': { unit: 'count', better: 'none', role: 'informational' },
  /** Timed requests, all threads (v4): iters × threads, or what a duration_ms run fitted in. */
  requests: { unit: 'count', better: 'none', role: 'informational' },
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

/** Whether `path` is what `api` asks for: phys is dma_map_phys, or dma_map_page before 6.18. */
export function pathAnswersApi(api: MicrobenchApi, path: MicrobenchPath): boolean {
  return api === 'phys' ? path === 'phys' || path === 'page' : path === api;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** `fallback.` when the path that ran is not the one the request's api asked for, else nothing: the prefix of every name of the run. */
export function microbenchMetricPrefix(r: MicrobenchResult): string {
  return r.status === 'fallback' || (r.request && !pathAnswersApi(r.request.api, r.path)) ? FALLBACK_PREFIX : '';
}

export function microbenchMeasurements(r: MicrobenchResult): Measurement[] {
  if (!microbenchMeasured(r) || !r.all) return [];
  const prefix = microbenchMetricPrefix(r);
  const out: Measurement[] = [];
  const add = (name: string, value: number | null, spec: MetricSpec, resolved?: boolean): void => {
    out.push(measure(`${prefix}${name}`, value, spec, resolved === undefined ? {} : { resolved }));
  };
  for (const phase of timedPhases) {
    const s = r.all.phases[phase];
    if (!s) continue;
    for (const [label, key, q] of statKeys) {
      // The module's own count of timed samples says whether a quantile is resolved.
      add(`${phase}.${label}`, s[key], MICROBENCH_METRICS[label], q === undefined || quantileResolved(q, s.count));
    }
    // Per segment is what compares across segment counts (and against fio's per-I/O call counts).
    if (r.request && r.request.segs > 0) add(`${phase}.mean_per_seg`, s.mean / r.request.segs, MICROBENCH_METRICS.mean_per_seg);
  }
  if (r.timerOverheadNs !== undefined) {
    add('timer_overhead', r.timerOverheadNs, MICROBENCH_METRICS.timer_overhead);
    const fastest = Math.min(r.all.phases.map?.min ?? Infinity, r.all.phases.unmap?.min ?? Infinity);
    if (fastest > 0 && Number.isFinite(fastest)) {
      add('timer_overhead_pct', (100 * r.timerOverheadNs) / r.batch / fastest, MICROBENCH_METRICS.timer_overhead_pct);
    }
  }
  const workers = r.workers.filter((w) => w !== undefined);
  if (workers.length > 0) {
    add('batch', r.batch, MICROBENCH_METRICS.batch);
    if (r.inflight !== undefined) add('inflight', r.inflight, MICROBENCH_METRICS.inflight);
    add('issued.ranges', mean(workers.map((w) => w.ranges)), MICROBENCH_METRICS['issued.ranges']);
    add('issued.calls', mean(workers.map((w) => w.calls)), MICROBENCH_METRICS['issued.calls']);
    add('issued.dma_segs', mean(workers.map((w) => w.dmaSegsMax)), MICROBENCH_METRICS['issued.dma_segs']);
    const batches = workers.reduce((a, w) => a + w.batches, 0);
    const disturbed = workers.reduce((a, w) => a + w.disturbed, 0);
    add('disturbed', disturbed, MICROBENCH_METRICS.disturbed);
    if (batches > 0) add('disturbed_pct', (100 * disturbed) / batches, MICROBENCH_METRICS.disturbed_pct);
    add('disturbed.by_irq', workers.reduce((a, w) => a + w.irqHit, 0), MICROBENCH_METRICS['disturbed.by_irq']);
    add('disturbed.by_switch', workers.reduce((a, w) => a + w.switched, 0), MICROBENCH_METRICS['disturbed.by_switch']);
    if (workers.every((w) => w.requests !== undefined)) add('requests', workers.reduce((a, w) => a + (w.requests ?? 0), 0), MICROBENCH_METRICS.requests);
  }
  return out;
}
