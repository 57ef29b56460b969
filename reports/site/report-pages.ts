// The run page of each bundle and the compare pages of pairs of runs: the report of `dmabench
// report` (reports/html/), its scripts loaded from the site's assets/ instead of inlined in every
// page (chart.js alone is 200 kB).
import type { LoadedBundle } from '../../model/bundle.js';
import { buildCharts, readChartRaw } from '../charts/index.js';
import { escapeHtml } from '../html/escape.js';
import type { SharedScripts } from '../html/page.js';
import { renderHtmlReport } from '../html/report.js';
import { summarize, summaryHtml } from '../summary/index.js';
import { fromSubfolder, SITE_PATHS } from './ids.js';
import { siteNav } from './layout.js';

/** The report's scripts as site assets (assets.ts writes them). */
export const REPORT_ASSETS = { chartJs: 'chart.umd.min.js', chart: 'report-charts.js', table: 'report-table.js', flame: 'report-flame.js' } as const;

const SHARED: SharedScripts = {
  chartJs: fromSubfolder(SITE_PATHS.asset(REPORT_ASSETS.chartJs)),
  chart: fromSubfolder(SITE_PATHS.asset(REPORT_ASSETS.chart)),
  table: fromSubfolder(SITE_PATHS.asset(REPORT_ASSETS.table)),
  flame: fromSubfolder(SITE_PATHS.asset(REPORT_ASSETS.flame)),
};

/** The report of `bundles` (base first) as a page of the site, in a subfolder (runs/, compare/). */
export async function reportPage(bundles: LoadedBundle[], siteTitle: string, title: string, context: string): Promise<string> {
  const charts = buildCharts(bundles, await readChartRaw(bundles));
  return renderHtmlReport({
    bundles,
    charts,
    summaryHtml: summaryHtml(summarize(bundles)),
    sharedScripts: SHARED,
    navHtml: siteNav('../', siteTitle) + `<p>${escapeHtml(context)}</p>`,
    title,
  });
}
