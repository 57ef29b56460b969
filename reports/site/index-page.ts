// The site's index (issue 14 item 1): per host and campaign, the latest run against its baseline
// (compare's verdicts on the primary metrics, one tile each, with the series' sparkline and a link
// to its page), the open regressions, the latest runs, and the bundles that could not be read.
import type { ComparisonRow } from '../compare/types.js';
import { escapeHtml } from '../html/escape.js';
import { chooseScale, formatCi, formatNumber, formatPct } from '../render/format.js';
import type { MetricTrend } from './analyse.js';
import { SITE_PATHS } from './ids.js';
import type { RegressionRecord } from './regressions.js';
import { kernelText, type SiteRun } from './runs.js';
import type { UnreadableBundle } from './scan.js';
import type { RunSeries } from './series.js';
import { seriesShard } from './series-page.js';
import { sparkline } from './sparkline.js';

/** Runs listed per series on the index; runs.html lists them all. */
export const INDEX_RUNS = 10;

export interface IndexInput {
  series: readonly RunSeries[];
  trends: ReadonlyMap<string, readonly MetricTrend[]>;
  /** Per series id: compare's primary rows of its baseline against its latest run (absent for a series of one run). */
  comparisons: ReadonlyMap<string, readonly ComparisonRow[]>;
  regressions: readonly RegressionRecord[];
  unreadable: readonly UnreadableBundle[];
}

