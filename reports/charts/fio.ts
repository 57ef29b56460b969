// fio charts, from the timed repetitions of fio cells:
// - IOPS, bandwidth and CPU per I/O per block size, one bar per bundle at each size (the cells of
//   a workload that differ only in `bs` share a chart), median with min-max whiskers;
// - the completion-latency "nines" (p50 … p99.99) per cell and bundle, from fio's own
//   percentiles (the samples: median of the repetitions; fio-clat-bins.ts draws the percentiles of
//   the repetitions' merged json+ bins where the bundle kept raw/);
// - the repetitions' IOPS in the order they ran (drift, throttling).
import type { Sample } from '../../model/measurement.js';
import type { CellParams } from '../../model/cell.js';
import { iommuTitle, type ChartBundle } from './bundles.js';
import { cellParams, chart, compareSizes, describeParams, groupBy, summarize, valuesOf, WHISKERS } from './data.js';
import { slug } from './ids.js';
import type { ChartPoint, ChartSeries, ChartSpec } from './spec.js';

/** `read.iops`, `g1.write.bw`: the direction (with fio's group prefix when it has one) and the figure. */
const DIRECTION_METRIC = /^((?:g\d+\.)?(?:read|write|trim))\.(iops|bw|clat\.(p[\d.]+))$/;

const NINES = ['p50', 'p90', 'p99', 'p99.9', 'p99.99'] as const;

interface FioCell {
  workload: string;
  cell: string;
  params: CellParams;
  /** Samples of the timed passes, per bundle index. */
  samples: Map<number, Sample[]>;
}

function fioCells(bundles: readonly ChartBundle[]): FioCell[] {
  const cells = new Map<string, FioCell>();
  for (const b of bundles) {
    for (const s of b.bundle.samples) {
      if (s.tool !== 'fio' || s.pass !== 'timed') continue;
      let c = cells.get(s.cell);
      if (!c) {
        c = { workload: s.workload, cell: s.cell, params: cellParams(b.bundle, s.cell), samples: new Map() };
        cells.set(s.cell, c);
      }
      const list = c.samples.get(b.index) ?? [];
      list.push(s);
      c.samples.set(b.index, list);
    }
  }
  return [...cells.values()];
}

/** Directions a set of cells measured (`read`, `write`, `g1.read` …), in a fixed order. */
function directions(cells: readonly FioCell[]): string[] {
  const dirs = new Set<string>();
  for (const c of cells) for (const list of c.samples.values()) for (const s of list) {
    const m = DIRECTION_METRIC.exec(s.metric);
    if (m) dirs.add(m[1]!);
  }
  return [...dirs].sort();
}

function bsOf(c: FioCell): string {
  return c.params.bs === undefined ? '(fio default)' : String(c.params.bs);
}

/**
 * CPU time per I/O of one repetition, in µs, by the best figure the bundle has:
 * `busy`: `cpu.per_io`, the box's busy time over fio's jobs (collectors/fio/cpu-window.ts);
 * `rusage`: fio's own usr + sys time per I/O (`cpu.usr_per_io` + `cpu.sys_per_io`), or, in
 * bundles written before those existed, derived from fio's `cpu.usr` + `cpu.sys` percentages
 * (the jobs' runtime-weighted mean, so × numjobs CPU-seconds per second) over the I/Os per second
 * of every direction.
 */
type CpuSource = 'busy' | 'rusage';
const CPU_TITLE: Record<CpuSource, string> = {
  busy: 'CPU time per I/O (busy time of the box while fio ran)',
  rusage: "CPU time per I/O (fio's own usr+sys)",
};

function cpuPerIo(samples: readonly Sample[], source: CpuSource, numjobs: number): (number | null)[] {
  const reps = groupBy(samples, (s) => String(s.rep));
  const out: (number | null)[] = [];
  for (const list of [...reps.values()].sort((a, b) => a[0]!.rep - b[0]!.rep)) {
    const v = (m: string): number | null | undefined => list.find((s) => s.metric === m)?.value;
    if (source === 'busy') {
      const busy = v('cpu.per_io');
      if (busy !== undefined) out.push(busy);
      continue;
    }
    const usr = v('cpu.usr_per_io');
    const sys = v('cpu.sys_per_io');
    if (usr !== undefined || sys !== undefined) {
      out.push(usr == null || sys == null ? null : usr + sys);
      continue;
    }
    const usrPct = v('cpu.usr');
    const sysPct = v('cpu.sys');
    const iops = list.filter((s) => /^(?:g\d+\.)?(?:read|write|trim)\.iops$/.test(s.metric) && s.value !== null).reduce((a, s) => a + (s.value ?? 0), 0);
    if (usrPct === undefined && sysPct === undefined) continue;
    out.push(usrPct == null || sysPct == null || iops <= 0 ? null : (((usrPct + sysPct) / 100) * numjobs * 1e6) / iops);
  }
  return out;
}

function numjobsOf(params: CellParams): number {
  const n = Number(params.numjobs ?? 1);
  return Number.isFinite(n) && n > 0 ? n : 1;
}

/** Cells of one workload that differ only in bs, with the key the group's charts are named by. */
function bsGroups(cells: readonly FioCell[]): Map<string, FioCell[]> {
  return groupBy(cells, (c) => `${c.workload}:${describeParams(c.params, ['bs'])}`);
}

