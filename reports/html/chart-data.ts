// The charts as the page carries them (issue 13 item 10): the ChartSpecs (reports/charts/spec.ts)
// in a compact form for the data block the chart script (chart-script.ts) draws from. A campaign
// of 146 microbenchmark cells has 335 charts and 29 000 points; as ChartSpecs with their CSV, the
// charts were 7 MiB of the page. Here:
// - no CSV: the page makes each chart's CSV from the points when it draws the chart (the CSV's
//   columns and quoting are chartCsv's in reports/charts/data.ts);
// - a series' points as parallel arrays (x, y, whiskers, note), the arrays left out when no point
//   has that field;
// - the series' labels (the same few on every chart) and the notes (which repeat along a curve)
//   interned into one string table, a note said once for a series whose points share it;
// - every number to 6 significant digits: a chart is a few hundred pixels high and its tooltip
//   shows 4 digits; the CSV keeps 6.
import type { ChartSpec } from '../charts/spec.js';

/** The id of the data block holding the PageCharts the chart script draws. */
export const CHARTS_DATA_ID = 'dmabench-charts';

/** Significant digits the page keeps of a chart's numbers. */
export const CHART_DIGITS = 6;

export interface PageSeries {
  /** A string index. */
  label: number;
  color: string;
  dash?: number[];
  x: (number | string)[];
  y: (number | null)[];
  /** Absent when no point has whiskers; null for a point without. */
  yMin?: (number | null)[];
  yMax?: (number | null)[];
  /** String indexes, one for every point when they share it; absent when no point has a note, null for a point without. */
  note?: number | (number | null)[];
}

export interface PageChart extends Omit<ChartSpec, 'series' | 'csv'> {
  series: PageSeries[];
}

export interface PageCharts {
  strings: string[];
  charts: PageChart[];
}

function round(v: number): number {
  // Whole numbers of up to CHART_DIGITS digits (bucket values, sizes, counts) are kept as they are.
  if (Number.isInteger(v) && Math.abs(v) < 10 ** CHART_DIGITS) return v;
  return Number.isFinite(v) ? Number(v.toPrecision(CHART_DIGITS)) : v;
}

function roundOrNull(v: number | null | undefined): number | null {
  return v === null || v === undefined ? null : round(v);
}

export function pageCharts(specs: readonly ChartSpec[]): PageCharts {
  const strings: string[] = [];
  const index = new Map<string, number>();
  let lastText: string | undefined;
  let lastIndex = -1;
  const intern = (text: string): number => {
    // The points of a curve share their note: the same text as the last one is not looked up again.
    if (text === lastText) return lastIndex;
    let i = index.get(text);
    if (i === undefined) {
      i = strings.length;
      strings.push(text);
      index.set(text, i);
    }
    lastText = text;
    lastIndex = i;
    return i;
  };
  const charts = specs.map((spec): PageChart => ({
    // Every field but the series and the CSV, which is not read (reports/charts/data.ts makes it when read).
    ...(Object.fromEntries(Object.keys(spec).filter((k) => k !== 'csv' && k !== 'series').map((k) => [k, spec[k as keyof ChartSpec]])) as Omit<ChartSpec, 'series' | 'csv'>),
    series: spec.series.map((s): PageSeries => {
      const out: PageSeries = {
        label: intern(s.label),
        color: s.color,
        ...(s.dash === undefined ? {} : { dash: s.dash }),
        x: s.points.map((p) => (typeof p.x === 'number' ? round(p.x) : p.x)),
        y: s.points.map((p) => roundOrNull(p.y)),
      };
      if (s.points.some((p) => p.yMin !== undefined || p.yMax !== undefined)) {
        out.yMin = s.points.map((p) => roundOrNull(p.yMin));
        out.yMax = s.points.map((p) => roundOrNull(p.yMax));
      }
      if (s.points.some((p) => p.note !== undefined)) {
        const notes = s.points.map((p) => (p.note === undefined ? null : intern(p.note)));
        out.note = notes.every((n) => n === notes[0] && n !== null) ? notes[0]! : notes;
      }
      return out;
    }),
  }));
  return { strings, charts };
}
