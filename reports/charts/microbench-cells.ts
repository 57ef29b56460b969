// What the dma_bench charts share: the microbench cells of the bundles (every cell a bundle's plan
// has, measured or not: a path a kernel refused, link on 6.12, is drawn absent), the path a cell
// asked for as its series is named, the order and dash of paths, and the lines of a bundle's
// cells (one per path, plus one per path that fell back to dma_map_phys: never drawn as link).
import { MACHINE_SPECIFIC_PARAMS, type CellParams } from '../../model/cell.js';
import { FALLBACK_METRIC_PREFIX, type Sample } from '../../model/measurement.js';
import type { ChartBundle } from './bundles.js';
import { cellParams, groupBy, summarize, valuesOf } from './data.js';
import type { ChartSeries } from './spec.js';

export const MICROBENCH_TOOL = 'microbench';
export const PHASES = ['map', 'unmap', 'total'] as const;
export type Phase = (typeof PHASES)[number];

/** Parameters that say how long a cell ran, not what it measured: never what tells charts apart. */
export const RUN_LENGTH_PARAMS = ['iters', 'warmup', 'duration_ms'] as const;
/** Parameters left out of every dma_bench chart's grouping: the path, the run length and the machine's device. */
export const NOT_GROUPING_PATH = ['api', 'sg_build', ...RUN_LENGTH_PARAMS, ...(MACHINE_SPECIFIC_PARAMS[MICROBENCH_TOOL] ?? [])];

const API_ORDER = ['sg', 'link', 'phys'];
/** Dash per path: sg solid, link dashed, phys dotted, a fallback dash-dot. */
const DASH: Record<string, number[]> = { sg: [], link: [8, 4], phys: [2, 3] };
const FALLBACK_DASH = [10, 4, 2, 4];

export interface MicrobenchCell {
  bundle: ChartBundle;
  cell: string;
  params: CellParams;
  /** The cell's samples of timed passes. */
  samples: Sample[];
}

/** The path a cell asked for, as its series is named: `sg`, `sg (sg_build=1)`, `link`. */
export function pathOf(params: CellParams): string {
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

export function microbenchCells(bundles: readonly ChartBundle[]): MicrobenchCell[] {
  const out: MicrobenchCell[] = [];
  for (const b of bundles) {
    const samples = groupBy(b.bundle.samples.filter((s) => s.tool === MICROBENCH_TOOL && s.pass === 'timed'), (s) => s.cell);
    for (const c of b.bundle.manifest.cells) {
      if (c.tool !== MICROBENCH_TOOL) continue;
      out.push({ bundle: b, cell: c.cell, params: cellParams(b.bundle, c.cell), samples: samples.get(c.cell) ?? [] });
    }
  }
  return out;
}

/** One line of a bundle on a dma_bench chart: a path, or a path's fallback to dma_map_phys. */
export interface PathLine {
  path: string;
  fallback: boolean;
  /** `6.12: sg`, `7.2: link, fell back to dma_map_phys`. */
  label: string;
  dash: number[];
  /** The prefix of the metric families this line draws: '' or `fallback.`. */
  prefix: string;
}

/**
 * The lines of one bundle's cells, in path order: one per path the cells asked for, and one per
 * path whose cells have samples of `fallback.<phase>.…` metrics (`fellBack(cell)` says which).
 */
export function pathLines(bundle: ChartBundle, cells: readonly MicrobenchCell[], fellBack: (c: MicrobenchCell) => boolean): PathLine[] {
  const paths = new Set(cells.map((c) => pathOf(c.params)));
  const fallbacks = new Set(cells.filter(fellBack).map((c) => pathOf(c.params)));
  const lines = [...[...paths].map((p) => ({ path: p, fallback: false })), ...[...fallbacks].map((p) => ({ path: p, fallback: true }))];
  lines.sort((x, y) => pathOrder(x.path + (x.fallback ? ' fallback' : ''), y.path + (y.fallback ? ' fallback' : '')));
  return lines.map(({ path, fallback }) => ({
    path,
    fallback,
    label: fallback ? `${bundle.name}: ${path}, fell back to dma_map_phys` : `${bundle.name}: ${path}`,
    dash: fallback ? FALLBACK_DASH : (DASH[path.replace(/ .*/, '')] ?? []),
    prefix: fallback ? FALLBACK_METRIC_PREFIX : '',
  }));
}

/** Whether a cell's samples include `fallback.<phase>.p50`: link ran on dma_map_phys. */
export function fellBackIn(phase: Phase): (c: MicrobenchCell) => boolean {
  return (c) => c.samples.some((s) => s.metric === `${FALLBACK_METRIC_PREFIX}${phase}.p50`);
}

/**
 * The lines of a sweep chart (segments, threads): one per bundle × path (a fallback run its own),
 * each point the `phase` p50 of the cells at that x, summarised over their repetitions.
 */
export function sweepSeries(
  present: readonly ChartBundle[],
  group: readonly MicrobenchCell[],
  phase: Phase,
  xs: readonly number[],
  xOf: (c: MicrobenchCell) => number,
  noteOf: (x: number) => string,
): ChartSeries[] {
  const series: ChartSeries[] = [];
  for (const b of present) {
    const mine = group.filter((c) => c.bundle.index === b.index);
    for (const line of pathLines(b, mine, fellBackIn(phase))) {
      const metric = `${line.prefix}${phase}.p50`;
      const points = xs.map((x) => {
        const values = mine.filter((c) => pathOf(c.params) === line.path && xOf(c) === x).flatMap((c) => valuesOf(c.samples, metric));
        return summarize(x, values, 1, noteOf(x));
      });
      series.push({ label: line.label, color: b.color, dash: line.dash, points });
    }
  }
  return series;
}
