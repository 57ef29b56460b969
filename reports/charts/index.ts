// The report's charts from loaded bundles. A MINIMAL builder for now (issue 13 item 4 is built in
// this folder separately and replaces it): one bar chart per workload, its first primary metric's
// median per cell and bundle, whiskers from the repetitions' min to max. Enough for the HTML page
// (reports/html/) to have real data to draw.
import { stringify } from 'csv-stringify/sync';
import type { LoadedBundle } from '../../model/bundle.js';
import { metricRole, type Sample } from '../../model/measurement.js';
import { conversionFactor } from '../compare/units.js';
import { median } from '../stats/descriptive.js';
import type { ChartPoint, ChartSeries, ChartSpec } from './spec.js';

/** One colour per bundle, by its position among the bundles given: the same bundle, the same colour in every chart. */
export const BUNDLE_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

export function bundleColor(index: number): string {
  return BUNDLE_COLORS[index % BUNDLE_COLORS.length]!;
}

/** Series labels: the manifests' labels, `#index` appended where two bundles share one. */
export function bundleLabels(bundles: readonly LoadedBundle[]): string[] {
  const labels = bundles.map((b) => b.manifest.label);
  return labels.map((l, i) => (labels.filter((x) => x === l).length > 1 ? `${l}#${i}` : l));
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'workload';
}

/** The first primary metric of each workload, in the order the timed samples name them (base first). */
function primaryMetrics(bundles: readonly LoadedBundle[]): Map<string, { metric: string; unit: string }> {
  const out = new Map<string, { metric: string; unit: string }>();
  for (const b of bundles) {
    for (const s of b.samples) {
      if (s.pass === 'timed' && !out.has(s.workload) && metricRole(s) === 'primary') out.set(s.workload, { metric: s.metric, unit: s.unit });
    }
  }
  return out;
}

function cellLabel(workload: string, cell: string): string {
  return cell.startsWith(`${workload}:`) ? cell.slice(workload.length + 1) : cell;
}

function valuesByCell(b: LoadedBundle, workload: string, metric: string, unit: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const s of b.samples as readonly Sample[]) {
    if (s.pass !== 'timed' || s.workload !== workload || s.metric !== metric || s.value === null) continue;
    const factor = conversionFactor(s.unit, unit);
    if (factor === null) continue;
    const list = out.get(s.cell) ?? [];
    list.push(s.value * factor);
    out.set(s.cell, list);
  }
  return out;
}

export function buildCharts(bundles: LoadedBundle[]): ChartSpec[] {
  const labels = bundleLabels(bundles);
  const modes = [...new Set(bundles.map((b) => b.manifest.system?.iommu?.mode ?? 'unknown'))].sort();
  const charts: ChartSpec[] = [];
  const workloads = [...primaryMetrics(bundles).entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  workloads.forEach(([workload, { metric, unit }], w) => {
    const perBundle = bundles.map((b) => valuesByCell(b, workload, metric, unit));
    const cells = [...new Set(perBundle.flatMap((m) => [...m.keys()]))].sort();
    const csvRows: (string | number)[][] = [['cell', 'bundle', `median (${unit})`, 'min', 'max', 'n']];
    const series: ChartSeries[] = bundles.map((_, i) => {
      const points: ChartPoint[] = cells.map((cell) => {
        const values = perBundle[i]!.get(cell) ?? [];
        const x = cellLabel(workload, cell);
        if (values.length === 0) {
          csvRows.push([cell, labels[i]!, '', '', '', 0]);
          return { x, y: null, note: 'no value' };
        }
        const point = { x, y: median(values), yMin: Math.min(...values), yMax: Math.max(...values), note: `n=${values.length}` };
        csvRows.push([cell, labels[i]!, point.y, point.yMin, point.yMax, values.length]);
        return point;
      });
      return { label: labels[i]!, color: bundleColor(i), points };
    });
    charts.push({
      id: `median-${w}-${slug(workload)}`,
      title: `${workload}: ${metric}, median per cell and bundle (whiskers: min to max of the repetitions; IOMMU ${modes.join(', ')})`,
      kind: 'bar',
      xLabel: 'cell',
      yLabel: `${metric} (${unit})`,
      series,
      csv: stringify(csvRows),
    });
  });
  return charts;
}
