// dma_bench charts, from the timed repetitions of microbench cells: what mapping, unmapping and
// both (total) cost per request, p50, across segment counts (log x) for each I/O size, one line
// per bundle × path (sg, link, phys, and link's fallback to per-range dma_map_phys, which the
// samples name `fallback.*`: never drawn as link). The colour is the bundle's, the dash the path's.
//
// Cells are grouped by every parameter but the path (`api`, and `sg_build`, which only sg has: the
// path is named with it), the size and segment count, the run length (`iters`, `warmup`,
// `duration_ms`) and the machine's device, so cells of different workloads (one per size in
// configs/microbench.yaml, sg and link split in its nvme-read ones) share a chart when they differ
// in those alone.
import { iommuTitle, type ChartBundle } from './bundles.js';
import { chart, describeParams, formatBytes, groupBy, sizeBytes, WHISKERS } from './data.js';
import { slug } from './ids.js';
import { microbenchCells, NOT_GROUPING_PATH, PHASES, sweepSeries, type MicrobenchCell } from './microbench-cells.js';
import type { ChartSpec } from './spec.js';

const NOT_GROUPING = [...NOT_GROUPING_PATH, 'size', 'segs'];

function segsOf(c: MicrobenchCell): number {
  const n = Number(c.params.segs ?? 1);
  return Number.isFinite(n) ? n : 1;
}

export function microbenchCharts(bundles: readonly ChartBundle[]): ChartSpec[] {
  const cells = microbenchCells(bundles);
  const out: ChartSpec[] = [];
  const groups = groupBy(cells, (c) => `${describeParams(c.params, NOT_GROUPING)}|${sizeBytes(c.params.size) ?? String(c.params.size)}`);
  for (const group of groups.values()) {
    const first = group[0]!;
    const size = sizeBytes(first.params.size);
    const sizeText = size === undefined ? String(first.params.size ?? 'default size') : formatBytes(size);
    const rest = describeParams(first.params, NOT_GROUPING);
    const present = bundles.filter((b) => group.some((c) => c.bundle.index === b.index));
    const segs = [...new Set(group.map(segsOf))].sort((a, b) => a - b);
    for (const phase of PHASES) {
      const series = sweepSeries(present, group, phase, segs, segsOf, (n) => `${n} segment${n === 1 ? '' : 's'}`);
      if (!series.some((s) => s.points.some((p) => p.y !== null))) continue;
      out.push(
        chart({
          id: slug('microbench', phase, sizeText, rest),
          title: `dma_bench ${phase} p50 per request, per path and segment count: ${sizeText}${rest ? `, ${rest}` : ''}; ${iommuTitle(present)}`,
          kind: 'line',
          xLabel: 'segments per request',
          yLabel: `${phase} p50, ns per request (${WHISKERS})`,
          xLog: true,
          yLog: true,
          series,
        }),
      );
    }
  }
  return out;
}
