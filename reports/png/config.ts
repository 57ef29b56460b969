// A ChartSpec as a chart.js configuration for a canvas without a browser: no animation, no
// hover, the whiskers drawn by a plugin of a few lines (below), the title wrapped to the width.
// Kept apart from the renderer so it is a pure function (and type-checked against chart.js, a
// regular dependency, while the canvas packages are optional).
import type { ChartConfiguration, ChartDataset, Plugin, ScaleOptions } from 'chart.js';
import type { ChartSpec } from '../charts/spec.js';

/** What a point carries into chart.js: the spec's whiskers ride along for the plugin. */
interface RawPoint {
  x: number | string;
  y: number | null;
  yMin?: number;
  yMax?: number;
}

/** Characters per title line at the PNG's width (chart.js does not wrap titles). */
const TITLE_LINE = 110;

export function wrapTitle(text: string, width = TITLE_LINE): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * Whiskers from yMin to yMax at every point that has them, with caps: in the series' colour on a
 * line, dark on a bar.
 * A plugin of our own rather than chartjs-chart-error-bars: that one replaces the bar and line
 * controllers with its own types, which the browser page (reports/html/) would then have to
 * share; this draws over the stock controllers, from the data both already have.
 */
export const whiskerPlugin: Plugin = {
  id: 'dmabenchWhiskers',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    const y = chart.scales.y;
    if (!y) return;
    chart.data.datasets.forEach((dataset, i) => {
      const meta = chart.getDatasetMeta(i);
      if (meta.hidden) return;
      (dataset.data as unknown as RawPoint[]).forEach((raw, j) => {
        const el = meta.data[j];
        if (!el || raw.y === null || raw.yMin === undefined || raw.yMax === undefined) return;
        const top = y.getPixelForValue(raw.yMax);
        const bottom = y.getPixelForValue(raw.yMin);
        ctx.save();
        // Over a bar of the series' own colour its whisker would vanish: bars get a dark one.
        ctx.strokeStyle = meta.type === 'bar' ? '#222222' : String(dataset.borderColor ?? '#000');
        ctx.lineWidth = 1.5;
        ctx.setLineDash([]);
        ctx.beginPath();
        ctx.moveTo(el.x, top);
        ctx.lineTo(el.x, bottom);
        ctx.moveTo(el.x - 4, top);
        ctx.lineTo(el.x + 4, top);
        ctx.moveTo(el.x - 4, bottom);
        ctx.lineTo(el.x + 4, bottom);
        ctx.stroke();
        ctx.restore();
      });
    });
  },
};

function xScale(spec: ChartSpec, numeric: boolean): ScaleOptions {
  const title = { display: true, text: spec.xLabel };
  if (!numeric) return { type: 'category', title } as ScaleOptions;
  return { type: spec.xLog ? 'logarithmic' : 'linear', title } as ScaleOptions;
}

export function chartConfiguration(spec: ChartSpec): ChartConfiguration {
  // Category labels in the order first met: the builders order them (block sizes, functions).
  const labels = [...new Set(spec.series.flatMap((s) => s.points.map((p) => p.x)))];
  const numeric = spec.kind !== 'bar' && labels.every((x) => typeof x === 'number');
  const datasets = spec.series.map((s) => {
    const data: RawPoint[] = s.points.map((p) => ({ x: numeric ? p.x : String(p.x), y: p.y, yMin: p.yMin, yMax: p.yMax }));
    return {
      type: spec.kind === 'bar' ? 'bar' : spec.kind === 'scatter' ? 'scatter' : 'line',
      label: s.label,
      data,
      borderColor: s.color,
      backgroundColor: s.color,
      borderDash: s.dash ?? [],
      borderWidth: spec.kind === 'bar' ? 1 : 2,
      pointRadius: 3,
      // An absent value is a gap, never a line drawn through it.
      spanGaps: false,
    } as unknown as ChartDataset;
  });
  return {
    type: spec.kind === 'bar' ? 'bar' : spec.kind === 'scatter' ? 'scatter' : 'line',
    data: { labels: numeric ? undefined : labels.map(String), datasets },
    options: {
      animation: false,
      responsive: false,
      events: [],
      plugins: {
        title: { display: true, text: wrapTitle(spec.title), font: { size: 13 } },
        legend: { display: true, position: 'bottom' },
        tooltip: { enabled: false },
      },
      scales: {
        x: xScale(spec, numeric),
        y: { type: spec.yLog ? 'logarithmic' : 'linear', title: { display: true, text: spec.yLabel }, ...(spec.yLog ? {} : { beginAtZero: spec.kind === 'bar' }) } as ScaleOptions,
      },
    },
    plugins: [whiskerPlugin],
  } as ChartConfiguration;
}
