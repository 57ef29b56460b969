// `dmabench publish` (issue 14): bundles found under the results directories → series per (host,
// campaign, IOMMU setting) in series order → regression detection on every primary metric → the site's pages,
// written incrementally (site-writer.ts). Deterministic: no clock, no random id; every list sorted
// or in series order. The only reads are the bundles, the baseline and acknowledgements files,
// the site's state and cache files and, with a kernel tree, git. The cache (publish-cache.ts) spares
// what did not change: parsing a bundle whose files are as they were, fitting a series whose values
// are; it is saved after the site, so a directory holding it also holds the state file.
import { readTreeFacts } from '../../core/kernel-commit/tree.js';
import type { TreeFacts } from '../../core/kernel-commit/identity.js';
import { dmabenchVersion } from '../../core/version.js';
import { readAcknowledgements } from '../series/acknowledge.js';
import { compareBundles } from '../compare/compare.js';
import type { ComparisonRow } from '../compare/types.js';
import { analyseSeries, type MetricTrend } from './analyse.js';
import { INDEX_ASSET, siteAssets, SERIES_ASSET } from './assets.js';
import { atomFeed, regressionsJson } from './feed.js';
import { shortHash, SITE_PATHS } from './ids.js';
import { indexShard, indexShardScript } from './index-data.js';
import { indexPageBody, runsTable } from './index-page.js';
import { renderSitePage } from './layout.js';
import { regressionRecords, changeEnds, type RegressionRecord } from './regressions.js';
import { regressionsPageBody } from './regressions-page.js';
import { reportPage, REPORT_ASSETS } from './report-pages.js';
import { commitNames, kernelText, siteRun, type SiteRun } from './runs.js';
import { PublishCache } from './publish-cache.js';
import { scanResults, type UnreadableBundle } from './scan.js';
import { groupSeries, seriesName, type RunSeries } from './series.js';
import { seriesPageBody, seriesShardScript } from './series-page.js';
import { SITE_FORMAT, writeSite, type PageJob, type WriteLog } from './site-writer.js';

export interface PublishOptions {
  /** Results directories: trees of bundles at any depth. */
  roots: readonly string[];
  out: string;
  title?: string;
  /** A kernel git tree: full shas, commit dates, describe names and topological order (core/kernel-commit/tree.ts). */
  kernelTree?: string;
}

export interface PublishResult {
  log: WriteLog;
  runs: SiteRun[];
  series: RunSeries[];
  trends: MetricTrend[];
  regressions: RegressionRecord[];
  unreadable: UnreadableBundle[];
  /** What the site's cache spared (publish-cache.ts). */
  cache: PublishCache['counts'];
}

export const DEFAULT_TITLE = 'dmabench results';

/** The pairs of runs a compare page is written for: adjacent runs of each series, baseline and latest, both ends of every change. */
function comparePairs(series: readonly RunSeries[], trends: readonly MetricTrend[]): [SiteRun, SiteRun][] {
  const pairs = new Map<string, [SiteRun, SiteRun]>();
  const add = (a: SiteRun, b: SiteRun): void => {
    if (a !== b) pairs.set(SITE_PATHS.compare(a.id, b.id), [a, b]);
  };
  for (const s of series) {
    for (let i = 1; i < s.runs.length; i++) add(s.runs[i - 1]!, s.runs[i]!);
    add(s.baseline, s.latest);
  }
  for (const t of trends) for (const c of t.analysis.changes) add(...changeEnds(t, c));
  return [...pairs.values()];
}

/** Per series with a baseline other than its latest run: compare's primary rows of the two (the index's tiles). */
async function latestAgainstBaseline(series: readonly RunSeries[]): Promise<Map<string, ComparisonRow[]>> {
  const rows = new Map<string, ComparisonRow[]>();
  for (const s of series) {
    if (s.baseline === s.latest) continue;
    rows.set(s.id, compareBundles([await s.baseline.load(), await s.latest.load()]).rows.filter((r) => r.role === 'primary'));
  }
  return rows;
}