function perBsCharts(group: FioCell[], bundles: readonly ChartBundle[], dir: string): ChartSpec[] {
  const sorted = [...group].sort((a, b) => compareSizes(bsOf(a), bsOf(b)));
  const first = sorted[0]!;
  const where = `${first.workload} (${describeParams(first.params, ['bs']) || 'fio defaults'})`;
  const present = bundles.filter((b) => sorted.some((c) => c.samples.has(b.index)));
  const title = (what: string): string => `${what}: ${where}, per block size; ${iommuTitle(present)}`;
  const seriesOf = (point: (c: FioCell, samples: Sample[]) => ChartPoint): ChartSeries[] =>
    present.map((b) => ({ label: b.name, color: b.color, points: sorted.map((c) => point(c, c.samples.get(b.index) ?? [])) }));
  const out: ChartSpec[] = [];
  for (const [figure, what, unit] of [['iops', 'IOPS', 'IOPS'], ['bw', 'bandwidth', 'MiB/s']] as const) {
    const metric = `${dir}.${figure}`;
    const series = seriesOf((c, s) => summarize(bsOf(c), valuesOf(s, metric)));
    if (!series.some((s) => s.points.some((p) => p.y !== null))) continue;
    out.push(chart({ id: slug('fio', figure, dir, first.workload, describeParams(first.params, ['bs'])), title: title(`fio ${dir} ${what}`), kind: 'bar', xLabel: 'block size', yLabel: `${unit} (${WHISKERS})`, series }));
  }
  for (const source of ['busy', 'rusage'] as const) {
    const series = seriesOf((c, s) => summarize(bsOf(c), cpuPerIo(s, source, numjobsOf(c.params))));
    if (!series.some((s) => s.points.some((p) => p.y !== null))) continue;
    out.push(chart({ id: slug('fio', 'cpu-per-io', source, dir, first.workload, describeParams(first.params, ['bs'])), title: title(`fio ${CPU_TITLE[source]}`), kind: 'bar', xLabel: 'block size', yLabel: `us per I/O (${WHISKERS})`, series }));
  }
  return out;
}

function ninesChart(c: FioCell, bundles: readonly ChartBundle[], dir: string): ChartSpec | undefined {
  const present = bundles.filter((b) => c.samples.has(b.index));
  const series: ChartSeries[] = present.map((b) => {
    const s = c.samples.get(b.index)!;
    // Only the percentiles fio reported; a null one had too few I/Os behind it (absent).
    const points = NINES.filter((p) => s.some((x) => x.metric === `${dir}.clat.${p}`)).map((p) => summarize(p, valuesOf(s, `${dir}.clat.${p}`), 1e-3));
    return { label: b.name, color: b.color, points };
  });
  if (!series.some((s) => s.points.some((p) => p.y !== null))) return undefined;
  return chart({
    id: slug('fio', 'clat-nines', dir, c.cell),
    title: `fio ${dir} completion latency percentiles: ${c.cell}; ${iommuTitle(present)}`,
    kind: 'line',
    xLabel: 'percentile',
    yLabel: `completion latency, us (${WHISKERS})`,
    yLog: true,
    series,
  });
}

function driftChart(c: FioCell, bundles: readonly ChartBundle[], dir: string): ChartSpec | undefined {
  const metric = `${dir}.iops`;
  const present = bundles.filter((b) => c.samples.get(b.index)?.some((s) => s.metric === metric));
  if (present.length === 0) return undefined;
  const runs = present.map((b) => c.samples.get(b.index)!.filter((s) => s.metric === metric));
  // The position of a repetition's pass in its bundle's run where every sample records it (bundles
  // before `order` existed ran sequentially: their repetitions ran in rep order).
  const byOrder = runs.every((list) => list.every((s) => s.order !== undefined));
  const series: ChartSeries[] = present.map((b, i) => ({
    label: b.name,
    color: b.color,
    points: [...runs[i]!]
      .sort((x, y) => (byOrder ? x.order! - y.order! : x.rep - y.rep))
      .map((s) => ({ x: byOrder ? s.order! : s.rep, y: s.value, note: `rep ${s.rep}${s.bootId ? `, boot ${s.bootId.slice(0, 8)}` : ''}` })),
  }));
  return chart({
    id: slug('fio', 'drift', dir, c.cell),
    title: `fio ${dir} IOPS of each repetition in run order: ${c.cell}; ${iommuTitle(present)}`,
    kind: 'line',
    xLabel: byOrder ? "pass's position in the bundle's run" : 'repetition',
    yLabel: 'IOPS',
    series,
  });
}

export function fioCharts(bundles: readonly ChartBundle[]): ChartSpec[] {
  const cells = fioCells(bundles);
  const out: ChartSpec[] = [];
  for (const group of bsGroups(cells).values()) {
    for (const dir of directions(group)) out.push(...perBsCharts(group, bundles, dir));
  }
  for (const c of cells) {
    for (const dir of directions([c])) {
      const nines = ninesChart(c, bundles, dir);
      if (nines) out.push(nines);
      const drift = driftChart(c, bundles, dir);
      if (drift) out.push(drift);
    }
  }
  return out;
}
