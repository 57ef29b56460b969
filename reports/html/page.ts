// The report page's skeleton (issue 13 item 1): one self-contained HTML document. chart.js and the
// page's own scripts are inlined and allowed by their sha256 hashes in a Content-Security-Policy
// that forbids everything else (default-src 'none': no network, no other script, no plugin), so
// the file opens from file:// and a string that slipped through escaping still could not run.
// Pure: the same input gives the same bytes (no clock, no random id; the caller sorts what it
// takes from maps and directories).
import { createHash } from 'node:crypto';
import type { Comparison } from '../compare/types.js';
import type { ChartSpec } from '../charts/spec.js';
import { legend, presentInText } from '../render/view.js';
import { renderCharts } from './charts.js';
import type { ChartJsSource } from './chartjs.js';
import { CHARTS_DATA_ID, pageCharts } from './chart-data.js';
import { CHART_SCRIPT } from './chart-script.js';
import { dataBlock } from './data.js';
import { FLAME_SCRIPT } from './flame-script.js';
import { renderFlameSection } from './flame-section.js';
import type { FlameCell } from './flames.js';
import { assertInlineScript, escapeHtml } from './escape.js';
import type { RowRepetitions } from './repetitions.js';
import { PAGE_STYLE } from './style.js';
import { renderComparisonTable } from './table.js';
import { TABLE_SCRIPT } from './table-script.js';

/** One bundle as the page's header lists it. */
export interface PageBundle {
  /** base, candidate, or bundle when nothing is compared. */
  role: 'base' | 'candidate' | 'bundle';
  label: string;
  kernel: string | null;
  iommu: string | null;
  host: string | null;
  status: string;
  samples: number;
  dir: string;
  /** What this copy of the bundle lacks (bundle-files.ts). */
  missing: string[];
}

export interface ReportPageInput {
  title: string;
  /** Who wrote the page: `dmabench 0.1.0` (no date: the page is a function of its inputs). */
  generator: string;
  bundles: PageBundle[];
  /** null when a single bundle was given: nothing to compare. */
  comparison: Comparison | null;
  repetitions: ReadonlyMap<string, RowRepetitions>;
  charts: readonly ChartSpec[];
  chartJs: ChartJsSource;
  /**
   * The answer at the top of the page (reports/summary/, issue 13 item 2), as HTML its producer has
   * already escaped: inserted as it is, first in the page. Absent: no summary section.
   */
  summaryHtml?: string;
  /** The flame graphs of the cells with perf-record stacks (flames.ts); none: no flame section. */
  flames?: readonly FlameCell[];
  /**
   * Where the page finds its scripts as files of a site (`dmabench publish`: hundreds of pages share
   * one copy of chart.js). Absent: the scripts are inlined and the page stands alone.
   */
  sharedScripts?: SharedScripts;
  /** Navigation above the title (a site's links back to its index), HTML its producer has escaped. */
  navHtml?: string;
}

/** URLs (relative to the page) of the report's scripts written as files: see REPORT_SCRIPT_FILES. */
export interface SharedScripts {
  chartJs: string;
  chart: string;
  table: string;
  flame: string;
}

/** The report's own scripts by name, for a site that writes them as files beside its pages. */
export const REPORT_SCRIPTS: Readonly<Record<Exclude<keyof SharedScripts, 'chartJs'>, string>> = {
  chart: CHART_SCRIPT,
  table: TABLE_SCRIPT,
  flame: FLAME_SCRIPT,
};

function scriptHash(source: string): string {
  return `'sha256-${createHash('sha256').update(source, 'utf8').digest('base64')}'`;
}

/**
 * default-src 'none' and only our scripts, by hash (or, for a page of a site whose scripts are
 * files, `'self'`: the site's own files); inline style is the one other thing allowed.
 */
