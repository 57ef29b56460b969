// microbenchMeasurements: the all-threads stats of a parsed dma_bench result as Measurements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { parseMicrobenchResult } from '../../collectors/microbench/parse.js';
import { FALLBACK_PREFIX, microbenchMeasured, microbenchMeasurements } from '../../collectors/microbench/metrics.js';

const parse = (name: string) => parseMicrobenchResult(readFileSync(fixture('dma_bench', name), 'utf8'));

test('an ok run yields map/unmap/total stats and the timer overhead in ns', () => {
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
  // One clock read per request against the fastest map or unmap sample (a v1 result: batches of one).
  const fastest = Math.min(r.all!.phases.map!.min, r.all!.phases.unmap!.min);
  assert.equal(byName.get('timer_overhead_pct')!.value, (100 * r.timerOverheadNs!) / fastest);
  for (const x of m) {
    assert.equal(x.unit, x.metric === 'timer_overhead_pct' ? '%' : 'ns', x.metric);
    // Times, lower is better; the timer overhead is a property of the clock source, not of the API.
    assert.equal(x.better, x.metric.startsWith('timer_overhead') ? 'none' : 'lower', x.metric);
    assert.equal(typeof x.value, 'number');
  }
  assert.ok(!m.some((x) => x.metric.startsWith('timer.')), 'the timer phase is reported once, as timer_overhead');
});

test('a fallback run is measured under fallback.* names (the per-segment path), unsupported and error runs are not', () => {
  const fallback = parse('7.2-iommu-off-link-fallback.txt');
  assert.equal(microbenchMeasured(fallback), true);
  const names = microbenchMeasurements(fallback).map((x) => x.metric);
  assert.ok(names.length > 0);
  // Never under the names a real link run uses: compare cannot pit one against the other.
  assert.ok(names.every((n) => n.startsWith(FALLBACK_PREFIX)), names.join(', '));
  assert.ok(names.includes('fallback.map.p50') && names.includes('fallback.timer_overhead'));
  assert.ok(!microbenchMeasurements(parse('7.2-strict-link-scattered-64k.txt')).some((x) => x.metric.startsWith(FALLBACK_PREFIX)));

  for (const name of ['6.12-strict-link-unsupported.txt', '7.2-strict-bad-divisible.txt', '7.2-strict-device-removed.txt']) {
    const r = parse(name);
    assert.equal(microbenchMeasured(r), false, name);
    assert.deepEqual(microbenchMeasurements(r), [], name);
  }
});

test('roles: p50 and p99 primary when the timed calls resolve them, the rest descriptive, timer overhead informational', () => {
  // 2 threads × 2000 iterations: count=4000 in the all-threads lines, enough for p99 (1000), not p99.9 (10 000).
  const r = parse('7.2-strict-link-scattered-64k.txt');
  assert.equal(r.all!.phases.map!.count, 4000);
  const role = new Map(microbenchMeasurements(r).map((x) => [x.metric, x.role]));
  for (const phase of ['map', 'unmap', 'total']) {
    assert.equal(role.get(`${phase}.p50`), 'primary', phase);
    assert.equal(role.get(`${phase}.p99`), 'primary', phase);
    for (const stat of ['mean', 'stdev', 'min', 'max', 'p90', 'p99.9', 'mean_per_seg']) assert.equal(role.get(`${phase}.${stat}`), 'descriptive', `${phase}.${stat}`);
  }
  assert.equal(role.get('timer_overhead'), 'informational');
});

test('a p99 of fewer than 1000 timed calls is descriptive (10/(1-p) rule), p50 stays primary', () => {
  // No capture has fewer than 2000 timed calls: the parsed result of a real one with the map
  // phase's count lowered to 500 (what 250 iterations × 2 threads give) drives the rule.
  const r = parse('7.2-strict-link-scattered-64k.txt');
  const map = r.all!.phases.map!;
  const few = { ...r, all: { ...r.all!, phases: { ...r.all!.phases, map: { ...map, count: 500 } } } };
  const role = new Map(microbenchMeasurements(few).map((x) => [x.metric, x.role]));
  assert.equal(role.get('map.p99'), 'descriptive');
  assert.equal(role.get('map.p50'), 'primary');
  assert.equal(role.get('unmap.p99'), 'primary', 'other phases keep their own counts');
});

test('v2: what each request issued, the batch, the clock share and the disturbed samples are informational; dma_map_page answers api=phys', () => {
  const page = parse('v2-6.12-strict-lab-phys-scattered-t1.txt');
  assert.equal(page.path, 'page');
  const m = new Map(microbenchMeasurements(page).map((x) => [x.metric, x]));
  assert.ok(m.has('map.p50'), 'the per-range path on 6.12 is what api=phys asks for: no fallback mark');
  assert.equal(m.get('issued.ranges')!.value, 16);
  assert.equal(m.get('issued.calls')!.value, 16);
  assert.equal(m.get('issued.dma_segs')!.value, 16);
  assert.equal(m.get('batch')!.value, 1);
  assert.equal(m.get('disturbed')!.value, 14);
  assert.equal(m.get('disturbed_pct')!.value, (100 * 14) / 500);
  assert.equal(m.get('disturbed.by_irq')!.value, 14);
  assert.equal(m.get('disturbed.by_switch')!.value, 0);
  for (const name of ['issued.ranges', 'issued.calls', 'issued.dma_segs', 'batch', 'timer_overhead_pct', 'disturbed', 'disturbed_pct', 'disturbed.by_irq', 'disturbed.by_switch']) {
    assert.equal(m.get(name)!.role, 'informational', name);
    assert.equal(m.get(name)!.better, 'none', name);
  }
  // link hands out one DMA segment for sixteen ranges (one IOVA range); the clock is 80 ns / 9 of the fastest sample.
  const link = new Map(microbenchMeasurements(parse('v2-7.2-strict-lab-link-scattered-t2.txt')).map((x) => [x.metric, x.value]));
  assert.equal(link.get('issued.dma_segs'), 1);
  assert.equal(link.get('timer_overhead_pct'), (100 * 80) / 9 / 1770);
});

test('v3: the requests in flight are an informational metric; a v2 result has none', () => {
  // inflight=16 asked, batches of 8: 16 in flight. inflight=1 asked, batches of 4 chosen: the batch is in flight.
  const deep = new Map(microbenchMeasurements(parse('v3-7.2-strict-lab-nvme-link-inflight16.txt')).map((x) => [x.metric, x]));
  assert.equal(deep.get('inflight')!.value, 16);
  assert.equal(deep.get('batch')!.value, 8);
  assert.deepEqual([deep.get('inflight')!.role, deep.get('inflight')!.better, deep.get('inflight')!.unit], ['informational', 'none', 'count']);
  assert.ok(deep.has('total.p50'));
  const built = new Map(microbenchMeasurements(parse('v3-6.12-strict-lab-nvme-sg-build-inflight1.txt')).map((x) => [x.metric, x.value]));
  assert.equal(built.get('inflight'), built.get('batch'), 'inflight=1: the batch was what was in flight');
  assert.ok(!microbenchMeasurements(parse('v2-7.2-strict-lab-link-scattered-t2.txt')).some((x) => x.metric === 'inflight'));
});
