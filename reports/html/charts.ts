// The charts section: one <figure> per ChartSpec (reports/charts/spec.ts), each with its title, a
// canvas that chart-script.ts draws into, and a link to its data as CSV (the script makes it a
// Blob URL). The specs themselves travel as JSON in a data block (data.ts).
import type { ChartSpec } from '../charts/spec.js';
import { escapeHtml } from './escape.js';

/** The chart's file name for its CSV: the spec's id is [a-z0-9-]+ by contract; anything else is dropped. */
function csvName(spec: ChartSpec): string {
  return `${spec.id.replace(/[^a-z0-9-]/g, '') || 'chart'}.csv`;
}

export function renderCharts(charts: readonly ChartSpec[]): string {
  if (charts.length === 0) return '<p>No chart: the bundles hold no values to draw.</p>';
  return charts
    .map(
      (spec, i) =>
        `<figure class="chart" id="chart-${escapeHtml(spec.id)}" data-chart-index="${i}">` +
        `<figcaption><h3>${escapeHtml(spec.title)}</h3></figcaption>` +
        `<div class="canvas-box"><canvas role="img" aria-label="${escapeHtml(spec.title)}"></canvas></div>` +
        `<a class="csv" download="${escapeHtml(csvName(spec))}">data (CSV)</a>` +
        '</figure>',
    )
    .join('');
}
