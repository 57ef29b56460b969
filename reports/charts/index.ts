// Every chart of a report, from loaded bundles alone: each builder covers one kind of data and
// returns nothing for bundles without it. The order is fixed (builders in this order, each in the
// order of the bundles' cells), so the same bundles give the same charts, ids and colours.
import type { LoadedBundle } from '../../model/bundle.js';
import { chartBundles } from './bundles.js';
import { fioCharts } from './fio.js';
import { uniqueIds } from './ids.js';
import { microbenchCharts } from './microbench.js';
import { perftestCharts } from './perftest.js';
import { profilerCharts } from './profilers.js';
import type { ChartSpec } from './spec.js';

export type { ChartPoint, ChartSeries, ChartSpec } from './spec.js';

export function buildCharts(bundles: LoadedBundle[]): ChartSpec[] {
  const styled = chartBundles(bundles);
  return uniqueIds([...microbenchCharts(styled), ...fioCharts(styled), ...profilerCharts(styled), ...perftestCharts(styled)]);
}
