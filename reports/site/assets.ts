// The site's script files (assets/): chart.js once, the report's scripts, the series page's, the index's.
import { loadChartJs } from '../html/chartjs.js';
import { REPORT_SCRIPTS } from '../html/page.js';
import { REPORT_ASSETS } from './report-pages.js';
import { INDEX_SCRIPT } from './index-script.js';
import { SERIES_SCRIPT } from './series-script.js';

export const SERIES_ASSET = 'series.js';
export const INDEX_ASSET = 'index.js';

/** File name (under assets/) → content. */
export async function siteAssets(): Promise<Map<string, string>> {
  const chartJs = await loadChartJs();
  return new Map([
    [REPORT_ASSETS.chartJs, chartJs.source],
    [REPORT_ASSETS.chart, REPORT_SCRIPTS.chart],
    [REPORT_ASSETS.table, REPORT_SCRIPTS.table],
    [REPORT_ASSETS.flame, REPORT_SCRIPTS.flame],
    [SERIES_ASSET, SERIES_SCRIPT],
    [INDEX_ASSET, INDEX_SCRIPT],
  ]);
}
