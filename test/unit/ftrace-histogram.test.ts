// The bounded-memory duration histogram against exact order statistics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DurationHistogram } from '../../collectors/ftrace/histogram.js';

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

test('histogram: count, total, min, max exact; quantiles within 1 % of the exact ones', () => {
  // Deterministic spread over 6 decades (LCG), like call durations from 100 ns to 100 ms.
  let seed = 12345;
  const values: number[] = [];
  for (let i = 0; i < 50_000; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    values.push(Math.round(100 * 10 ** ((seed / 2 ** 31) * 6)));
  }
  const h = new DurationHistogram();
  for (const v of values) h.record(v);
  const sorted = [...values].sort((a, b) => a - b);
  const s = h.summary();
  assert.equal(s.count, values.length);
  assert.equal(s.totalNs, values.reduce((a, b) => a + b, 0));
  assert.equal(s.minNs, sorted[0]);
  assert.equal(s.maxNs, sorted[sorted.length - 1]);
  for (const q of [0.5, 0.9, 0.99, 0.999]) {
    const exact = exactQuantile(sorted, q);
    const got = h.quantile(q);
    assert.ok(Math.abs(got - exact) / exact < 0.01, `q${q}: ${got} vs ${exact}`);
  }
  assert.ok(h.bucketCount < 3000, `memory bounded: ${h.bucketCount} buckets for 50k values`);
});

test('histogram: small values are exact, empty histogram gives NaN', () => {
  const h = new DurationHistogram();
  for (const v of [3, 1, 2, 200, 255]) h.record(v);
  assert.equal(h.quantile(0.5), 3);
  assert.equal(h.quantile(1), 255);
  assert.ok(Number.isNaN(new DurationHistogram().summary().meanNs));
});

test('histogram: values near powers of two land in a bucket that contains them', () => {
  for (let e = 8; e < 40; e++) {
    for (const v of [2 ** e - 1, 2 ** e, 2 ** e + 1]) {
      const h = new DurationHistogram();
      // min and max far away, so the answer is the bucket's midpoint, not a clipped value.
      h.record(1);
      h.record(v);
      h.record(v);
      h.record(2 ** 50);
      const got = h.quantile(0.5);
      assert.ok(Math.abs(got - v) / v < 0.01, `${v}: ${got}`);
    }
  }
});
