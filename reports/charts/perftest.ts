// ib_write_bw charts, from the timed repetitions: average bandwidth and message rate against the
// message size (log x), one line per bundle. The sizes come from the metric names
// (`size=65536.bw_avg`): a cell of one size and a cell of perftest's -a sweep alike; the cells of
// a workload that differ only in `size` share a chart.
import { MACHINE_SPECIFIC_PARAMS } from '../../model/cell.js';
import type { Sample } from '../../model/measurement.js';
import { iommuTitle, type ChartBundle } from './bundles.js';
import { cellParams, chart, describeParams, formatBytes, groupBy, summarize, WHISKERS } from './data.js';
import { slug } from './ids.js';
import type { ChartSeries, ChartSpec } from './spec.js';

const SIZED = /^size=(\d+)\.(bw_avg|msg_rate)$/;
const TOOL = 'ib_write_bw';
/** Not part of a chart's name: the size is its x, the rest names this machine (model/cell.ts). */
const NOT_GROUPING = ['size', ...(MACHINE_SPECIFIC_PARAMS[TOOL] ?? [])];

interface Figure {
  bundle: number;
  size: number;
  sample: Sample;
}

export function perftestCharts(bundles: readonly ChartBundle[]): ChartSpec[] {
  // group key → figure → unit → figures
  const figures: { group: string; figure: string; unit: string; f: Figure }[] = [];
  for (const b of bundles) {
    for (const s of b.bundle.samples) {
      const m = SIZED.exec(s.metric);
      if (s.tool !== TOOL || s.pass !== 'timed' || !m) continue;
      const group = `${s.workload}: ${describeParams(cellParams(b.bundle, s.cell), NOT_GROUPING) || 'defaults'}`;
      figures.push({ group, figure: m[2]!, unit: s.unit, f: { bundle: b.index, size: Number(m[1]), sample: s } });
    }
  }
  const out: ChartSpec[] = [];
  // Bandwidth in different units (Gb/s with --report_gbits) is never drawn on one axis.
  for (const [key, list] of groupBy(figures, (x) => `${x.group}|${x.figure}|${x.unit}`)) {
    const { group, figure, unit } = list[0]!;
    const present = bundles.filter((b) => list.some((x) => x.f.bundle === b.index));
    const sizes = [...new Set(list.map((x) => x.f.size))].sort((a, b) => a - b);
    const series: ChartSeries[] = present.map((b) => ({
      label: b.name,
      color: b.color,
      points: sizes.map((size) => {
        const reps = list.filter((x) => x.f.bundle === b.index && x.f.size === size).sort((p, q) => p.f.sample.rep - q.f.sample.rep);
        return summarize(size, reps.map((x) => x.f.sample.value), 1, formatBytes(size));
      }),
    }));
    const what = figure === 'bw_avg' ? 'average bandwidth' : 'message rate';
    out.push(
      chart({
        id: slug('ib-write-bw', figure, key),
        title: `ib_write_bw ${what} per message size: ${group}; ${iommuTitle(present)}`,
        kind: 'line',
        xLabel: 'message size, bytes',
        yLabel: `${unit} (${WHISKERS})`,
        xLog: true,
        series,
      }),
    );
  }
  return out;
}