const link = (href: string, text: string): string => `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;

/** A tile: compare's row of the baseline against the latest run, or for a series of one run the trend alone. */
function tile(trend: MetricTrend | undefined, row: ComparisonRow | undefined, single: boolean): string {
  const metric = trend?.metric ?? row?.metric ?? '';
  const cell = trend?.cell ?? row?.cell ?? '';
  const cand = row?.candidates[0] ?? null;
  const verdict = single ? 'one run' : (cand?.verdict ?? 'not in both runs');
  const shard = trend ? seriesShard(trend) : undefined;
  const scale = chooseScale(row?.unit ?? trend?.unit ?? '', row?.base.median ?? trend?.analysis.points[0]?.median ?? null);
  const latest = single ? (trend?.analysis.points.at(-1)?.median ?? null) : (cand?.stats.median ?? null);
  const title = trend ? link(SITE_PATHS.series(trend.id), metric) : escapeHtml(metric);
  return (
    `<div class="tile verdict-${escapeHtml(verdict.replace(/ /g, '-'))}"><div class="metric">${title}</div><div class="cell">${escapeHtml(cell)}</div>` +
    `<div class="change">${single ? escapeHtml(`${formatNumber(latest, scale)} ${scale.unit}`) : escapeHtml(formatPct(cand?.changePct ?? null))}</div>` +
    `<div><small>${escapeHtml(single ? verdict : `${verdict}; ${formatCi(cand?.ci ?? null)}; ${formatNumber(row?.base.median ?? null, scale)} → ${formatNumber(latest, scale)} ${scale.unit}`)}</small></div>` +
    (shard ? sparkline(shard.points.map((p) => p.median), shard.points.map((p) => p.level)) : '') +
    '</div>'
  );
}

function tiles(series: RunSeries, trends: readonly MetricTrend[], rows: readonly ComparisonRow[] | undefined): string {
  if (series.baseline === series.latest || rows === undefined) return `<div class="tiles">${trends.map((t) => tile(t, undefined, true)).join('')}</div>`;
  const byKey = new Map(trends.map((t) => [JSON.stringify([t.cell, t.metric]), t]));
  const shown = rows.map((r) => tile(byKey.get(JSON.stringify([r.cell, r.metric])), r, false));
  return `<div class="tiles">${shown.join('')}</div>`;
}

function regressionList(records: readonly RegressionRecord[]): string {
  if (records.length === 0) return '<p>No open regression.</p>';
  const items = records.map(
    (r) =>
      `<li class="regression">${link(r.links.series, `${r.metric} of ${r.cell}`)}: ${escapeHtml(`${r.kind} ${formatPct(r.change.pct)} [${formatPct(r.change.low)}, ${formatPct(r.change.high)}] from ${r.lastGood.kernel} to ${r.firstBad.kernel}`)} (${link(r.links.compare, 'compare')})</li>`,
  );
  return `<ul class="open-regressions">${items.join('')}</ul>`;
}

export function runsTable(runs: readonly SiteRun[], cls = 'runs'): string {
  const rows = runs.map(
    (r) =>
      `<tr><td class="wrap">${link(SITE_PATHS.run(r.id), r.id)}</td><td class="wrap">${escapeHtml(r.host)}</td><td>${escapeHtml(kernelText(r))}</td>` +
      `<td>${escapeHtml(r.iommu ?? 'unknown')}</td><td>${escapeHtml(r.runDate)}</td><td class="wrap">${escapeHtml(r.campaign)}</td><td>${escapeHtml(r.status)}</td></tr>`,
  );
  return `<table class="${cls}"><thead><tr><th>run</th><th>host</th><th>kernel (commit)</th><th>IOMMU</th><th>date</th><th>campaign</th><th>status</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function seriesSection(series: RunSeries, trends: readonly MetricTrend[], rows: readonly ComparisonRow[] | undefined, regressions: readonly RegressionRecord[]): string {
  const open = regressions.filter((r) => r.host === series.host && r.campaign === series.campaign && r.acknowledged === undefined);
  const latestRuns = [...series.runs].reverse().slice(0, INDEX_RUNS);
  const against =
    series.baseline === series.latest
      ? `One run: ${link(SITE_PATHS.run(series.latest.id), series.latest.id)}.`
      : `Latest ${link(SITE_PATHS.run(series.latest.id), series.latest.id)} (${escapeHtml(kernelText(series.latest))}) against baseline ${link(SITE_PATHS.run(series.baseline.id), series.baseline.id)} (${escapeHtml(kernelText(series.baseline))}, ${escapeHtml(series.baselineFrom)}): ${link(SITE_PATHS.compare(series.baseline.id, series.latest.id), 'compare')}.`;
  return (
    `<section class="series" id="series-${series.id}"><h2>${escapeHtml(`${series.host} · ${series.campaign}`)}</h2>` +
    `<p>${series.runs.length} runs, ordered by ${escapeHtml(series.rule)}. ${against}</p>` +
    tiles(series, trends, rows) +
    `<h3>Open regressions</h3>${regressionList(open)}` +
    `<h3>Latest runs</h3>${runsTable(latestRuns)}` +
    (series.runs.length > INDEX_RUNS ? `<p>${link(SITE_PATHS.runs, `all ${series.runs.length} runs`)}</p>` : '') +
    '</section>'
  );
}

function unreadableSection(unreadable: readonly UnreadableBundle[]): string {
  if (unreadable.length === 0) return '';
  const items = unreadable.map((u) => `<li><code>${escapeHtml(u.id)}</code>: ${escapeHtml(u.error)}</li>`);
  return `<section id="unreadable" class="warnings unreadable"><h2>Bundles that could not be read</h2><ul>${items.join('')}</ul></section>`;
}

export function indexPageBody(input: IndexInput): string {
  const sections = input.series.map((s) => seriesSection(s, input.trends.get(s.id) ?? [], input.comparisons.get(s.id), input.regressions));
  const open = input.regressions.filter((r) => r.acknowledged === undefined).length;
  return (
    `<p>${input.series.length} series, ${input.series.reduce((a, s) => a + s.runs.length, 0)} runs; ${link(SITE_PATHS.regressionsHtml, `${open} open regressions`)}.</p>` +
    unreadableSection(input.unreadable) +
    (sections.length === 0 ? '<p>No readable bundle.</p>' : sections.join('\n'))
  );
}
