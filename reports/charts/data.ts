// Helpers every chart builder shares: one point from a metric's repetitions, the CSV of a chart,
// cell parameters, sizes. Pure functions of loaded bundles.
import { stringify } from 'csv-stringify/sync';
import type { LoadedBundle } from '../../model/bundle.js';
import type { CellParams } from '../../model/cell.js';
import type { Sample } from '../../model/measurement.js';
import { median } from '../stats/descriptive.js';
import type { ChartPoint, ChartSeries, ChartSpec } from './spec.js';

/** What every chart with whiskers says about them (in its y label and the CSV header). */
export const WHISKERS = 'median of the repetitions, whiskers min to max';

/**
 * A point from one metric's repetitions: y the median of the values present, the whiskers the
 * smallest and largest (only with two or more). Absent values (null) are left out and counted in
 * the note; with none present, y is null (drawn as absent, never as 0).
 */
export function summarize(x: number | string, values: readonly (number | null)[], scale = 1, what = ''): ChartPoint {
  const present = values.filter((v): v is number => v !== null).map((v) => v * scale);
  const absent = values.length - present.length;
  const note = [what, `n=${present.length}`, absent > 0 ? `${absent} absent` : ''].filter(Boolean).join(', ');
  if (present.length === 0) return { x, y: null, note };
  const point: ChartPoint = { x, y: median(present), note };
  if (present.length >= 2) {
    point.yMin = Math.min(...present);
    point.yMax = Math.max(...present);
  }
  return point;
}

/** The chart's data as CSV, one row per point, in the order drawn; an empty field is absent, never 0. */
export function chartCsv(xLabel: string, yLabel: string, series: readonly ChartSeries[]): string {
  const rows = series.flatMap((s) => s.points.map((p) => [s.label, p.x, p.y, p.yMin ?? null, p.yMax ?? null, p.note ?? '']));
  return stringify(rows, { header: true, columns: ['series', xLabel, yLabel, 'y_min', 'y_max', 'note'], cast: { number: (n) => String(n) } });
}

/**
 * A chart with its CSV from its series, made when first read: the HTML page makes its CSV in the
 * browser and never reads this one, and making the CSV of a campaign's 300 charts was a tenth of
 * `dmabench report`'s CPU time (scripts/bench/report-speed.ts). An enumerable property like any
 * other (JSON and deepEqual see it).
 */
export function chart(spec: Omit<ChartSpec, 'csv'>): ChartSpec {
  let csv: string | undefined;
  return Object.defineProperty({ ...spec }, 'csv', {
    enumerable: true,
    get: () => (csv ??= chartCsv(spec.xLabel, spec.yLabel, spec.series)),
  }) as ChartSpec;
}

/** The parameters the bundle's plan gave a cell (empty when the manifest does not list it). */
export function cellParams(bundle: LoadedBundle, cell: string): CellParams {
  return (bundle.manifest.cells.find((c) => c.cell === cell)?.params ?? {}) as CellParams;
}

/** `a=1, b=x` of the parameters, sorted by name, without those left out. */
export function describeParams(params: CellParams, leave: readonly string[] = []): string {
  return Object.keys(params)
    .filter((k) => !leave.includes(k))
    .sort()
    .map((k) => `${k}=${String(params[k])}`)
    .join(', ');
}

/** Samples grouped by a key, groups and samples in the order first met (deterministic for one input). */
export function groupBy<T>(items: readonly T[], key: (t: T) => string | undefined): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    if (k === undefined) continue;
    const list = out.get(k);
    if (list) list.push(it);
    else out.set(k, [it]);
  }
  return out;
}

/** Values of one metric in a set of samples, in repetition order. */
export function valuesOf(samples: readonly Sample[], metric: string): (number | null)[] {
  return samples
    .filter((s) => s.metric === metric)
    .sort((a, b) => a.rep - b.rep)
    .map((s) => s.value);
}

const SIZE = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i;
const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Bytes of a size as campaigns write it (`64k`, `1m`, `4096`; powers of 1024, as fio and dma_bench read them), undefined if not one. */
export function sizeBytes(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = SIZE.exec(v.trim());
  if (!m) return undefined;
  return Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!;
}

/** 65536 → `64 KiB`, 4096 → `4 KiB`, 1000 → `1000 B`. */
export function formatBytes(n: number): string {
  for (const [unit, f] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (n >= f && n % f === 0) return `${n / f} ${unit}`;
  }
  return `${n} B`;
}

/** Ascending by a number where both have one, else by text: keys such as block sizes. */
export function compareSizes(a: string, b: string): number {
  const x = sizeBytes(a);
  const y = sizeBytes(b);
  if (x !== undefined && y !== undefined && x !== y) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}
