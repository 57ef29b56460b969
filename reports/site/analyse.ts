// Regression detection (reports/series/) over every primary metric of every cell of a series of
// runs: the timed pass's repetitions of each run, converted to the unit of the series' first run
// (reports/compare/units.ts; a run whose unit does not convert is left out of that metric), in
// series order. Only primary metrics: informational and descriptive ones are never verdicts.
// What detection fitted is kept in the site's cache (publish-cache.ts) under the hash of its whole
// input: a series whose values did not change is not fitted again (its points, cheap, are pooled
// again: poolByCommit is detectChanges' own first step).
import { createHash } from 'node:crypto';
import type { Better } from '../../model/measurement.js';
import { conversionFactor } from '../compare/units.js';
import { applyAcknowledgements, type Acknowledgement } from '../series/acknowledge.js';
import { detectChanges } from '../series/detect.js';
import { poolByCommit } from '../series/pool.js';
import type { MetricSeries, SeriesAnalysis, SeriesRun } from '../series/types.js';
import { exactJson } from './exact-json.js';
import { metricSeriesId } from './ids.js';
import type { FittedSeries } from './publish-cache.js';
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
    for (const p of run.primary) {
      const key = JSON.stringify([p.cell, p.metric]);
      let c = byKey.get(key);
      if (!c) {
        c = { workload: p.workload, unit: p.unit, better: p.better, perRun: new Map() };
        byKey.set(key, c);
      }
      for (const [i, value] of p.values.entries()) {
        const factor = conversionFactor(p.units?.[i] ?? p.unit, c.unit);
        if (factor === null) continue;
        const values = c.perRun.get(run) ?? [];
        values.push(value * factor);
        c.perRun.set(run, values);
      }
    }
  }
  return byKey;
}

/** Where fitted series are kept between publishes, by the hash of their input (publish-cache.ts). */
export interface FitMemo {
  fit(key: string): FittedSeries | undefined;
  keepFit(key: string, fitted: FittedSeries): void;
}

/** detectChanges, or what it fitted for the same input before. */
function detectMemoised(input: MetricSeries, memo: FitMemo | undefined): SeriesAnalysis {
  const text = memo && exactJson(input);
  const key = text === undefined ? undefined : createHash('sha256').update(text).digest('hex');
  const kept = key === undefined ? undefined : memo!.fit(key);
  if (kept) {
    const { metric, cell, segments, changes, skipped } = kept;
    return { metric, ...(cell === undefined ? {} : { cell }), points: poolByCommit(input.runs), segments, changes, ...(skipped === undefined ? {} : { skipped }) };
  }
  const analysis = detectChanges(input);
  if (key !== undefined) {
    const { points: _points, ...fitted } = analysis;
    memo!.keepFit(key, fitted);
  }
  return analysis;
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every primary (cell, metric) of the series, analysed; sorted by cell then metric. */
export function analyseSeries(series: RunSeries, acknowledgements: readonly Acknowledgement[], memo?: FitMemo): MetricTrend[] {
  const trends: MetricTrend[] = [];
  for (const [key, c] of collect(series)) {
    const [cell, metric] = JSON.parse(key) as [string, string];
    const runs = series.runs.filter((r) => c.perRun.has(r)).map((run) => ({ run, values: c.perRun.get(run)! }));
    const seriesRuns: SeriesRun[] = runs.map(({ run, values }) => ({ id: run.id, ...(run.commit ? { commit: run.commit.commit } : {}), values }));
    const analysis = applyAcknowledgements(detectMemoised({ metric, cell, better: c.better, runs: seriesRuns }, memo), acknowledgements);
    trends.push({ id: metricSeriesId(series.host, series.campaign, series.setting, cell, metric), series, workload: c.workload, cell, metric, unit: c.unit, better: c.better, runs, analysis });
  }
  return trends.sort((a, b) => byText(a.cell, b.cell) || byText(a.metric, b.metric));
}