export async function publishSite(options: PublishOptions): Promise<PublishResult> {
  const title = options.title ?? DEFAULT_TITLE;
  const generator = `dmabench ${dmabenchVersion}`;
  const cache = await PublishCache.open(options.out, generator);
  const scan = await scanResults(options.roots, cache);
  const tree: TreeFacts | undefined = options.kernelTree === undefined ? undefined : await readTreeFacts(options.kernelTree, commitNames(scan.bundles));
  const runs = scan.bundles.map((f) => siteRun(f, tree));
  const acknowledgements = (await Promise.all(scan.acknowledgementFiles.map(readAcknowledgements))).flat();
  const series = groupSeries(runs, scan.baselines, tree);
  const trendsBySeries = new Map(series.map((s) => [s.id, analyseSeries(s, acknowledgements, cache)]));
  const trends = [...trendsBySeries.values()].flat();
  const regressions = regressionRecords(trends);
  const seriesOf = new Map(series.flatMap((s) => s.runs.map((r) => [r, s] as const)));

  const page = (p: Parameters<typeof renderSitePage>[0]): string => renderSitePage(p, title);
  const jobs: PageJob[] = [];
  for (const [name, text] of await siteAssets()) jobs.push({ path: SITE_PATHS.asset(name), render: () => text });

  const keyOf = (...parts: string[]): string => shortHash(String(SITE_FORMAT), generator, title, ...parts);
  for (const run of runs) {
    const s = seriesOf.get(run)!;
    const context = `Run ${run.id} of ${seriesName(s)}: ${kernelText(run)}, started ${run.runDate}.`;
    jobs.push({
      path: SITE_PATHS.run(run.id),
      key: keyOf('run', run.id, run.inputHash, context),
      render: async () => reportPage([await run.load()], title, `${run.id}: ${run.label}`, context),
    });
  }
  for (const [a, b] of comparePairs(series, trends)) {
    const context = `${b.id} (${kernelText(b)}) against ${a.id} (${kernelText(a)}).`;
    jobs.push({
      path: SITE_PATHS.compare(a.id, b.id),
      key: keyOf('compare', a.id, a.inputHash, b.id, b.inputHash, context),
      render: async () => reportPage([await a.load(), await b.load()], title, `${a.id} vs ${b.id}`, context),
    });
  }
  for (const t of trends) {
    jobs.push({ path: SITE_PATHS.seriesData(t.id), render: () => seriesShardScript(t) });
    jobs.push({
      path: SITE_PATHS.series(t.id),
      render: () =>
        page({
          title: `${t.metric} · ${t.cell} · ${t.series.setting}`,
          root: '../',
          body: seriesPageBody(t),
          scripts: [SITE_PATHS.seriesData(t.id), SITE_PATHS.asset(REPORT_ASSETS.chartJs), SITE_PATHS.asset(SERIES_ASSET)],
          generator,
        }),
    });
  }
  const comparisons = await latestAgainstBaseline(series);
  for (const s of series) jobs.push({ path: SITE_PATHS.indexData(s.id), render: () => indexShardScript(s.id, indexShard(s, trendsBySeries.get(s.id) ?? [])) });
  jobs.push({
    path: SITE_PATHS.index,
    render: () =>
      page({
        title,
        root: '',
        body: indexPageBody({ series, trends: trendsBySeries, comparisons, regressions, unreadable: scan.unreadable }),
        scripts: [...series.map((s) => SITE_PATHS.indexData(s.id)), SITE_PATHS.asset(INDEX_ASSET)],
        generator,
      }),
  });
  const allRuns = [...runs].sort((a, b) => (a.runDate < b.runDate ? 1 : a.runDate > b.runDate ? -1 : a.id < b.id ? -1 : 1));
  jobs.push({ path: SITE_PATHS.runs, render: () => page({ title: `${title}: runs`, root: '', body: runsTable(allRuns), generator }) });
  jobs.push({ path: SITE_PATHS.regressionsHtml, render: () => page({ title: `${title}: regressions`, root: '', body: regressionsPageBody(regressions), generator }) });
  jobs.push({ path: SITE_PATHS.regressionsJson, render: () => regressionsJson(regressions) });
  jobs.push({ path: SITE_PATHS.feed, render: () => atomFeed(regressions, title, allRuns[0]?.runDate) });

  const log = await writeSite(options.out, jobs, generator);
  await cache.save();
  return { log, runs, series, trends, regressions, unreadable: scan.unreadable, cache: cache.counts };
}
