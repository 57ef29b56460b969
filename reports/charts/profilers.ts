// Profiler charts, from the profile passes of every cell:
// - per-I/O call counts of the mapping functions (ftrace `<fn>.calls_per_io`) and of the IOMMU's
//   page-table changes (`iommu.map|unmap.calls_per_io`), one bar per bundle for each function. A
//   function a kernel lacks (no sample, or a null one: not traceable there) is y: null, drawn
//   absent, never 0; a 0 is a function the kernel has and did not call in the window.
// - function_graph durations (`<fn>.duration.p50|p99|mean`) as bars, in µs;
// - perf stat per-I/O counters (`perf.<event>_per_io` but task-clock's, `perf.cpu.per_io`), log
//   scale (their magnitudes span cycles to migrations).
// Functions are ordered as model/dma-functions.ts lists them (the two paths side by side), those
// it does not know (added by a campaign) after them by name.
import { dmaFunctions } from '../../model/dma-functions.js';
import type { Sample } from '../../model/measurement.js';
import { iommuTitle, type ChartBundle } from './bundles.js';
import { chart, summarize, valuesOf, WHISKERS } from './data.js';
import { slug } from './ids.js';
import type { ChartSeries, ChartSpec } from './spec.js';

/** Per-I/O metrics of the trace that are not functions: the DMA entry sum, other tracepoints, the trace's own figures. */
const NOT_A_FUNCTION = /^(?:iommu|events|dma|ftrace)\./;
const IOMMU_EVENTS = ['iommu.map', 'iommu.unmap'] as const;
const TABLE_ORDER = new Map(dmaFunctions.map((f, i) => [f, i]));

