// dma_bench thread scaling, from the timed repetitions' samples: cells that differ only in
// `threads` (and the path, and the run length) drawn as what a request costs, p50 per thread,
// against the number of threads mapping at once through the one device (log x), one line per
// bundle × path, per phase. A flat line scales; a rising one is contention (the IOVA allocator,
// the IOTLB flush in strict mode). Groups with a single thread count have no chart.
import { iommuTitle, type ChartBundle } from './bundles.js';
import { chart, describeParams, groupBy, WHISKERS } from './data.js';
import { slug } from './ids.js';
import { microbenchCells, NOT_GROUPING_PATH, PHASES, sweepSeries, type MicrobenchCell } from './microbench-cells.js';
import type { ChartSpec } from './spec.js';

const NOT_GROUPING = [...NOT_GROUPING_PATH, 'threads'];

/** The module's default is one thread. */
function threadsOf(c: MicrobenchCell): number {
  const n = Number(c.params.threads ?? 1);
  return Number.isFinite(n) && n > 0 ? n : 1;
}

export function microbenchThreadCharts(bundles: readonly ChartBundle[]): ChartSpec[] {
  const out: ChartSpec[] = [];
  for (const group of groupBy(microbenchCells(bundles), (c) => describeParams(c.params, NOT_GROUPING)).values()) {
    const threads = [...new Set(group.map(threadsOf))].sort((a, b) => a - b);
    if (threads.length < 2) continue;
    const shape = describeParams(group[0]!.params, NOT_GROUPING) || 'module defaults';
    const present = bundles.filter((b) => group.some((c) => c.bundle.index === b.index));
    for (const phase of PHASES) {
      const series = sweepSeries(present, group, phase, threads, threadsOf, (n) => `${n} thread${n === 1 ? '' : 's'}`);
      if (!series.some((s) => s.points.some((p) => p.y !== null))) continue;
      out.push(
        chart({
          id: slug('microbench', 'threads', phase, shape),
          title: `dma_bench ${phase} p50 per request against threads mapping at once: ${shape}; ${iommuTitle(present)}`,
          kind: 'line',
          xLabel: 'threads',
          yLabel: `${phase} p50, ns per request per thread (${WHISKERS})`,
          xLog: true,
          yLog: true,
          series,
        }),
      );
    }
  }
  return out;
}
