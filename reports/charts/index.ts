// Every chart of a report, from loaded bundles alone: each builder covers one kind of data and
// returns nothing for bundles without it. The order is fixed (builders in this order, each in the
// order of the bundles' cells), so the same bundles give the same charts, ids and colours.
import type { LoadedBundle } from '../../model/bundle.js';
import { chartBundles } from './bundles.js';
import { fioCharts } from './fio.js';
import { fioClatBinCharts } from './fio-clat-bins.js';
import { uniqueIds } from './ids.js';
import { microbenchCharts } from './microbench.js';
import { microbenchLatencyCharts } from './microbench-latency.js';
import { microbenchThreadCharts } from './microbench-threads.js';
import { perftestCharts } from './perftest.js';
import { profilerCharts } from './profilers.js';
import type { BundleRaw } from './raw.js';
import type { ChartSpec } from './spec.js';

export type { ChartPoint, ChartSeries, ChartSpec } from './spec.js';

export { readChartRaw, type BundleRaw } from './raw.js';

/**
 * `raw[i]`: what bundle i's raw/ holds for the distribution charts (readChartRaw); without it
 * (or for a bundle copied without raw/) those charts are simply not drawn.
 */
export function buildCharts(bundles: LoadedBundle[], raw: readonly BundleRaw[] = []): ChartSpec[] {
  const styled = chartBundles(bundles, raw);
  return uniqueIds([
    ...microbenchCharts(styled),
    ...microbenchThreadCharts(styled),
    ...microbenchLatencyCharts(styled),
    ...fioCharts(styled),
    ...fioClatBinCharts(styled),
    ...profilerCharts(styled),
    ...perftestCharts(styled),
  ]);
}
