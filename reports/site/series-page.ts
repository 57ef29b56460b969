// One series page per (host, campaign, IOMMU setting, cell, metric): its data as a shard
// (data/<id>.js, a script that hands the data to the page: Chromium refuses fetch() from file://)
// and the page around it, whose script (series-script.ts) draws the medians, their interval band,
// every repetition, the fitted levels as steps and the changes' ranges shaded. The text on the page
// (changes, bisect lines, the runs) is HTML rendered here, so it reads without a script.
import { chooseScale, formatNumber, formatPct } from '../render/format.js';
import { escapeHtml, jsonForScript } from '../html/escape.js';
import { logScale } from '../series/weights.js';
import type { SeriesChange } from '../series/types.js';
import type { MetricTrend } from './analyse.js';
import { fromSubfolder, SITE_PATHS } from './ids.js';
import { changeEnds } from './regressions.js';
import { kernelText, type SiteRun } from './runs.js';

/** The global the shard sets and the series script reads. */
export const SERIES_DATA_GLOBAL = 'dmabenchSeries';

const Z95 = 1.959964;

export interface ShardPoint {
  /** Tick label: the commit's describe or short sha, else the kernel, else the run's date. */
  label: string;
  runs: { id: string; kernel: string; commit: string | null; date: string; n: number }[];
  median: number;
  /** The 95% band of the median (from the repetitions' spread), null when a point does not say. */
  low: number | null;
  high: number | null;
  values: number[];
  /** The fitted level at this point (the steps). */
  level: number | null;
}

export interface SeriesShard {
  title: string;
  unit: string;
  better: string;
  order: string;
  points: ShardPoint[];
  /** Ranges to shade: from the last good point to the first bad one. */
  changes: { from: number; to: number; direction: string; kind: string; acknowledged: boolean; text: string }[];
}

type TrendRun = MetricTrend['runs'][number];

function tickLabel(trend: MetricTrend, run: SiteRun): string {
  if (run.commit) return run.commit.describe ?? run.commit.commit.slice(0, 12);
  if (trend.series.rule === 'kernel version' && run.release) return run.release;
  return run.runDate.slice(0, 16).replace('T', ' ');
}

export function changeText(change: Pick<SeriesChange, 'kind' | 'direction' | 'change' | 'pctPerRun'>): string {
  const c = change.change;
  const per = change.pctPerRun === undefined ? '' : ` (${formatPct(change.pctPerRun)} per run)`;
  return `${change.kind} ${change.direction} ${formatPct(c.pct)} [${formatPct(c.low)}, ${formatPct(c.high)}]${per}`;
}

/** The shard of a trend, made once: the series page, its data file and the index's tile all read it. */
const shards = new WeakMap<MetricTrend, SeriesShard>();
export function seriesShard(trend: MetricTrend): SeriesShard {
  let shard = shards.get(trend);
  if (!shard) {
    shard = makeShard(trend);
    shards.set(trend, shard);
  }
  return shard;
}

function makeShard(trend: MetricTrend): SeriesShard {
  const a = trend.analysis;
  // By id: a series of n runs looked up n times.
  const byId = new Map<string, TrendRun>(trend.runs.map((r) => [r.run.id, r]));
  const scale = chooseScale(trend.unit, a.points[0]?.median ?? null);
  const f = scale.factor;
  const levels = new Array<number | null>(a.points.length).fill(null);
  for (const s of a.segments) for (let i = s.start; i <= s.end; i++) levels[i] = s.level * f;
  const points = a.points.map((p, i): ShardPoint => {
    const se = logScale(p);
    const low = se === null ? (p.interval?.[0] ?? null) : p.median * Math.exp(-Z95 * se);
    const high = se === null ? (p.interval?.[1] ?? null) : p.median * Math.exp(Z95 * se);
    return {
      label: tickLabel(trend, byId.get(p.runIds[0]!)!.run),
      runs: p.runIds.map((id) => {
        const r = byId.get(id)!;
        return { id, kernel: kernelText(r.run), commit: r.run.commit?.commit ?? null, date: r.run.runDate, n: r.values.length };
      }),
      median: p.median * f,
      low: low === null ? null : low * f,
      high: high === null ? null : high * f,
      values: (p.values ?? []).map((v) => v * f),
      level: levels[i]!,
    };
  });
  return {
    title: `${trend.metric} of ${trend.cell} (${trend.series.setting})`,
    unit: scale.unit,
    better: trend.better,
    order: trend.series.rule,
    points,
    changes: a.changes.map((c) => ({ from: c.lastGood.index, to: c.firstBad.index, direction: c.direction, kind: c.kind, acknowledged: c.acknowledged !== undefined, text: changeText(c) })),
  };
}

