// Run until stable, bounded (runner/stability.ts): the rule that decides whether an adaptive cell
// runs another repetition. Reference CoVs computed with Python's statistics module:
//   python3 -c 'import statistics as s; v=[1,2,3,4]; print(s.stdev(v)/s.mean(v))'   # 0.5163977794943222
//   python3 -c 'import statistics as s; v=[1000,1010,990,1005]; print(s.stdev(v)/s.mean(v))'   # 0.008528465056978443
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coefficientOfVariation, formatPercent, lastIsOutlier, primaryMetricOf, stopReason } from '../../runner/stability.js';
import type { Measurement } from '../../model/measurement.js';

test('coefficient of variation: sample standard deviation over the mean', () => {
  assert.ok(Math.abs(coefficientOfVariation([1, 2, 3, 4]) - 0.5163977794943222) < 1e-12);
  assert.ok(Math.abs(coefficientOfVariation([1000, 1010, 990, 1005]) - 0.008528465056978443) < 1e-12);
  assert.equal(coefficientOfVariation([5, 5, 5]), 0);
  assert.equal(coefficientOfVariation([7]), 0);
  assert.equal(coefficientOfVariation([-1, 1]), Infinity);
});

test('the last repetition beyond 3 MAD of the others, unless within the target of their median', () => {
  // others 100, 101, 99, 100: median 100, MAD 0.5, 3 × 1.4826 × 0.5 = 2.22
  assert.equal(lastIsOutlier([100, 101, 99, 100, 103], 0.01), true);
  assert.equal(lastIsOutlier([100, 101, 99, 100, 102], 0.01), false, 'within 3 MAD');
  // Tied values (histogram bins): MAD 0. A step of the target or less is no outlier, more is.
  assert.equal(lastIsOutlier([100, 100, 100, 100, 101], 0.01), false);
  assert.equal(lastIsOutlier([100, 100, 100, 100, 105], 0.01), true);
  assert.equal(lastIsOutlier([100, 130], 0.01), false, 'two values: no others to judge against');
});

test('stop reasons: below min never, no primary metric, stable, max; otherwise another repetition', () => {
  const base = { min: 3, max: 6, targetCov: 0.01, metric: 'read.iops' };
  assert.equal(stopReason({ ...base, values: [1000, 1000], nextRep: 2 }), undefined, 'min first');
  assert.equal(stopReason({ ...base, metric: undefined, values: [], nextRep: 3 }), 'no primary metric');
  assert.equal(stopReason({ ...base, values: [1000, 1010, 990, 1005], nextRep: 4 }), 'stable: CoV 0.85% <= 1%');
  assert.equal(stopReason({ ...base, values: [1000, 1100, 900], nextRep: 3 }), undefined, 'CoV 10%: one more');
  assert.equal(stopReason({ ...base, values: [1000, 1100, 900, 1000, 1000, 1050], nextRep: 6 }), 'max 6 reached');
  // Stable by CoV but the last one jumps: one more.
  assert.equal(stopReason({ ...base, targetCov: 0.02, values: [1000, 1000, 1001, 999, 1000, 1040], nextRep: 5 }), undefined);
  assert.equal(stopReason({ ...base, targetCov: 0.02, values: [1000, 1000, 1001, 999, 1000, 1010], nextRep: 5 }), 'stable: CoV 0.41% <= 2%');
  assert.equal(formatPercent(0.025), '2.5%');
});

test('the primary metric is the first the tool declares primary (by role, or by the fallback for measurements without one)', () => {
  const m = (metric: string, better: Measurement['better'], role?: Measurement['role'], value: number | null = 1): Measurement => ({ metric, value, unit: 'x', better, role });
  assert.equal(primaryMetricOf([m('calls_per_io', 'none'), m('map.min', 'lower'), m('map.p50', 'lower'), m('map.p99', 'lower')]), 'map.p50');
  assert.equal(primaryMetricOf([m('read.iops', 'higher', 'informational'), m('read.bw', 'higher', 'primary')]), 'read.bw');
  assert.equal(primaryMetricOf([m('read.iops', 'higher', 'primary', null), m('read.bw', 'higher', 'primary')]), 'read.bw', 'an absent value is skipped');
  assert.equal(primaryMetricOf([m('timer_overhead', 'none'), m('x.max', 'lower')]), undefined);
});
