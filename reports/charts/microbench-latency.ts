// dma_bench latency distributions, from the module's histograms kept in the bundle
// (raw/<cell>/timed-<rep>/histograms.json, reports/charts/raw.ts): per cell and bundle the
// repetitions' histograms merged (model/latency-histogram.ts mergeHistograms), then
// - per phase (map, unmap, total) a "nines" chart: p50, p90, p99, p99.9, p99.99 of the merged
//   histogram (histogramQuantile: as the module cuts its own), log y, one line per bundle × path;
// - for the whole request (total) the tail as a curve: the fraction of samples at or above each
//   bucket (1 − CDF, log-log, so the tail is not squashed against 1), cut to at most
//   MAX_CURVE_POINTS points per line (downsample.ts).
// Cells are grouped by every parameter but the path and the run length: one chart holds the
// paths of one request shape. A percentile the samples cannot resolve (fewer than 1/(1−p)) is
// absent, as in fio's charts; a bundle without raw/ has no line, and with no line, no chart.
// A sample is one timed batch's mean per request (README, "batch"): the distribution of
// per-batch means when the module batched, which each chart's notes say.
import { bucketValue, histogramQuantile, mergeHistograms, type LatencyHistogram } from '../../model/latency-histogram.js';
import { iommuTitle, type ChartBundle } from './bundles.js';
import { chart, describeParams, groupBy } from './data.js';
import { downsampleLogX } from './downsample.js';
import { slug } from './ids.js';
import { microbenchCells, NOT_GROUPING_PATH, pathLines, pathOf, PHASES, type MicrobenchCell, type Phase } from './microbench-cells.js';
import type { ChartPoint, ChartSeries, ChartSpec } from './spec.js';

export const NINES = [
  ['p50', 0.5],
  ['p90', 0.9],
  ['p99', 0.99],
  ['p99.9', 0.999],
  ['p99.99', 0.9999],
] as const;

/** Points per line of a tail curve at most: a few hundred pixels wide, a small page. */
export const MAX_CURVE_POINTS = 200;

/** A line's merged distribution, with what it was merged from. */
export interface MergedDistribution {
  histogram: LatencyHistogram;
  repetitions: number;
  /** Requests per sample, each distinct value the repetitions had. */
  batches: number[];
}

/**
 * The histograms of `metric` (`map`, `fallback.total`, …) of every timed repetition of these
 * cells, merged; undefined when none has it, or they are not of one grid.
 */
export function mergedDistribution(bundle: ChartBundle, cells: readonly MicrobenchCell[], metric: string): MergedDistribution | undefined {
  const parts = cells.flatMap((c) => (bundle.raw.histograms.get(c.cell) ?? []).flatMap((r) => r.data.histograms.filter((h) => h.metric === metric)));
  const histogram = mergeHistograms(parts);
  if (!histogram) return undefined;
  return { histogram, repetitions: parts.length, batches: [...new Set(parts.map((h) => h.batch))].sort((a, b) => a - b) };
}

/** Whether a percentile is resolved by n samples: at least one sample beyond it. */
function resolves(n: number, q: number): boolean {
  return n * (1 - q) >= 1 - 1e-9;
}

function describe(d: MergedDistribution): string {
  const batch = d.batches.length === 1 && d.batches[0] === 1 ? 'single requests' : `per-batch means, batch ${d.batches.join('/')}`;
  return `n=${d.histogram.count} samples of ${d.repetitions} repetition${d.repetitions === 1 ? '' : 's'} merged, ${batch}`;
}

/** The nines of a merged distribution: absent where unresolved. */
export function ninesPoints(d: MergedDistribution | undefined): ChartPoint[] {
  return NINES.map(([label, q]): ChartPoint => {
    if (!d) return { x: label, y: null, note: 'no histograms' };
    const y = resolves(d.histogram.count, q) ? (histogramQuantile(d.histogram, q) ?? null) : null;
    return { x: label, y, note: y === null ? `${describe(d)}; too few samples for ${label}` : describe(d) };
  });
}

/** 1 − CDF at each bucket's reported value: the fraction of samples in that bucket or above. */
export function tailPoints(d: MergedDistribution): ChartPoint[] {
  const h = d.histogram;
  let before = 0;
  const points = h.buckets.map((b) => {
    const p = { x: bucketValue(b), y: (h.count - before) / h.count };
    before += b.count;
    return p;
  });
  return downsampleLogX(points, MAX_CURVE_POINTS).map((p) => ({ ...p, note: describe(d) }));
}

function where(first: MicrobenchCell): string {
  return describeParams(first.params, NOT_GROUPING_PATH) || 'module defaults';
}

export function microbenchLatencyCharts(bundles: readonly ChartBundle[]): ChartSpec[] {
  const cells = microbenchCells(bundles);
  const out: ChartSpec[] = [];
  for (const group of groupBy(cells, (c) => describeParams(c.params, NOT_GROUPING_PATH)).values()) {
    // Bundles with histograms of this group: one copied without raw/ has no line at all (a path
    // a bundle with raw/ lacks, link on 6.12, is a line of absent points).
    const present = bundles.filter((b) => group.some((c) => c.bundle.index === b.index && b.raw.histograms.has(c.cell)));
    if (present.length === 0) continue;
    const shape = where(group[0]!);
    // Per bundle, its lines: a path, or a path's fallback (whose histograms are named fallback.*).
    const lines = present.flatMap((b) => {
      const mine = group.filter((c) => c.bundle.index === b.index);
      const fellBack = (c: MicrobenchCell): boolean => (b.raw.histograms.get(c.cell) ?? []).some((r) => r.data.histograms.some((h) => h.metric.startsWith('fallback.')));
      return pathLines(b, mine, fellBack).map((line) => ({ b, line, cells: mine.filter((c) => pathOf(c.params) === line.path) }));
    });
    const distributions = (phase: Phase) => lines.map((l) => ({ ...l, d: mergedDistribution(l.b, l.cells, `${l.line.prefix}${phase}`) }));
    for (const phase of PHASES) {
      const lined = distributions(phase);
      if (!lined.some((l) => l.d)) continue;
      const series: ChartSeries[] = lined.map(({ b, line, d }) => ({ label: line.label, color: b.color, dash: line.dash, points: ninesPoints(d) }));
      out.push(
        chart({
          id: slug('microbench', 'nines', phase, shape),
          title: `dma_bench ${phase} latency percentiles per request, repetitions' histograms merged: ${shape}; ${iommuTitle(present)}`,
          kind: 'line',
          xLabel: 'percentile',
          yLabel: `${phase}, ns per request (from the module's histograms)`,
          yLog: true,
          series,
        }),
      );
    }
    const total = distributions('total').filter((l) => l.d);
    if (total.length === 0) continue;
    out.push(
      chart({
        id: slug('microbench', 'tail', shape),
        title: `dma_bench total (map + unmap) latency tail, fraction of samples at or above each latency, repetitions' histograms merged: ${shape}; ${iommuTitle(present)}`,
        kind: 'line',
        xLabel: 'total, ns per request',
        yLabel: 'fraction of samples at or above (1 − CDF)',
        xLog: true,
        yLog: true,
        series: total.map(({ b, line, d }) => ({ label: line.label, color: b.color, dash: line.dash, points: tailPoints(d!) })),
      }),
    );
  }
  return out;
}
