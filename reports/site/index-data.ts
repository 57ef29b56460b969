// The index's data shards (issue 14 items 1 and 5): one script file per series, data/index-<id>.js,
// holding what would make the index large and changes with every run: the tiles' sparklines and
// the latest runs' rows. The index keeps the tiles, verdicts, regressions and links as HTML and
// stays small however long the series; its script (index-script.ts) draws the rest. Scripts, not
// JSON files: Chromium refuses fetch() from file://. One shard per series, so one new bundle
// rewrites the shard of the series it joins and no other.
import { jsonForScript } from '../html/escape.js';
import type { MetricTrend } from './analyse.js';
import { SITE_PATHS } from './ids.js';
import { kernelText, type SiteRun } from './runs.js';
import type { RunSeries } from './series.js';
import { seriesShard } from './series-page.js';
import { sparklinePoints } from './sparkline.js';

/** The global the shards fill (by series id) and the index's script reads. */
export const INDEX_DATA_GLOBAL = 'dmabenchIndex';

/** Runs listed per series on the index; runs.html lists them all. */
export const INDEX_RUNS = 10;

/** The columns of a runs table: its header, whether the cell wraps, and the cell's text (the first links the run's page). */
export const RUN_COLUMNS: readonly { head: string; wrap: boolean; text: (r: SiteRun) => string }[] = [
  { head: 'run', wrap: true, text: (r) => r.id },
  { head: 'host', wrap: true, text: (r) => r.host },
  { head: 'kernel (commit)', wrap: false, text: (r) => kernelText(r) },
  { head: 'IOMMU', wrap: false, text: (r) => r.iommu ?? 'unknown' },
  { head: 'date', wrap: false, text: (r) => r.runDate },
  { head: 'campaign', wrap: true, text: (r) => r.campaign },
  { head: 'status', wrap: false, text: (r) => r.status },
];

export interface IndexShard {
  /** By metric series id (the tile's data-trend): the polylines' points. */
  sparks: Record<string, { medians: string; levels: string }>;
  /** The latest runs, newest first: the run page's path from the root and the cells of RUN_COLUMNS. */
  runs: { href: string; cells: string[] }[];
}

export function indexShard(series: RunSeries, trends: readonly MetricTrend[]): IndexShard {
  const sparks: IndexShard['sparks'] = {};
  for (const t of trends) {
    const points = seriesShard(t).points;
    const spark = sparklinePoints(points.map((p) => p.median), points.map((p) => p.level));
    if (spark) sparks[t.id] = spark;
  }
  const runs = [...series.runs]
    .reverse()
    .slice(0, INDEX_RUNS)
    .map((r) => ({ href: SITE_PATHS.run(r.id), cells: RUN_COLUMNS.map((c) => c.text(r)) }));
  return { sparks, runs };
}

/** The shard's text: one statement adding the series' data to the global (JSON escaped as for a <script> element). */
export function indexShardScript(seriesId: string, shard: IndexShard): string {
  return `(window.${INDEX_DATA_GLOBAL} = window.${INDEX_DATA_GLOBAL} || {})[${jsonForScript(seriesId)}] = ${jsonForScript(shard)};\n`;
}
