// Regression detection (reports/series/) over every primary metric of every cell of a series of
// runs: the timed pass's repetitions of each run, converted to the unit of the series' first run
// (reports/compare/units.ts; a run whose unit does not convert is left out of that metric), in
// series order. Only primary metrics: informational and descriptive ones are never verdicts.
import { metricRole, type Better } from '../../model/measurement.js';
import { conversionFactor } from '../compare/units.js';
import { applyAcknowledgements, type Acknowledgement } from '../series/acknowledge.js';
import { detectChanges } from '../series/detect.js';
import type { SeriesAnalysis, SeriesRun } from '../series/types.js';
import { metricSeriesId } from './ids.js';
import type { SiteRun } from './runs.js';
import type { RunSeries } from './series.js';

export interface MetricTrend {
  /** File id of its page (ids.ts). */
  id: string;
  series: RunSeries;
  workload: string;
  cell: string;
  metric: string;
  unit: string;
  better: Better;
  /** Per run of the series that has the metric, in series order: its values in `unit`. */
  runs: { run: SiteRun; values: number[] }[];
  analysis: SeriesAnalysis;
}

interface Collected {
  workload: string;
  unit: string;
  better: Better;
  perRun: Map<SiteRun, number[]>;
}

function collect(series: RunSeries): Map<string, Collected> {
  const byKey = new Map<string, Collected>();
  for (const run of series.runs) {
    for (const s of run.bundle.samples) {
      if (s.pass !== 'timed' || s.value === null || metricRole(s) !== 'primary') continue;
      const key = JSON.stringify([s.cell, s.metric]);
      let c = byKey.get(key);
      if (!c) {
        c = { workload: s.workload, unit: s.unit, better: s.better, perRun: new Map() };
        byKey.set(key, c);
      }
      const factor = conversionFactor(s.unit, c.unit);
      if (factor === null) continue;
      const values = c.perRun.get(run) ?? [];
      values.push(s.value * factor);
      c.perRun.set(run, values);
    }
  }
  return byKey;
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every primary (cell, metric) of the series, analysed; sorted by cell then metric. */
export function analyseSeries(series: RunSeries, acknowledgements: readonly Acknowledgement[]): MetricTrend[] {
  const trends: MetricTrend[] = [];
  for (const [key, c] of collect(series)) {
    const [cell, metric] = JSON.parse(key) as [string, string];
    const runs = series.runs.filter((r) => c.perRun.has(r)).map((run) => ({ run, values: c.perRun.get(run)! }));
    const seriesRuns: SeriesRun[] = runs.map(({ run, values }) => ({ id: run.id, ...(run.commit ? { commit: run.commit.commit } : {}), values }));
    const analysis = applyAcknowledgements(detectChanges({ metric, cell, better: c.better, runs: seriesRuns }), acknowledgements);
    trends.push({ id: metricSeriesId(series.host, series.campaign, cell, metric), series, workload: c.workload, cell, metric, unit: c.unit, better: c.better, runs, analysis });
  }
  return trends.sort((a, b) => byText(a.cell, b.cell) || byText(a.metric, b.metric));
}
