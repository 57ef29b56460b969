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
import { MACHINE_SPECIFIC_PARAMS, type CellParams } from '../../model/cell.js';
import { FALLBACK_METRIC_PREFIX, type Sample } from '../../model/measurement.js';
import { iommuTitle, type ChartBundle } from './bundles.js';
import { cellParams, chart, describeParams, formatBytes, groupBy, sizeBytes, summarize, valuesOf, WHISKERS } from './data.js';
import { slug } from './ids.js';
import type { ChartSeries, ChartSpec } from './spec.js';

const TOOL = 'microbench';
const PHASES = ['map', 'unmap', 'total'] as const;
const NOT_GROUPING = ['api', 'sg_build', 'size', 'segs', 'iters', 'warmup', 'duration_ms', ...(MACHINE_SPECIFIC_PARAMS[TOOL] ?? [])];
const API_ORDER = ['sg', 'link', 'phys'];
/** Dash per path: sg solid, link dashed, phys dotted, a fallback dash-dot. */
const DASH: Record<string, number[]> = { sg: [], link: [8, 4], phys: [2, 3] };
const FALLBACK_DASH = [10, 4, 2, 4];

interface MicrobenchCell {
  bundle: ChartBundle;
  cell: string;
  params: CellParams;
  samples: Sample[];
}

/** The path a cell asked for, as its series is named: `sg`, `sg (sg_build=1)`, `link`. */
function pathOf(params: CellParams): string {
  const api = String(params.api ?? 'sg');
  return params.sg_build === undefined ? api : `${api} (sg_build=${String(params.sg_build)})`;
}

function pathOrder(a: string, b: string): number {
  const rank = (p: string): number => {
    const i = API_ORDER.indexOf(p.replace(/ .*/, ''));
    return (i < 0 ? API_ORDER.length : i) * 2 + (p.includes('fallback') ? 1 : 0);
  };
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

function microbenchCells(bundles: readonly ChartBundle[]): MicrobenchCell[] {
  const out: MicrobenchCell[] = [];
  for (const b of bundles) {
    const samples = groupBy(b.bundle.samples.filter((s) => s.tool === TOOL && s.pass === 'timed'), (s) => s.cell);
    // Every cell the plan has, measured or not: a path a kernel refused (link on 6.12) is drawn absent.
    for (const c of b.bundle.manifest.cells) {
      if (c.tool !== TOOL) continue;
      out.push({ bundle: b, cell: c.cell, params: cellParams(b.bundle, c.cell), samples: samples.get(c.cell) ?? [] });
    }
  }
  return out;
}

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
      const series: ChartSeries[] = [];
      for (const b of present) {
        const mine = group.filter((c) => c.bundle.index === b.index);
        const paths = new Set(mine.map((c) => pathOf(c.params)));
        // A fallback run is a path of its own (link's cells measured on dma_map_phys).
        const fellBack = new Set(mine.filter((c) => c.samples.some((s) => s.metric === `${FALLBACK_METRIC_PREFIX}${phase}.p50`)).map((c) => pathOf(c.params)));
        const lines = [...[...paths].map((p) => ({ path: p, fallback: false })), ...[...fellBack].map((p) => ({ path: p, fallback: true }))];
        lines.sort((x, y) => pathOrder(x.path + (x.fallback ? ' fallback' : ''), y.path + (y.fallback ? ' fallback' : '')));
        for (const { path, fallback } of lines) {
          const metric = `${fallback ? FALLBACK_METRIC_PREFIX : ''}${phase}.p50`;
          const label = fallback ? `${b.name}: ${path}, fell back to dma_map_phys` : `${b.name}: ${path}`;
          const points = segs.map((n) => {
            const values = mine.filter((c) => pathOf(c.params) === path && segsOf(c) === n).flatMap((c) => valuesOf(c.samples, metric));
            return summarize(n, values, 1, `${n} segment${n === 1 ? '' : 's'}`);
          });
          series.push({ label, color: b.color, dash: fallback ? FALLBACK_DASH : (DASH[path.replace(/ .*/, '')] ?? []), points });
        }
      }
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
