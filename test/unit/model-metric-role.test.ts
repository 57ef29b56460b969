// metricRole: a tool's declaration wins, and bundles written before roles existed get one from
// the metric's direction and name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricRole } from '../../model/measurement.js';

test('declared roles are kept, but a metric where neither direction is better is never primary', () => {
  assert.equal(metricRole({ metric: 'read.clat.max', better: 'lower', role: 'primary' }), 'primary');
  assert.equal(metricRole({ metric: 'read.iops', better: 'higher', role: 'descriptive' }), 'descriptive');
  assert.equal(metricRole({ metric: 'dma_iova_link.calls_per_io', better: 'none', role: 'primary' }), 'informational');
});

test('without a declaration: none is informational, extremes and far tails descriptive, the rest primary', () => {
  assert.equal(metricRole({ metric: 'timer_overhead', better: 'none' }), 'informational');
  for (const metric of ['map.min', 'map.max', 'map.stdev', 'read.clat.p99.9', 'read.clat.p99.99'])
    assert.equal(metricRole({ metric, better: 'lower' }), 'descriptive', metric);
  for (const metric of ['read.iops', 'read.clat.p99', 'map.p50', 'total.p99'])
    assert.equal(metricRole({ metric, better: 'lower' }), 'primary', metric);
});