/** The shard's text: one statement handing the data to the page (JSON escaped as for a <script> element). */
export function seriesShardScript(trend: MetricTrend): string {
  return `window.${SERIES_DATA_GLOBAL} = ${jsonForScript(seriesShard(trend))};\n`;
}

function changesSection(trend: MetricTrend): string {
  const changes = trend.analysis.changes;
  if (trend.analysis.skipped) return `<p>Not analysed: ${escapeHtml(trend.analysis.skipped)}.</p>`;
  if (changes.length === 0) return '<p id="no-changes">No change found in this series.</p>';
  const rows = changes.map((c) => {
    const [good, bad] = changeEnds(trend, c);
    const cls = c.acknowledged ? 'acknowledged' : c.direction;
    return (
      `<tr class="change ${cls}"><td>${escapeHtml(changeText(c))}${c.acknowledged ? `<br><small>acknowledged: ${escapeHtml(c.acknowledged.reason)}</small>` : ''}</td>` +
      `<td class="wrap"><a href="${escapeHtml(fromSubfolder(SITE_PATHS.run(good.id)))}">${escapeHtml(good.id)}</a><br><small>${escapeHtml(kernelText(good))}</small></td>` +
      `<td class="wrap"><a href="${escapeHtml(fromSubfolder(SITE_PATHS.run(bad.id)))}">${escapeHtml(bad.id)}</a><br><small>${escapeHtml(kernelText(bad))}</small></td>` +
      `<td><a href="${escapeHtml(fromSubfolder(SITE_PATHS.compare(good.id, bad.id)))}">compare</a></td>` +
      `<td>${c.bisect ? `<code class="bisect">${escapeHtml(c.bisect)}</code>` : ''}</td></tr>`
    );
  });
  return `<table class="regressions" id="changes"><thead><tr><th>change</th><th>last good</th><th>first bad</th><th></th><th>bisect</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function runsSection(trend: MetricTrend, shard: SeriesShard): string {
  const rows = shard.points.map((p, i) =>
    p.runs
      .map(
        (r) =>
          `<tr><td class="num">${i}</td><td class="wrap"><a href="${escapeHtml(fromSubfolder(SITE_PATHS.run(r.id)))}">${escapeHtml(r.id)}</a></td><td>${escapeHtml(r.kernel)}</td>` +
          `<td>${escapeHtml(r.date)}</td><td class="num">${r.n}</td><td class="num">${escapeHtml(formatNumber(p.median))}</td></tr>`,
      )
      .join(''),
  );
  return (
    `<details><summary>${trend.runs.length} runs, ${shard.points.length} points</summary>` +
    `<table class="runs"><thead><tr><th class="num">point</th><th>run</th><th>kernel</th><th>run date</th><th class="num">n</th><th class="num">median (${escapeHtml(shard.unit)})</th></tr></thead><tbody>${rows.join('')}</tbody></table></details>`
  );
}

/** The series page's body (layout.ts adds the head, the navigation and the scripts). */
export function seriesPageBody(trend: MetricTrend): string {
  const shard = seriesShard(trend);
  const s = trend.series;
  const facts = [
    ['host', s.host],
    ['campaign', s.campaign],
    ['IOMMU setting', s.setting],
    ['cell', trend.cell],
    ['metric', `${trend.metric} (${shard.unit}, ${trend.better} is better)`],
    ['order', `by ${s.rule}`],
  ];
  return (
    `<dl class="legend">${facts.map(([t, d]) => `<dt>${escapeHtml(t!)}</dt><dd>${escapeHtml(d!)}</dd>`).join('')}</dl>` +
    '<p><button type="button" id="log-y" aria-pressed="false">log y</button></p>' +
    `<div class="series-chart"><canvas id="series-chart" role="img" aria-label="${escapeHtml(`${shard.title} per run`)}"></canvas></div>` +
    '<p><small>Line: the median of each run (runs of one commit pooled); band: its 95% interval; dots: the repetitions; dashed steps: the levels detection fitted; shaded: the range of each change (red a regression, green an improvement, grey acknowledged).</small></p>' +
    `<h2>Changes</h2>${changesSection(trend)}<h2>Runs</h2>${runsSection(trend, shard)}`
  );
}
