// The regressions of the site as records: what regressions.json, regressions.html, the Atom feed
// and the index list. One record per change a series' detection called a regression (steps and
// creeps), acknowledged or not; improvements stay on their series pages.
import type { PctChange, SeriesChange } from '../series/types.js';
import type { MetricTrend } from './analyse.js';
import { shortHash, SITE_PATHS } from './ids.js';
import { kernelText, type SiteRun } from './runs.js';

export interface RunEnd {
  /** The runs pooled into this point (runs of one commit), in series order. */
  runIds: string[];
  commit?: string;
  kernel: string;
  /** When the (first) run started. */
  runDate: string;
}

export interface RegressionRecord {
  id: string;
  host: string;
  campaign: string;
  /** The series' IOMMU mode and caching mode (null: not recorded) and both in words. */
  iommu: string | null;
  cachingMode: boolean | null;
  setting: string;
  workload: string;
  cell: string;
  metric: string;
  unit: string;
  better: string;
  kind: SeriesChange['kind'];
  change: PctChange;
  pctPerRun?: number;
  lastGood: RunEnd;
  firstBad: RunEnd;
  bisect?: string;
  acknowledged?: string;
  /** Site-relative links: the series page and the compare page of the two runs either side. */
  links: { series: string; compare: string; lastGoodRun: string; firstBadRun: string };
}

function runById(trend: MetricTrend, id: string): SiteRun {
  const found = trend.runs.find((r) => r.run.id === id);
  if (!found) throw new Error(`run ${id} is not in the series of ${trend.metric}`);
  return found.run;
}

function end(trend: MetricTrend, runIds: readonly string[], commit: string | undefined, pick: 'first' | 'last'): RunEnd & { run: SiteRun } {
  const run = runById(trend, pick === 'first' ? runIds[0]! : runIds[runIds.length - 1]!);
  return { runIds: [...runIds], ...(commit === undefined ? {} : { commit }), kernel: kernelText(run), runDate: run.runDate, run };
}

/** The compare pages a change needs: its last good run against its first bad run. */
export function changeEnds(trend: MetricTrend, change: SeriesChange): [SiteRun, SiteRun] {
  return [end(trend, change.lastGood.runIds, change.lastGood.commit, 'last').run, end(trend, change.firstBad.runIds, change.firstBad.commit, 'first').run];
}

export function regressionRecords(trends: readonly MetricTrend[]): RegressionRecord[] {
  const records: RegressionRecord[] = [];
  for (const trend of trends) {
    for (const change of trend.analysis.changes) {
      if (change.direction !== 'regression') continue;
      const { run: good, ...lastGood } = end(trend, change.lastGood.runIds, change.lastGood.commit, 'last');
      const { run: bad, ...firstBad } = end(trend, change.firstBad.runIds, change.firstBad.commit, 'first');
      const s = trend.series;
      records.push({
        id: shortHash('regression', s.host, s.campaign, s.setting, trend.cell, trend.metric, change.kind, good.id, bad.id),
        host: s.host,
        campaign: s.campaign,
        iommu: s.iommu ?? null,
        cachingMode: s.cachingMode ?? null,
        setting: s.setting,
        workload: trend.workload,
        cell: trend.cell,
        metric: trend.metric,
        unit: trend.unit,
        better: trend.better,
        kind: change.kind,
        change: change.change,
        ...(change.pctPerRun === undefined ? {} : { pctPerRun: change.pctPerRun }),
        lastGood,
        firstBad,
        ...(change.bisect === undefined ? {} : { bisect: change.bisect }),
        ...(change.acknowledged ? { acknowledged: change.acknowledged.reason } : {}),
        links: { series: SITE_PATHS.series(trend.id), compare: SITE_PATHS.compare(good.id, bad.id), lastGoodRun: SITE_PATHS.run(good.id), firstBadRun: SITE_PATHS.run(bad.id) },
      });
    }
  }
  // Newest first: by the first bad run's date, then by id for a stable order.
  return records.sort((a, b) => (a.firstBad.runDate < b.firstBad.runDate ? 1 : a.firstBad.runDate > b.firstBad.runDate ? -1 : a.id < b.id ? -1 : 1));
}