function functionOrder(a: string, b: string): number {
  const x = TABLE_ORDER.get(a) ?? Infinity;
  const y = TABLE_ORDER.get(b) ?? Infinity;
  if (x !== y) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

interface ProfileCell {
  cell: string;
  pass: string;
  /** Samples of this tool in this cell and pass, per bundle index. */
  samples: Map<number, Sample[]>;
}

function profileCells(bundles: readonly ChartBundle[], tool: string): ProfileCell[] {
  const cells = new Map<string, ProfileCell>();
  for (const b of bundles) {
    for (const s of b.bundle.samples) {
      if (s.tool !== tool || !s.pass.startsWith('profile:')) continue;
      const key = `${s.cell}|${s.pass}`;
      let c = cells.get(key);
      if (!c) cells.set(key, (c = { cell: s.cell, pass: s.pass, samples: new Map() }));
      const list = c.samples.get(b.index) ?? [];
      list.push(s);
      c.samples.set(b.index, list);
    }
  }
  return [...cells.values()];
}

/**
 * One bar chart: a category per name, a series per bundle that profiled the cell; y is the median
 * over the pass's repetitions of `metricOf(name)`, null where the bundle has no value.
 */
function perNameChart(c: ProfileCell, bundles: readonly ChartBundle[], names: readonly string[], metricOf: (name: string) => string, scale: number, labelOf: (name: string) => string = (n) => n): ChartSeries[] {
  return bundles
    .filter((b) => c.samples.has(b.index))
    .map((b) => {
      const s = c.samples.get(b.index)!;
      return { label: b.name, color: b.color, points: names.map((n) => summarize(labelOf(n), valuesOf(s, metricOf(n)), scale)) };
    });
}

function presentIn(c: ProfileCell, bundles: readonly ChartBundle[]): ChartBundle[] {
  return bundles.filter((b) => c.samples.has(b.index));
}

/** Names (the part before `suffix`) with a value other than 0 and null in some bundle: a function no kernel called says nothing. */
function namesWith(c: ProfileCell, suffix: RegExp, keep: (name: string) => boolean, nonZero: boolean): string[] {
  const names = new Set<string>();
  for (const list of c.samples.values()) for (const s of list) {
    const m = suffix.exec(s.metric);
    if (!m || !keep(m[1]!) || s.value === null || (nonZero && s.value === 0)) continue;
    names.add(m[1]!);
  }
  return [...names].sort(functionOrder);
}

function callCountChart(c: ProfileCell, bundles: readonly ChartBundle[]): ChartSpec | undefined {
  const fns = namesWith(c, /^(.+)\.calls_per_io$/, (n) => !NOT_A_FUNCTION.test(n), true);
  const events = IOMMU_EVENTS.filter((e) => [...c.samples.values()].some((l) => l.some((s) => s.metric === `${e}.calls_per_io` && s.value !== null)));
  if (fns.length + events.length === 0) return undefined;
  const names = [...fns, ...events];
  const present = presentIn(c, bundles);
  return chart({
    id: slug('calls-per-io', c.pass, c.cell),
    title: `Calls per I/O of the DMA mapping functions (absent: not in that kernel): ${c.cell}, ${c.pass}; ${iommuTitle(present)}`,
    kind: 'bar',
    xLabel: 'function',
    yLabel: `calls per I/O (${WHISKERS})`,
    series: perNameChart(c, bundles, names, (n) => `${n}.calls_per_io`, 1, (n) => (n.startsWith('iommu.') ? n.replace('.', ':') + ' (tracepoint)' : n)),
  });
}

function durationCharts(c: ProfileCell, bundles: readonly ChartBundle[]): ChartSpec[] {
  const out: ChartSpec[] = [];
  const present = presentIn(c, bundles);
  for (const stat of ['p50', 'p99', 'mean'] as const) {
    const suffix = new RegExp(`^(.+)\\.duration\\.${stat.replace('.', '\\.')}$`);
    const fns = namesWith(c, suffix, () => true, false);
    if (fns.length === 0) continue;
    out.push(
      chart({
        id: slug('duration', stat, c.pass, c.cell),
        title: `function_graph duration ${stat} per call (tracer's cost included): ${c.cell}, ${c.pass}; ${iommuTitle(present)}`,
        kind: 'bar',
        xLabel: 'function',
        yLabel: `${stat} duration, us (${WHISKERS})`,
        yLog: true,
        series: perNameChart(c, bundles, fns, (n) => `${n}.duration.${stat}`, 1e-3),
      }),
    );
  }
  return out;
}

function perfStatChart(c: ProfileCell, bundles: readonly ChartBundle[]): ChartSpec | undefined {
  // task-clock per I/O under `perf stat -a` is wall × CPUs / I/Os (every CPU's clock runs through
  // idle: ARCHITECTURE.md, "Metrics"), not CPU time: older bundles have it, it is not drawn.
  const events = namesWith(c, /^perf\.(.+)_per_io$/, (n) => n !== 'task-clock', false).sort();
  const names = [...events, ...([...c.samples.values()].some((l) => l.some((s) => s.metric === 'perf.cpu.per_io')) ? ['cpu time (us)'] : [])];
  if (names.length === 0) return undefined;
  const metricOf = (n: string): string => (n === 'cpu time (us)' ? 'perf.cpu.per_io' : `perf.${n}_per_io`);
  const present = presentIn(c, bundles);
  return chart({
    id: slug('perf-stat-per-io', c.pass, c.cell),
    title: `perf stat counters per I/O (system-wide): ${c.cell}, ${c.pass}; ${iommuTitle(present)}`,
    kind: 'bar',
    xLabel: 'counter',
    yLabel: `per I/O, each counter's unit (${WHISKERS})`,
    yLog: true,
    series: perNameChart(c, bundles, names, metricOf, 1),
  });
}

export function profilerCharts(bundles: readonly ChartBundle[]): ChartSpec[] {
  const out: ChartSpec[] = [];
  for (const c of profileCells(bundles, 'ftrace')) {
    const calls = callCountChart(c, bundles);
    if (calls) out.push(calls);
    out.push(...durationCharts(c, bundles));
  }
  for (const c of profileCells(bundles, 'perf-stat')) {
    const perf = perfStatChart(c, bundles);
    if (perf) out.push(perf);
  }
  return out;
}

