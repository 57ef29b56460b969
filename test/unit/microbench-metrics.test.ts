// microbenchMeasurements: the all-threads stats of a parsed dma_bench result as Measurements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { parseMicrobenchResult } from '../../collectors/microbench/parse.js';
import { microbenchMeasured, microbenchMeasurements } from '../../collectors/microbench/metrics.js';

const parse = (name: string) => parseMicrobenchResult(readFileSync(fixture('dma_bench', name), 'utf8'));

test('an ok run yields map/unmap/total stats and the timer overhead in ns, lower is better', () => {
  const r = parse('7.2-strict-link-scattered-64k.txt');
  const m = microbenchMeasurements(r);
  const byName = new Map(m.map((x) => [x.metric, x]));
  assert.equal(byName.size, m.length, 'metric names are unique');
  for (const name of ['map.mean', 'map.p99', 'map.p99.9', 'unmap.mean', 'unmap.p50', 'total.mean', 'total.stdev', 'timer_overhead']) {
    assert.ok(byName.has(name), `has ${name}`);
  }
  assert.equal(byName.get('map.mean')!.value, r.all!.phases.map!.mean);
  assert.equal(byName.get('unmap.p99.9')!.value, r.all!.phases.unmap!.p999);
  assert.equal(byName.get('total.max')!.value, r.all!.phases.total!.max);
  assert.equal(byName.get('timer_overhead')!.value, r.timerOverheadNs);
  assert.equal(byName.get('map.mean_per_seg')!.value, r.all!.phases.map!.mean / 16);
  for (const x of m) {
    assert.equal(x.unit, 'ns');
    assert.equal(x.better, 'lower');
    assert.equal(typeof x.value, 'number');
  }
  assert.ok(!m.some((x) => x.metric.startsWith('timer.')), 'the timer phase is reported once, as timer_overhead');
});

test('a fallback run is measured (the per-segment path), unsupported and error runs are not', () => {
  const fallback = parse('7.2-iommu-off-link-fallback.txt');
  assert.equal(microbenchMeasured(fallback), true);
  assert.ok(microbenchMeasurements(fallback).length > 0);

  for (const name of ['6.12-strict-link-unsupported.txt', '7.2-strict-bad-divisible.txt', '7.2-strict-device-removed.txt']) {
    const r = parse(name);
    assert.equal(microbenchMeasured(r), false, name);
    assert.deepEqual(microbenchMeasurements(r), [], name);
  }
});