export function contentSecurityPolicy(scripts: readonly string[] | 'self'): string {
  const policy = [
    "default-src 'none'",
    `script-src ${scripts === 'self' ? "'self'" : scripts.map(scriptHash).join(' ')}`,
    "style-src 'unsafe-inline'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  // Written into its attribute as it is (readable in the page's source): it holds our constants and base64 only.
  if (/["<>&]/.test(policy)) throw new Error(`the Content-Security-Policy cannot go into an attribute unescaped: ${policy}`);
  return policy;
}

function td(value: string | null, cls?: string): string {
  return `<td${cls ? ` class="${cls}"` : ''}>${escapeHtml(value ?? 'unknown')}</td>`;
}

function bundlesSection(bundles: readonly PageBundle[]): string {
  const rows = bundles
    .map(
      (b) =>
        `<tr>${td(b.role)}${td(b.label, 'wrap')}${td(b.kernel)}${td(b.iommu)}${td(b.host, 'wrap')}${td(b.status)}${td(String(b.samples), 'num')}${td(b.dir, 'wrap')}</tr>`,
    )
    .join('');
  const missing = bundles.flatMap((b) => b.missing.map((m) => `<li class="missing">${escapeHtml(`${b.label}: ${m}`)}</li>`));
  return (
    '<section id="bundles"><h2>Bundles</h2>' +
    '<table class="bundles"><thead><tr><th></th><th>label</th><th>kernel</th><th>IOMMU</th><th>host</th><th>status</th><th class="num">samples</th><th>directory</th></tr></thead>' +
    `<tbody>${rows}</tbody></table>` +
    (missing.length > 0 ? `<h3>Missing from the bundles</h3><ul class="notes-list" id="missing">${missing.join('')}</ul>` : '') +
    '</section>'
  );
}

function warningsSection(c: Comparison): string {
  if (c.warnings.length === 0) return '';
  const items = c.warnings
    .map((w) => `<li>${escapeHtml(w.message)}${(w.details ?? []).length > 0 ? `<ul>${(w.details ?? []).map((d) => `<li><code>${escapeHtml(d)}</code></li>`).join('')}</ul>` : ''}</li>`)
    .join('');
  return `<section id="warnings" class="warnings"><h2>Not comparable in every respect</h2><ul>${items}</ul></section>`;
}

function comparisonSection(input: ReportPageInput): string {
  const c = input.comparison;
  if (!c) return '<section id="comparison-section"><h2>Comparison</h2><p>One bundle: nothing to compare. Give a second bundle for the comparison table.</p></section>';
  const terms = legend(c)
    .map((l) => `<dt>${escapeHtml(l.term)}</dt><dd>${escapeHtml(l.text)}</dd>`)
    .join('');
  const unmatched =
    c.unmatched.length === 0
      ? ''
      : `<details id="unmatched"><summary>${c.unmatched.length} metrics not in every bundle</summary><ul>${c.unmatched
          .map((u) => `<li>${escapeHtml(`${u.cell} ${u.metric}: only in ${presentInText(c, u.presentIn)}`)}</li>`)
          .join('')}</ul></details>`;
  return (
    '<section id="comparison-section"><h2>Comparison</h2>' +
    renderComparisonTable(c, input.repetitions) +
    unmatched +
    `<details><summary>How to read the table</summary><dl class="legend">${terms}</dl></details>` +
    '</section>'
  );
}

export function renderReportPage(input: ReportPageInput): string {
  const scripts = [
    input.chartJs.source,
    assertInlineScript('chart script', CHART_SCRIPT),
    assertInlineScript('table script', TABLE_SCRIPT),
    assertInlineScript('flame script', FLAME_SCRIPT),
  ];
  const summary = input.summaryHtml === undefined ? '' : `<section id="summary">${input.summaryHtml}</section>`;
  const shared = input.sharedScripts;
  const scriptTags = shared
    ? [shared.chartJs, shared.chart, shared.table, shared.flame].map((src) => `<script src="${escapeHtml(src)}"></script>`)
    : scripts.map((s) => `<script>${s}</script>`);
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(shared ? 'self' : scripts)}">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<meta name="generator" content="${escapeHtml(input.generator)}">` +
    `<title>${escapeHtml(input.title)}</title><style>${PAGE_STYLE}</style></head>\n<body>` +
    (input.navHtml ?? '') +
    `<h1>${escapeHtml(input.title)}</h1>` +
    summary +
    bundlesSection(input.bundles) +
    (input.comparison ? warningsSection(input.comparison) : '') +
    `<section id="charts-section"><h2>Charts</h2><div class="charts">${renderCharts(input.charts)}</div></section>` +
    comparisonSection(input) +
    renderFlameSection(input.flames ?? [], input.bundles) +
    `<footer><p>${escapeHtml(`Written by ${input.generator} with chart.js ${input.chartJs.version}.`)}</p></footer>` +
    dataBlock(CHARTS_DATA_ID, pageCharts(input.charts)) +
    scriptTags.join('\n') +
    '\n</body></html>\n'
  );
}
