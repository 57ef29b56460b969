// The site's index (issue 14 item 1): per host, campaign and IOMMU setting, the latest run against its baseline
// (compare's verdicts on the primary metrics, one tile each, with the series' sparkline and a link
// to its page), the open regressions, the latest runs, and the bundles that could not be read.
// The sparklines and the latest runs' rows are in the series' data shard (index-data.ts), drawn by
// the index's script: the page itself stays small (issue 14 item 5).
import type { ComparisonRow } from '../compare/types.js';
import { escapeHtml } from '../html/escape.js';
import { chooseScale, formatCi, formatNumber, formatPct } from '../render/format.js';
import type { MetricTrend } from './analyse.js';
import { SITE_PATHS } from './ids.js';
import type { RegressionRecord } from './regressions.js';
import { INDEX_RUNS, RUN_COLUMNS } from './index-data.js';
import { kernelText, type SiteRun } from './runs.js';
import type { UnreadableBundle } from './scan.js';
import { seriesName, type RunSeries } from './series.js';

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
  const scale = chooseScale(row?.unit ?? trend?.unit ?? '', row?.base.median ?? trend?.analysis.points[0]?.median ?? null);
  const latest = single ? (trend?.analysis.points.at(-1)?.median ?? null) : (cand?.stats.median ?? null);
  const title = trend ? link(SITE_PATHS.series(trend.id), metric) : escapeHtml(metric);
  return (
    `<div class="tile verdict-${escapeHtml(verdict.replace(/ /g, '-'))}"${trend ? ` data-trend="${escapeHtml(trend.id)}"` : ''}><div class="metric">${title}</div><div class="cell">${escapeHtml(cell)}</div>` +
    `<div class="change">${single ? escapeHtml(`${formatNumber(latest, scale)} ${scale.unit}`) : escapeHtml(formatPct(cand?.changePct ?? null))}</div>` +
    `<div><small>${escapeHtml(single ? verdict : `${verdict}; ${formatCi(cand?.ci ?? null)}; ${formatNumber(row?.base.median ?? null, scale)} → ${formatNumber(latest, scale)} ${scale.unit}`)}</small></div>` +
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

function runsHead(): string {
  return `<thead><tr>${RUN_COLUMNS.map((c) => `<th${c.wrap ? ' class="wrap"' : ''}>${escapeHtml(c.head)}</th>`).join('')}</tr></thead>`;
}

/** Every run as a table (runs.html): the columns of the index's latest runs, as HTML. */
export function runsTable(runs: readonly SiteRun[]): string {
  const rows = runs.map(
    (r) =>
      '<tr>' +
      RUN_COLUMNS.map((c, i) => {
        const text = c.text(r);
        return `<td${c.wrap ? ' class="wrap"' : ''}>${i === 0 ? link(SITE_PATHS.run(r.id), text) : escapeHtml(text)}</td>`;
      }).join('') +
      '</tr>',
  );
  return `<table class="runs">${runsHead()}<tbody>${rows.join('')}</tbody></table>`;
}

function seriesSection(series: RunSeries, trends: readonly MetricTrend[], rows: readonly ComparisonRow[] | undefined, regressions: readonly RegressionRecord[]): string {
  const open = regressions.filter((r) => r.host === series.host && r.campaign === series.campaign && r.setting === series.setting && r.acknowledged === undefined);
  const against =
    series.baseline === series.latest
      ? `One run: ${link(SITE_PATHS.run(series.latest.id), series.latest.id)}.`
      : `Latest ${link(SITE_PATHS.run(series.latest.id), series.latest.id)} (${escapeHtml(kernelText(series.latest))}) against baseline ${link(SITE_PATHS.run(series.baseline.id), series.baseline.id)} (${escapeHtml(kernelText(series.baseline))}, ${escapeHtml(series.baselineFrom)}): ${link(SITE_PATHS.compare(series.baseline.id, series.latest.id), 'compare')}.`;
  return (
    `<section class="series" id="series-${series.id}" data-series="${series.id}"><h2>${escapeHtml(seriesName(series))}</h2>` +
    `<p>${series.runs.length} runs, ordered by ${escapeHtml(series.rule)}. ${against}</p>` +
    tiles(series, trends, rows) +
    `<h3>Open regressions</h3>${regressionList(open)}` +
    `<h3>Latest runs</h3><table class="runs" data-latest-runs="${Math.min(INDEX_RUNS, series.runs.length)}">${runsHead()}<tbody></tbody></table>` +
    `<p>${link(SITE_PATHS.runs, series.runs.length > INDEX_RUNS ? `all ${series.runs.length} runs` : 'every run of every series')}</p>` +
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
